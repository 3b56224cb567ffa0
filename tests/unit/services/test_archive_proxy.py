"""The archive proxy (services/archive_proxy.py) against the real demo service over HTTP: what a
player fetching from 127.0.0.1 gets, and what reaches the service (its request counts and the
fired counts of demo faults). No libvlc here: httpx plays the player.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.services.archive_proxy import ArchiveProxy
from tests.helpers.demo_fixtures import FAST_RETRY, recent_archive_time

CAMERA_REFRESH = "/v1/cameras/*"


@pytest.fixture
def proxy() -> Iterator[ArchiveProxy]:
    proxy = ArchiveProxy()
    yield proxy
    proxy.close()


def archive_of(client: IntegrationClient, service, index: int = 0):
    wanted = service.cameras[index].id
    return client.archive(next(c for c in client.list_cameras() if c.id == wanted))


def segment_paths(service) -> dict[str, int]:
    return {p: n for p, n in service.state.request_counts.items() if "/segments/" in p}


def test_the_player_gets_a_local_playlist_and_segments_fetched_once(proxy, fast_retry_client, demo_service):
    archive = archive_of(fast_retry_client, demo_service)
    t = recent_archive_time(demo_service, 1190)  # +10 s of window: inside the gap-free 20 minutes
    stream = proxy.open_stream(archive, t, 10.0)
    assert stream.url.startswith("http://127.0.0.1:")
    text = httpx.get(stream.url, timeout=10).text
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert uris == [f"{i}.ts" for i in range(len(stream.segments))] and len(uris) == 5
    assert "signature" not in text  # the player never holds a signature
    assert [s.start for s in stream.segments] == [t + 2 * i for i in range(5)]
    before = segment_paths(demo_service)
    for uri in uris + uris[:2]:  # a resume asks for the first two again: the cache answers
        answer = httpx.get(stream.url.replace("index.m3u8", uri), timeout=10)
        assert answer.status_code == 200 and answer.content[:1] == b"\x47"  # an MPEG-TS sync byte
    fetched = {p: n - before.get(p, 0) for p, n in segment_paths(demo_service).items()}
    assert sorted(n for n in fetched.values() if n) == [1] * 5
    assert stream.served_last and stream.unavailable == []
    assert httpx.get(stream.url.replace(stream.key, "guess"), timeout=10).status_code == 404
    stream.close()
    assert httpx.get(stream.url, timeout=10).status_code == 404


def test_a_failing_segment_is_retried(proxy, fast_retry_client, demo_service, demo_faults):
    archive = archive_of(fast_retry_client, demo_service)
    t = recent_archive_time(demo_service, 1180)
    stream = proxy.open_stream(archive, t, 4.0)
    demo_faults.add("error_rate", f"/segments/{int(t)}.ts", probability=1.0, status=503, count=2)
    demo_faults.add_spec(f"drop=/segments/{int(t) + 2}.ts:1")
    for uri in ("0.ts", "1.ts"):
        assert httpx.get(stream.url.replace("index.m3u8", uri), timeout=10).status_code == 200
    assert demo_faults.fired["error_rate"] == 2 and demo_faults.fired["drop"] == 1
    assert stream.unavailable == []


def test_segments_are_signed_with_the_current_token(proxy, make_demo_service, demo_faults):
    service = make_demo_service(token_ttl=4)
    with IntegrationClient(service.integration_key, service.base_url, retry=FAST_RETRY) as client:
        archive = archive_of(client, service)
        stream = proxy.open_stream(archive, recent_archive_time(service, 1160), 4.0)
        first_exp = archive.token_expires_at
        time.sleep(max(0.0, first_exp - time.time() + 0.5))  # the playlist's signature is dead
        refreshes_before = service.state.request_counts[f"/integration-api/v1/cameras/{archive.camera.id}"]
        for uri in ("0.ts", "1.ts"):
            assert httpx.get(stream.url.replace("index.m3u8", uri), timeout=10).status_code == 200
        refreshes = service.state.request_counts[f"/integration-api/v1/cameras/{archive.camera.id}"]
        assert refreshes - refreshes_before == 1  # one refresh, shared by both requests
        assert archive.token_expires_at > first_exp


def test_a_refused_segment_refreshes_the_token_once(proxy, fast_retry_client, demo_service, demo_faults):
    archive = archive_of(fast_retry_client, demo_service)
    t = recent_archive_time(demo_service, 1140)
    stream = proxy.open_stream(archive, t, 2.0)
    demo_faults.add("latency", CAMERA_REFRESH, delay=0.0)  # counts the refreshes
    demo_faults.add("error_rate", f"/segments/{int(t)}.ts", probability=1.0, status=401, count=1)
    assert httpx.get(stream.url.replace("index.m3u8", "0.ts"), timeout=10).status_code == 200
    assert demo_faults.fired["error_rate"] == 1 and demo_faults.fired["latency"] == 1


def test_a_segment_that_cannot_be_fetched_is_reported_and_held(proxy, fast_retry_client, demo_service, demo_faults):
    archive = archive_of(fast_retry_client, demo_service)
    t = recent_archive_time(demo_service, 1120)
    reported: list[tuple[float, float]] = []
    stream = proxy.open_stream(archive, t, 6.0, lambda _s, a, b, _exc: reported.append((a, b)))
    demo_faults.add_spec(f"error_rate=/segments/{int(t) + 2}.ts:1.0")
    answers: list[int] = []
    player = threading.Thread(
        target=lambda: answers.append(httpx.get(stream.url.replace("index.m3u8", "1.ts"), timeout=20).status_code)
    )
    player.start()
    deadline = time.monotonic() + 10
    while not reported and time.monotonic() < deadline:
        time.sleep(0.02)
    assert reported == [(t + 2, t + 4)] and stream.unavailable == [(t + 2, t + 4)]
    assert demo_faults.fired["error_rate"] == 3  # the first try and two retries (§13)
    time.sleep(0.3)
    assert answers == []  # held: a player told "error" would skip to the next segment
    stream.close()
    player.join(10)
    assert answers == [503]


def test_a_player_that_goes_away_mid_request_leaves_the_proxy_serving(proxy, fast_retry_client, demo_service):
    archive = archive_of(fast_retry_client, demo_service)
    stream = proxy.open_stream(archive, recent_archive_time(demo_service, 1100), 4.0)
    port = int(stream.url.split(":")[2].split("/")[0])
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(f"GET /{stream.key}/0.ts HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert httpx.get(stream.url.replace("index.m3u8", "1.ts"), timeout=10).status_code == 200


def test_close_ends_idle_keep_alive_connections(fast_retry_client, demo_service):
    proxy = ArchiveProxy()
    stream = proxy.open_stream(archive_of(fast_retry_client, demo_service), recent_archive_time(demo_service, 1100), 2.0)
    with httpx.Client() as player:  # keeps its connection open, as libvlc does
        assert player.get(stream.url, timeout=10).status_code == 200
        started = time.monotonic()
        proxy.close()
        assert time.monotonic() - started < 2.0
