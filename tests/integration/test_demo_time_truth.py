"""Time truth: what the demo service serves for time T shows T. Each check decodes the timecode
burnt into the picture (decode_timecode) out of what a player would really get: a preview JPEG,
a frame of an archive clip, a frame of an index.m3u8 segment, a frame after seeking in the
playlist, and a live segment."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from faceter_viewer.demo.media import decode_epoch_ms
from tests.helpers.demo_fixtures import decode_video_frame, recent_archive_time, recorded_time

FRAME_MS = 40  # 25 fps


def _close(decoded_ms: int, expected_ms: int) -> bool:
    return abs(decoded_ms - expected_ms) <= FRAME_MS


def test_preview_jpeg_shows_the_frame_of_the_requested_time(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    for t in (recent_archive_time(demo_service) + 3.37, recorded_time(demo_service, 0, 4000) + 0.04):
        decoded = decode_epoch_ms(archive.preview_jpeg(t))
        expected = int(round(t * 1000)) // FRAME_MS * FRAME_MS  # T floored to its frame
        assert _close(decoded, expected), (decoded, expected)


def test_first_frame_of_a_clip_is_its_start(demo_service, demo_client, tmp_path):
    start = recent_archive_time(demo_service) + 2
    clip = demo_client.download_clip(
        demo_service.cameras[0].id, datetime.fromtimestamp(start, UTC), 4, tmp_path / "clip.mp4"
    )
    assert _close(decode_epoch_ms(decode_video_frame(clip)), start * 1000)
    assert _close(decode_epoch_ms(decode_video_frame(clip, seek=2.5)), start * 1000 + 2500)


def test_segment_out_of_the_playlist_starts_at_its_time(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[1].id)
    archive = demo_client.archive(camera)
    start = recent_archive_time(demo_service)
    playlist_url = archive.playlist_url(start, 10)
    text = httpx.get(playlist_url).text
    uris = [line for line in text.splitlines() if line.startswith("segments/")]
    third = str(httpx.URL(playlist_url).join(uris[2]))
    assert _close(decode_epoch_ms(decode_video_frame(third)), (start + 4) * 1000)


def test_seeking_in_the_playlist_lands_on_the_wall_clock_time(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    start = recent_archive_time(demo_service)
    frame = decode_video_frame(archive.playlist_url(start, 10), seek=5.0)
    assert _close(decode_epoch_ms(frame), (start + 5) * 1000)


def test_live_playlist_slides_and_its_segments_show_their_time(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    first = httpx.get(camera.live_hls_url)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    lines = first.text.splitlines()
    assert "#EXT-X-ENDLIST" not in lines
    uris = [line for line in lines if line.startswith("http")]
    assert len(uris) == 5
    sequence = int(next(line for line in lines if line.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1])
    newest_start = int(uris[-1].split("/segments/")[1].split(".ts")[0])
    assert sequence == (newest_start - 8) // 2
    assert time.time() - 6 <= newest_start <= time.time() - 2, "the window ends at now"
    assert _close(decode_epoch_ms(decode_video_frame(uris[-1])), newest_start * 1000)

    deadline = time.monotonic() + 6
    while True:  # the window advances with the clock (one segment every 2 s)
        again = httpx.get(camera.live_hls_url).text
        if f"#EXT-X-MEDIA-SEQUENCE:{sequence}\n" not in again:
            break
        assert time.monotonic() < deadline, "the live window did not move"
        time.sleep(0.1)
    assert camera.id in demo_service.state.live.watched()


def test_offline_camera_has_no_live_stream(demo_service, demo_client):
    offline = next(c for c in demo_client.list_cameras() if not c.is_online)
    answer = httpx.get(offline.live_hls_url)
    assert answer.status_code == 404 and answer.json()["status"] == 404
