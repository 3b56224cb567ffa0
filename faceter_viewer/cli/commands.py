"""The CLI commands: cameras, events, create-event, export, demo-server. Same client as the app."""

from __future__ import annotations

import argparse
import base64
import contextlib
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from faceter_viewer.api import errors
from faceter_viewer.api.credentials import KEY_ENV, KeyFileError, resolve_base_url, resolve_key
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.enums import EventType, SortOrder
from faceter_viewer.api.models import Camera, Event, NewEvent
from faceter_viewer.api.paging import iterate_events
from faceter_viewer.cli import output
from faceter_viewer.cli.usage import UsageError
from faceter_viewer.core.filenames import safe_filename


def run(args: argparse.Namespace) -> int:
    # bad input is a usage error (exit 2) before anything is asked of the service
    new_event = new_event_from(args) if args.command == "create-event" else None
    if args.command == "jobs":
        return jobs(args)
    with connect(args) as client:
        if args.command == "cameras":
            return cameras(client, args)
        if args.command == "events":
            return events(client, args)
        if new_event is not None:
            return create_event(client, args, new_event)
        if args.command == "export":
            return export(client, args)
    raise UsageError(f"unknown command {args.command!r}")


@contextlib.contextmanager
def connect(args: argparse.Namespace) -> Iterator[IntegrationClient]:
    """The client, from --demo, or the base URL (--base-url, $FACETER_BASE_URL, production) and
    the key ($FACETER_INTEGRATION_KEY, --key-file, the OS keyring)."""
    if args.demo:
        from faceter_viewer.demo import DemoService

        with DemoService() as service:
            with IntegrationClient(service.integration_key, service.base_url) as client:
                yield client
        return
    base_url = resolve_base_url(args.base_url)
    try:
        key = resolve_key(base_url, key_file=args.key_file)
    except KeyFileError as exc:
        raise UsageError(str(exc)) from None
    if not key:
        raise errors.AuthenticationError(
            f"no integration key: set ${KEY_ENV}, pass --key-file, or sign in once in the app"
        )
    with IntegrationClient(key, base_url) as client:
        yield client


def find_camera(client: IntegrationClient, name: str) -> Camera:
    """CAMERA is a camera id or its exact title."""
    found = client.list_cameras()
    by_id = [camera for camera in found if camera.id == name]
    if by_id:
        return by_id[0]
    by_title = [camera for camera in found if camera.title == name]
    if len(by_title) > 1:
        raise UsageError(f"{len(by_title)} cameras are titled {name!r}; use the camera id instead")
    if not by_title:
        raise errors.NotFoundError(f"no camera with the id or title {name!r}")
    return by_title[0]


def cameras(client: IntegrationClient, args: argparse.Namespace) -> int:
    found = client.list_cameras()
    if args.json:
        output.print_json([output.public_camera(camera) for camera in found])
    else:
        output.print_camera_table(found)
    return 0


def events(client: IntegrationClient, args: argparse.Namespace) -> int:
    camera = find_camera(client, args.camera)
    start, end = output.parse_user_time(args.start, "--from"), output.parse_user_time(args.end, "--to")
    if start and end and end <= start:
        raise UsageError("--to must be later than --from")
    filters = {"types": args.types, "start": start, "end": end, "merge_interval": args.merge_interval}
    found: list[Event]
    if args.sort == "none":
        # The service's own order cannot be paged (api-rules §5): one request, as it answers.
        page = client.list_events(camera.id, limit=args.limit, sort=SortOrder.NONE, **filters)
        found = page.items[: args.limit]
        if page.has_more and len(found) < args.limit:
            _note(f"the service sent {len(found)} events and has more; --sort none cannot read past one answer (use --sort desc or asc)")
    else:
        sort = SortOrder.ASC if args.sort == "asc" else SortOrder.DESC
        reader = client.event_reader(camera.id, page_size=min(args.limit, 100), sort=sort, **filters)
        found = list(iterate_events(reader, args.limit))
        for truncation in reader.truncations:
            _note(truncation.message())
    if args.json:
        output.print_json([event.model_dump(mode="json", by_alias=True, exclude_none=True) for event in found])
    else:
        output.print_event_table(found)
    return 0


def _note(text: str) -> None:
    """A remark on stderr that is not an error (the exit code stays 0)."""
    print(f"faceter-viewer: {text}", file=sys.stderr)


def new_event_from(args: argparse.Namespace) -> NewEvent:
    """The event create-event will POST, from the command line; UsageError for bad input. The
    eventId is generated here (models.NewEvent), so a retry after a 5xx resends the same event
    and cannot create a second one (api-rules §13)."""
    start = output.parse_user_time(args.start, "--start")
    assert start is not None  # argparse requires --start
    end = output.parse_user_time(args.end, "--end")
    if end is not None and end < start:
        raise UsageError("--end must not be before --start")
    return NewEvent(
        start_date=start,
        end_date=end,
        instant=end is None,  # --instant, or no --end
        event_type=_event_type(args.event_type),
        attributes=_attributes(args.attrs),
        snapshot=_snapshot_base64(args.snapshot) if args.snapshot else None,
    )


