"""Starting and stopping the demo service, the foreground runner, and first-run warm-up."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from faceter_viewer.api import IntegrationClient
from faceter_viewer.demo.service import DEFAULT_INTEGRATION_KEY, DemoService, run_demo_server

_SERVICE_THREADS = ("demo-server", "demo-live", "demo-export")


def _service_threads() -> set[threading.Thread]:
    """Threads a DemoService starts (its shared MediaStore's workers are not its own)."""
    return {t for t in threading.enumerate() if t.name.startswith(_SERVICE_THREADS) or "AnyIO" in t.name}


def test_stop_serving_then_start_serves_the_same_state_on_the_same_port(make_demo_service):
    service = make_demo_service()
    with IntegrationClient(service.integration_key, service.base_url) as client:
        before = [c.id for c in client.list_cameras()]
    port, key = service.port, service.integration_key
    service.stop_serving()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{service.base_url}/cameras", timeout=5)
    service.start()
    assert service.port == port
    with IntegrationClient(key, service.base_url) as client:
        assert [c.id for c in client.list_cameras()] == before


def test_stop_leaves_no_threads_and_frees_the_port(demo_media_store):
    before = _service_threads()
    service = DemoService(media=demo_media_store).start()
    with IntegrationClient(service.integration_key, service.base_url) as client:
        camera = client.list_cameras()[0]
        httpx.get(camera.live_hls_url)  # starts the live feeder thread
        assert "demo-live" in {t.name for t in _service_threads() - before}
        port = service.port
        service.stop()
    assert _service_threads() <= before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/integration-api/v1/cameras")
    service.stop()  # idempotent


def test_context_manager_and_listening_on_loopback_only(demo_media_store):
    before = _service_threads()
    with DemoService(media=demo_media_store) as service:
        assert service.base_url == f"http://127.0.0.1:{service.port}/integration-api"
        assert service.integration_key == DEFAULT_INTEGRATION_KEY
        assert httpx.post(
            service.base_url + "/v1/integration-key/validate", headers={"X-Integration-Key": DEFAULT_INTEGRATION_KEY}
        ).json() == {"isValid": True}
    assert _service_threads() <= before


def test_same_seed_same_dataset_other_seed_other(demo_media_store):
    a, b, c = (DemoService(media=demo_media_store, seed=s) for s in (3, 3, 4))
    try:
        assert [x.id for x in a.cameras] == [x.id for x in b.cameras]
        assert [x.id for x in a.cameras] != [x.id for x in c.cameras]
        layout_a = a.state.layout(a.cameras[0]).fixed
        assert layout_a == b.state.layout(b.cameras[0]).fixed
        events_a, _ = a.state.events.generated(a.cameras[0])
        events_b, _ = b.state.events.generated(b.cameras[0])
        assert events_a == events_b
    finally:
        for service in (a, b, c):
            service.stop()


def test_run_demo_server_prints_its_address_and_key_and_stops(demo_service, tmp_path):
    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    runner = threading.Thread(
        target=lambda: result.append(
            run_demo_server(
                cameras=3, cache_dir=tmp_path, out=out, stop_event=stop, warm_up=False, export_failure_rate=0.25
            )
        )
    )
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while "Serving." not in out.getvalue():
            assert runner.is_alive() and time.monotonic() < deadline, out.getvalue()
            time.sleep(0.02)
        text = out.getvalue()
        base_url = re.search(r"FACETER_BASE_URL=(\S+)", text).group(1)
        key = re.search(r"FACETER_INTEGRATION_KEY=(\S+)", text).group(1)
        assert "Export failures: 25 % of exports fail on purpose" in text
        with IntegrationClient(key, base_url) as client:
            assert client.validate_key() and len(client.list_cameras()) == 3
    finally:
        stop.set()
        runner.join(timeout=20)
    assert result == [0]


def test_run_demo_server_rejects_a_bad_fault_spec_and_a_busy_port(demo_service, capsys, tmp_path):
    assert run_demo_server(faults="latency=/v1/cameras", cache_dir=tmp_path, warm_up=False) == 2
    assert "needs a delay" in capsys.readouterr().err
    assert run_demo_server(port=demo_service.port, cache_dir=tmp_path, warm_up=False) == 2
    assert "cannot listen" in capsys.readouterr().err
    assert run_demo_server(export_failure_rate=1.5, cache_dir=tmp_path, warm_up=False) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_warm_up_reports_progress_and_is_cached_afterwards(demo_service):
    fractions: list[float] = []
    demo_service.warm_up(fractions.append)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert not demo_service.needs_warm_up()
    began = time.perf_counter()
    demo_service.warm_up()
    assert time.perf_counter() - began < 1.0, "a warm cache makes it quick"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_demo_server_command_stops_cleanly_on_a_signal(tmp_path, stop_signal):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}  # platformdirs: a cold, private cache
    process = subprocess.Popen(
        [sys.executable, "-m", "faceter_viewer", "demo-server", "--cameras", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Serving."):
                break
        text = "".join(lines)
        assert "Generating the first demo video: 100%" in text, text
        base_url = re.search(r"FACETER_BASE_URL=(\S+)", text).group(1)
        with IntegrationClient(DEFAULT_INTEGRATION_KEY, base_url) as client:
            assert len(client.list_cameras()) == 2
        process.send_signal(stop_signal)
        assert process.wait(timeout=20) == 0
        assert list((tmp_path / "faceter-viewer" / "demo-media").rglob("*.ts")), "media went to the cache"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
