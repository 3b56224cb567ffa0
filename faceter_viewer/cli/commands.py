"""The CLI commands: cameras, events, export, demo-server. Same client as the app."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from faceter_viewer.api import errors, rules
from faceter_viewer.api.credentials import KEY_ENV, KeyFileError, resolve_base_url, resolve_key
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import AudioExportRequest, Camera, ExportTask, VideoExportRequest
from faceter_viewer.cli import output
from faceter_viewer.cli.usage import UsageError
from faceter_viewer.core.filenames import safe_filename


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        if args.command == "cameras":
            return cameras(client, args)
        if args.command == "events":
            return events(client, args)
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
    found = list(
        client.iter_events(
            camera.id,
            types=args.types,
            start=start,
            end=end,
            merge_interval=args.merge_interval,
            page_size=min(args.limit, 100),
            max_items=args.limit,
        )
    )
    if args.json:
        output.print_json([event.model_dump(mode="json", by_alias=True, exclude_none=True) for event in found])
    else:
        output.print_event_table(found)
    return 0


def export(client: IntegrationClient, args: argparse.Namespace) -> int:
    camera = find_camera(client, args.camera)
    start = output.parse_user_time(args.start, "--from")
    assert start is not None
    suffix = ".m4a" if args.mode == "audio" else ".mp4"
    dest = Path(args.output) if args.output else Path(safe_filename(camera.title, start.astimezone(), suffix))
    if dest.is_dir():
        dest = dest / safe_filename(camera.title, start.astimezone(), suffix)
    progress = output.Progress(sys.stderr)
    if args.mode == "clip":
        progress.say(f"Downloading {args.duration} s of “{camera.title}” from {output.local(start)}")
        client.download_clip(camera.id, start, args.duration, dest, on_progress=progress.bytes)
    else:
        task = _run_export(client, camera, start, args.duration, args.mode, progress)
        url = task.file_url
        if not url:
            raise errors.InvalidResponseError("the export completed without a file URL")
        if not args.output:
            dest = dest.with_suffix(Path(url.split("?")[0]).suffix or suffix)
        progress.say("Downloading the exported file")
        client.download_file(url, dest, on_progress=progress.bytes)
    progress.done(f"Saved {dest}")
    return 0


def _run_export(client: IntegrationClient, camera: Camera, start: datetime, duration: int, mode: str, progress) -> ExportTask:
    """Create a video or audio export and poll it (api-rules §10) until it is finished."""
    if mode == "video":
        task: ExportTask = client.create_video_export(
            camera.id, VideoExportRequest(start_date=start, duration_seconds=duration, audio_enabled=camera.is_audio_granted)
        )
        poll = client.get_video_export
    else:
        task = client.create_audio_export(camera.id, AudioExportRequest(start_date=start, duration_seconds=duration))
        poll = client.get_audio_export
    progress.say(f"Export {task.export_id}: {task.status}")
    for delay in rules.export_poll_delays():
        if task.is_finished:
            break
        time.sleep(delay)
        task = poll(camera.id, task.export_id)
        progress.say(f"Export {task.export_id}: {task.status}")
    if not task.is_finished:
        raise errors.FaceterError(f"the export did not finish within {rules.EXPORT_GIVE_UP_AFTER / 60:.0f} minutes")
    if not task.is_completed:
        raise errors.ServerError(f"the export failed: {task.error_message or task.status}")
    return task


def run_demo_server_command(args: argparse.Namespace) -> int:
    from faceter_viewer.demo import run_demo_server

    return run_demo_server(
        port=args.port,
        cameras=args.cameras,
        seed=args.seed,
        token_ttl=args.token_ttl,
        faults=args.faults,
        export_delay=args.export_delay,
    )
