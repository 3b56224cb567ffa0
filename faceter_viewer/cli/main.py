"""`faceter-viewer`: the desktop app, and a command line over the same API client.

    faceter-viewer [--demo]                     the desktop app (on the demo service with --demo)
    faceter-viewer [--demo] --incident "CAMERA@TIME"
                                                the app, opening the incident view of that moment:
                                                every camera of its room in a grid, synchronized
    faceter-viewer [--base-url URL] [--key-file PATH] cameras [--json]
    faceter-viewer ... events CAMERA [--type TYPE]... [--from ISO] [--to ISO] [--limit N] [--sort asc|desc|none] ...
    faceter-viewer ... create-event CAMERA --start ISO [--end ISO | --instant] [--type TYPE]
                       [--attr KEY=VALUE]... [--snapshot FILE.jpg] [--json]
    faceter-viewer ... export CAMERA --from ISO --duration SECONDS [--mode clip|video|audio]
                       [--output PATH] [--evidence|--no-evidence] [--callback-url URL]
    faceter-viewer jobs [--json]                the export jobs stored on this machine
    faceter-viewer demo-server [--port N] [--cameras N] [--seed S] [--token-ttl S] [--faults SPEC]
                               [--export-delay S] [--export-failure-rate P]

Exit codes: 0 ok, 2 usage, 3 authentication, 4 not found, 5 other API or network error.
Errors are one line on stderr, without a traceback or a secret.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from faceter_viewer import __version__
from faceter_viewer.api import errors
from faceter_viewer.api.enums import EventType
from faceter_viewer.api.redaction import install_redaction, redact
from faceter_viewer.cli.usage import UsageError

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_API = 0, 2, 3, 4, 5


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faceter-viewer",
        description="Watch and review Faceter cloud cameras. Without a command, opens the desktop app.",
        epilog="The key comes from $FACETER_INTEGRATION_KEY, else --key-file, else the OS keyring. "
        "Exit codes: 0 ok, 2 usage, 3 authentication, 4 not found, 5 other API or network error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--base-url", metavar="URL", help="Integration API base URL (else $FACETER_BASE_URL, else production)")
    parser.add_argument("--key-file", metavar="PATH", help="read the integration key from this file")
    parser.add_argument("--demo", action="store_true", help="use the built-in demo service (no account needed)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log to stderr (-vv for HTTP details)")
    parser.add_argument(
        "--incident", metavar="SPEC", type=_incident_spec,
        help='the app opens the incident view of "CAMERA@TIME" (e.g. "Entrance@2026-12-03 03:12"; CAMERA is an id '
        "or exact title, TIME local unless it has an offset): every camera of its room in a grid, from the pre-roll before it",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    cameras = commands.add_parser("cameras", help="list the cameras, by location and room")
    cameras.add_argument("--json", action="store_true", help="print the API objects (camelCase)")

    events = commands.add_parser("events", help="list a camera's events (newest first unless --sort says otherwise)")
    events.add_argument("camera", metavar="CAMERA", help="camera id or exact title")
    events.add_argument(
        "--type", dest="types", action="append", default=[], metavar="TYPE",
        help=f"event type, repeatable ({', '.join(t.value for t in EventType)})",
    )
    events.add_argument("--from", dest="start", metavar="ISO", help="from this time (no offset = local time)")
    events.add_argument("--to", dest="end", metavar="ISO", help="up to this time (no offset = local time)")
    events.add_argument("--limit", type=_positive_int, default=100, metavar="N", help="at most N events in all (default 100)")
    events.add_argument("--merge-interval", type=_positive_int, metavar="SECONDS", help="merge events closer than this")
    events.add_argument(
        "--sort", type=str.lower, choices=("desc", "asc", "none"), default="desc",
        help="desc: newest first (default); asc: oldest first; none: the service's own order, "
        "one request of at most --limit events (it cannot be paged)",
    )
    events.add_argument("--json", action="store_true", help="print the API objects (camelCase)")

    create = commands.add_parser(
        "create-event", help="create an event on a camera; prints the new event's id",
        description="Create an event (POST /v1/cameras/{id}/events). The event id is made here, "
        "so a retry after a server error cannot create it twice.",
    )
    create.add_argument("camera", metavar="CAMERA", help="camera id or exact title")
    create.add_argument("--start", required=True, metavar="ISO", help="when it happened (no offset = local time)")
    span = create.add_mutually_exclusive_group()
    span.add_argument("--end", metavar="ISO", help="when it ended (no offset = local time)")
    span.add_argument("--instant", action="store_true", help="an instant event, without duration (the default without --end)")
    create.add_argument(
        "--type", dest="event_type", default=EventType.CUSTOM.value, metavar="TYPE",
        help=f"event type (default Custom; one of {', '.join(t.value for t in EventType)})",
    )
    create.add_argument(
        "--attr", dest="attrs", action="append", default=[], metavar="KEY=VALUE", help="an attribute, repeatable"
    )
    create.add_argument("--snapshot", metavar="FILE.jpg", help="a JPEG image to attach (sent as base64)")
    create.add_argument("--json", action="store_true", help="print the event as sent (camelCase, without the image)")

    export = commands.add_parser("export", help="save archive video or audio to a file")
    export.add_argument("camera", metavar="CAMERA", help="camera id or exact title")
    export.add_argument("--from", dest="start", required=True, metavar="ISO", help="start (no offset = local time)")
    export.add_argument("--duration", type=_positive_int, required=True, metavar="SECONDS")
    export.add_argument(
        "--mode", choices=("clip", "video", "audio"), default="clip",
        help="clip: direct download; video/audio: server-side export, polled until ready (default clip)",
    )
    export.add_argument("--output", metavar="PATH", help="file to write (default: camera title and time)")
    export.add_argument(
        "--evidence", action=argparse.BooleanOptionalAction, default=None,
        help="write <file>.json and SHA256SUMS next to the file (default: on for clip and video, off for audio)",
    )
    export.add_argument("--callback-url", metavar="URL", help="the service calls this URL when the export is done (video/audio)")

    jobs = commands.add_parser("jobs", help="list the export jobs stored on this machine")
    jobs.add_argument("--json", action="store_true", help="print JSON")

    demo = commands.add_parser("demo-server", help="run the Faceter-compatible demo service on 127.0.0.1")
    demo.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    demo.add_argument("--cameras", type=_positive_int, default=12, help="number of cameras (default 12)")
    demo.add_argument("--seed", type=int, default=1, help="dataset seed (default 1)")
    demo.add_argument("--token-ttl", type=_positive_int, default=3600, metavar="SECONDS", help="archive token lifetime")
    demo.add_argument("--faults", default="", metavar="SPEC", help="fault injection, e.g. 'latency=200ms;status429=/v1/cameras:2'")
    demo.add_argument("--export-delay", type=float, default=3.0, metavar="SECONDS", help="time an export takes")
    demo.add_argument(
        "--export-failure-rate", type=_fraction, default=0.0, metavar="P",
        help="fraction 0..1 of exports that fail on purpose, chosen by --seed (default 0)",
    )  # fmt: skip
    return parser


def _incident_spec(text: str):
    from faceter_viewer.core.incident import IncidentError, parse_incident_spec

    try:
        return parse_incident_spec(text)
    except IncidentError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    install_redaction()
    _configure_logging(args.verbose)
    if args.command is None:
        from faceter_viewer.app import run_app

        return run_app(demo=args.demo, base_url=args.base_url, incident=args.incident)
    if args.incident is not None:
        parser.error("--incident opens the desktop app: give it without a COMMAND")
    if args.command == "demo-server":
        from faceter_viewer.cli.commands import run_demo_server_command

        return run_demo_server_command(args)
    from faceter_viewer.cli import commands

    try:
        return commands.run(args)
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"faceter-viewer: error: {redact(str(exc))}\n")
    except errors.AuthenticationError as exc:
        return _fail(EXIT_AUTH, exc)
    except errors.NotFoundError as exc:
        return _fail(EXIT_NOT_FOUND, exc)
    except errors.FaceterError as exc:
        return _fail(EXIT_API, exc)
    except OSError as exc:
        return _fail(EXIT_API, f"cannot write the file: {exc.strerror or exc} ({exc.filename})")
    except KeyboardInterrupt:
        print("faceter-viewer: interrupted", file=sys.stderr)
        return 130
    return EXIT_OK


def _fail(code: int, error: object) -> int:
    print(f"faceter-viewer: {redact(str(error))}", file=sys.stderr)
    return code


def _configure_logging(verbose: int) -> None:
    if not verbose:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    if verbose < 2:
        logging.getLogger("httpcore").setLevel(logging.WARNING)
    install_redaction()


if __name__ == "__main__":
    raise SystemExit(main())