def _event_type(text: str) -> str:
    """One of the document's event types, in any letter case."""
    known = {kind.value.lower(): kind.value for kind in EventType}
    found = known.get(text.strip().lower())
    if found is None:
        raise UsageError(f"--type: unknown event type {text!r} (one of {', '.join(known.values())})")
    return found


def _attributes(pairs: list[str]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--attr: expected KEY=VALUE, got {pair!r}")
        if key in attributes:
            raise UsageError(f"--attr: {key!r} is given twice")
        attributes[key] = value
    return attributes


def _snapshot_base64(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--snapshot: cannot read {path}: {exc.strerror or exc}") from None
    if not data.startswith(b"\xff\xd8\xff"):  # every JPEG starts with SOI and a marker
        raise UsageError(f"--snapshot: {path} is not a JPEG image")
    return base64.b64encode(data).decode("ascii")


def create_event(client: IntegrationClient, args: argparse.Namespace, event: NewEvent) -> int:
    camera = find_camera(client, args.camera)
    client.create_event(camera.id, event)  # retried after a 5xx with the same eventId
    if args.json:
        sent = {"cameraId": camera.id, **event.to_api()}
        if sent.pop("snapshot", None) is not None:
            sent["snapshotBytes"] = len(base64.b64decode(event.snapshot or ""))
        output.print_json(sent)
    else:
        print(event.event_id)
    return 0


def export(client: IntegrationClient, args: argparse.Namespace) -> int:
    """One export as a stored job (services/exports): the same command run again after the
    process was killed or interrupted resumes that job (same export id, a Range request for the
    download) instead of exporting again."""
    from faceter_viewer.services.exports.job import ExportJob, ExportMode, JobState
    from faceter_viewer.services.exports.runner import JobRunner
    from faceter_viewer.services.exports.store import JobStore

    camera = find_camera(client, args.camera)
    start = output.parse_user_time(args.start, "--from")
    assert start is not None
    mode = ExportMode(args.mode)
    default_name = safe_filename(camera.title, start.astimezone(), mode.suffix)
    dest = Path(args.output) if args.output else Path(default_name)
    if dest.is_dir():
        dest = dest / default_name
    evidence = args.evidence if args.evidence is not None else mode is not ExportMode.AUDIO
    asked = ExportJob(
        service_url=client.base_url,
        camera_id=camera.id,
        camera_title=camera.title,
        start=start.astimezone(timezone.utc),
        duration=args.duration,
        mode=mode,
        dest=dest.absolute(),
        audio=mode is ExportMode.VIDEO and camera.is_audio_granted,
        evidence=evidence,
        callback_url=args.callback_url,
    )
    progress = output.Progress(sys.stderr)
    store = JobStore()
    try:
        job = store.find_same(asked)
        if job is None:
            job = asked
            progress.say(f"{mode.label} of {args.duration} s of “{camera.title}” from {output.local(start)}")
        else:
            progress.say(f"Resuming the stored job {job.id[:8]} ({job.state}{', export ' + job.export_id if job.export_id else ''})")
            job.evidence, job.callback_url = evidence, args.callback_url
            if job.state.finished:  # failed or cancelled before: try again
                job.state, job.error = JobState.QUEUED, None
        store.save(job)
        runner = JobRunner(client, store, on_change=_JobPrinter(progress))
        try:
            runner.run(job)
        except KeyboardInterrupt:
            progress.say("Interrupted; run the same command again to resume.")
            raise
    finally:
        store.close()
    if job.state is not JobState.DONE:
        raise errors.FaceterError(job.error or f"the export ended {job.state}")
    progress.done(f"Saved {job.dest}")
    if job.evidence:
        progress.say(f"Evidence: {job.dest.name}.json, SHA256SUMS (check with: sha256sum -c SHA256SUMS)")
    return 0


class _JobPrinter:
    """The job's progress on stderr: a line per state, the bytes while downloading."""

    def __init__(self, progress: output.Progress) -> None:
        self._progress = progress
        self._said: tuple[str, str | None] | None = None

    def __call__(self, job) -> None:
        said = (str(job.state), job.export_id)
        if said != self._said:
            self._said = said
            export = f" (export {job.export_id})" if job.export_id else ""
            self._progress.say(f"{str(job.state).capitalize()}{export}")
        if job.state == "downloading" and job.bytes_done:
            self._progress.bytes(job.bytes_done, job.bytes_total)


def jobs(args: argparse.Namespace) -> int:
    """The export jobs stored on this machine (every service), oldest first. Needs no key."""
    from faceter_viewer.services.exports.store import JobStore, job_to_dict

    store = JobStore()
    try:
        found = store.jobs()
    finally:
        store.close()
    if args.json:
        output.print_json([job_to_dict(job) for job in found])
    else:
        output.print_job_table(found)
    return 0


def run_demo_server_command(args: argparse.Namespace) -> int:
    from faceter_viewer.demo import run_demo_server

    return run_demo_server(
        port=args.port,
        cameras=args.cameras,
        seed=args.seed,
        token_ttl=args.token_ttl,
        faults=args.faults,
        export_delay=args.export_delay,
        export_failure_rate=args.export_failure_rate,
    )
