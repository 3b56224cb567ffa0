"""The sign-in dialog against real HTTP on 127.0.0.1 — the demo service (tests/helpers/
demo_fixtures.py) and, where a test must hold an answer back or play a web site that is not the
Faceter API, tests/helpers/key_validation_server.py — through the real IntegrationClient, with the keyring working (an in-memory backend) or failing
(keyring's own `fail.Keyring`, as on a headless machine)."""

from __future__ import annotations

import logging
import stat
import threading
import time

import pytest
from keyring.backends import fail
from keyring.errors import KeyringError
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit

from faceter_viewer.api import errors
from faceter_viewer.api.credentials import KEYRING_SERVICE, KeyLocation, KeyStore
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.ui.message_bar import MessageLevel
from faceter_viewer.ui.sign_in_dialog import Problem, SignInDialog, check_service_url, explain_failure
from tests.helpers.key_validation_server import KeyValidationServer, Mode, closed_port_url
from tests.helpers.memory_keyring import MemoryKeyring, keyring_backend

KEY = "signin-test-key-7b1e0c2d"
WRONG_KEY = "signin-wrong-key-3f9a8e11"


@pytest.fixture
def runner():
    runner = TaskRunner(max_workers=2)
    yield runner
    runner.shutdown()


@pytest.fixture
def memory_keyring():
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def no_keyring():
    with keyring_backend(fail.Keyring()) as backend:
        yield backend


@pytest.fixture
def server():
    with KeyValidationServer(valid_key=KEY) as server:
        yield server


@pytest.fixture
def make_dialog(qtbot, runner, tmp_path):
    def make(url: str) -> SignInDialog:
        dialog = SignInDialog(runner, KeyStore(fallback_file=tmp_path / "key"), url)
        qtbot.addWidget(dialog)
        dialog.outcomes = []
        dialog.signed_in.connect(lambda _url: dialog.outcomes.append("signed_in"))
        dialog.validation_failed.connect(dialog.outcomes.append)
        dialog.finished.connect(lambda code: dialog.outcomes.append(f"finished:{code}"))
        dialog.open()
        return dialog

    return make


def sign_in(qtbot, dialog: SignInDialog, key: str, *, timeout: int = 15000) -> None:
    """Type the key, click "Sign in", wait until the check has ended one way or another."""
    dialog.key_edit.setText(key)
    before = len(dialog.outcomes)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and (len(dialog.outcomes) > before or dialog._awaiting_storage_choice), timeout=timeout)


def shown_text(dialog: SignInDialog) -> str:
    """Every text the dialog shows (labels, message rows, unmasked fields)."""
    parts = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    parts += [e.text() for e in dialog.findChildren(QLineEdit) if e.echoMode() == QLineEdit.EchoMode.Normal]
    return "\n".join(parts)


def error_text(dialog: SignInDialog) -> str:
    return "\n".join(text for _level, text in dialog.message_bar.messages())


# --- the four cases of the issue --------------------------------------------------------------


def test_valid_key_signs_in_and_goes_to_the_keyring(qtbot, make_dialog, server, memory_keyring, caplog):
    caplog.set_level(logging.DEBUG)
    dialog = make_dialog(server.base_url)
    sign_in(qtbot, dialog, KEY)
    assert dialog.outcomes == ["signed_in", f"finished:{int(QDialog.DialogCode.Accepted)}"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (dialog.base_url, dialog.key, dialog.key_location) == (server.base_url, KEY, KeyLocation.KEYRING)
    assert memory_keyring.passwords == {(KEYRING_SERVICE, server.base_url): KEY}
    method, path, headers = server.requests[-1]
    assert (method, path) == ("POST", "/integration-api/v1/integration-key/validate")
    assert headers["X-Integration-Key"] == KEY
    assert all(KEY not in record.getMessage() for record in caplog.records)
    assert any("signed in" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("mode", [Mode.FACETER, Mode.UNAUTHORISED], ids=["isValid-false", "401"])
def test_wrong_key_is_explained_and_the_dialog_stays(qtbot, make_dialog, memory_keyring, mode):
    with KeyValidationServer(valid_key=KEY, mode=mode) as server:
        dialog = make_dialog(server.base_url)
        sign_in(qtbot, dialog, WRONG_KEY)
    assert dialog.outcomes == [Problem.WRONG_KEY]
    assert dialog.isVisible() and dialog.key is None
    assert "does not accept this integration key" in error_text(dialog)
    assert dialog.message_bar.messages()[0][0] == MessageLevel.ERROR
    assert dialog.key_edit.isEnabled() and dialog.url_edit.isEnabled() and dialog.sign_in_button.isEnabled()
    assert WRONG_KEY not in shown_text(dialog)
    assert memory_keyring.passwords == {}


def test_unreachable_url_says_check_the_connection(qtbot, make_dialog, memory_keyring):
    url = closed_port_url()
    dialog = make_dialog(url)
    sign_in(qtbot, dialog, KEY, timeout=20000)  # the client retries a refused connection twice
    assert dialog.outcomes == [Problem.UNREACHABLE]
    host = url.split("/")[2]
    assert f"Cannot reach {host}" in error_text(dialog)
    assert "connection" in error_text(dialog)
    assert KEY not in shown_text(dialog)


@pytest.mark.parametrize("mode", [Mode.WEBSITE, Mode.NOT_FOUND], ids=["html-200", "html-404"])
def test_a_server_that_is_not_the_faceter_api(qtbot, make_dialog, memory_keyring, mode):
    with KeyValidationServer(valid_key=KEY, mode=mode) as server:
        dialog = make_dialog(server.url + "/")
        sign_in(qtbot, dialog, KEY)
    assert server.requests, "the request was really sent"
    assert dialog.outcomes == [Problem.WRONG_URL]
    assert "does not look like the Faceter Integration API" in error_text(dialog)
    assert memory_keyring.passwords == {}


@pytest.mark.parametrize("url", ["cloud.faceter.cam/integration-api", "ftp://example.test/api", "http://", "http://127.0.0.1:99999999/x", "https://a b.test"])
def test_a_malformed_url_is_caught_before_sending(qtbot, make_dialog, server, url):
    dialog = make_dialog(url)
    dialog.key_edit.setText(KEY)
    dialog.sign_in_button.click()
    assert dialog.outcomes == [Problem.WRONG_URL]
    assert not dialog.busy
    assert error_text(dialog)
    assert server.requests == []


def test_keyring_unavailable_keeps_the_key_in_memory_and_says_so(qtbot, make_dialog, server, no_keyring, tmp_path):
    dialog = make_dialog(server.base_url)
    sign_in(qtbot, dialog, KEY)
    # Signed in, but the user is told before the dialog closes.
    assert dialog.isVisible()
    assert dialog.key_location == KeyLocation.MEMORY
    [(level, text)] = dialog.message_bar.messages()
    assert level == MessageLevel.WARNING
    assert "no keyring on this system" in text and "until the app quits" in text
    assert dialog.store_in_file_check.isVisible() and not dialog.store_in_file_check.isChecked()
    assert dialog.sign_in_button.text() == "Continue"
    assert dialog.cancel_button.isHidden() and not dialog.demo_button.isEnabled()
    dialog.sign_in_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key == KEY and dialog.key_location == KeyLocation.MEMORY
    assert not (tmp_path / "key").exists()  # no file without the explicit opt-in


def test_keyring_unavailable_escape_continues_without_a_file(qtbot, make_dialog, server, no_keyring, tmp_path):
    dialog = make_dialog(server.base_url)
    sign_in(qtbot, dialog, KEY)
    dialog.reject()  # Escape or the window's close button
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key_location == KeyLocation.MEMORY
    assert not (tmp_path / "key").exists()


def test_keyring_unavailable_opt_in_stores_a_private_file(qtbot, make_dialog, server, no_keyring, tmp_path):
    dialog = make_dialog(server.base_url)
    sign_in(qtbot, dialog, KEY)
    dialog.store_in_file_check.setChecked(True)
    dialog.sign_in_button.click()  # the file is written on a worker
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    assert dialog.key_location == KeyLocation.FILE
    key_file = tmp_path / "key"
    assert key_file.read_text().strip() == KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


# --- storing the key off the GUI thread ---------------------------------------------------------

SLOW_KEYRING_S = 1.0  # a D-Bus secret service that takes its time (or times out)


class SlowKeyring(MemoryKeyring):
    """Takes a second to answer a save, on whatever thread asks; `fail` makes it refuse then."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.threads: list[str] = []

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.append(threading.current_thread().name)
        time.sleep(SLOW_KEYRING_S)
        if self.fail:
            raise KeyringError("the secret service did not answer")
        super().set_password(service, username, password)


class Heartbeat:
    """A 10 ms timer on the GUI thread; its worst lateness is how long the GUI thread was busy."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._last = time.monotonic()
        self.worst_ms = 0.0
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()

    def _on_timeout(self) -> None:
        now = time.monotonic()
        self.worst_ms = max(self.worst_ms, (now - self._last) * 1000 - 10)
        self._last = now

    def stop(self) -> None:
        self._timer.stop()


def test_a_slow_keyring_does_not_freeze_the_dialog(qtbot, make_dialog, server):
    with keyring_backend(SlowKeyring()) as backend:
        dialog = make_dialog(server.base_url)
        dialog.key_edit.setText(KEY)
        heartbeat = Heartbeat()
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: "Saving the key" in dialog.busy_label.text(), timeout=5000)
        assert dialog.busy and dialog.busy_bar.isVisible() and not dialog.sign_in_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
        heartbeat.stop()
        assert backend.passwords == {(KEYRING_SERVICE, server.base_url): KEY}
        assert dialog.key_location == KeyLocation.KEYRING
        assert backend.threads and threading.main_thread().name not in backend.threads
        assert heartbeat.worst_ms < SLOW_KEYRING_S * 1000 / 4, f"the GUI thread stalled {heartbeat.worst_ms:.0f} ms"


def test_a_keyring_that_times_out_then_the_key_file_neither_freeze(qtbot, make_dialog, server, tmp_path):
    with keyring_backend(SlowKeyring(fail=True)) as backend:
        dialog = make_dialog(server.base_url)
        heartbeat = Heartbeat()
        sign_in(qtbot, dialog, KEY)
        assert dialog.key_location == KeyLocation.MEMORY and "no keyring on this system" in error_text(dialog)
        dialog.store_in_file_check.setChecked(True)
        dialog.sign_in_button.click()  # the keyring is tried again (a second), then the file
        assert dialog.busy and "Writing the key file" in dialog.busy_label.text()
        assert not dialog.sign_in_button.isEnabled() and not dialog.store_in_file_check.isEnabled()
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
        heartbeat.stop()
        assert dialog.key_location == KeyLocation.FILE
        assert (tmp_path / "key").read_text().strip() == KEY
        assert len(backend.threads) == 2 and threading.main_thread().name not in backend.threads
        assert heartbeat.worst_ms < SLOW_KEYRING_S * 1000 / 4, f"the GUI thread stalled {heartbeat.worst_ms:.0f} ms"


def test_a_key_file_that_cannot_be_written_is_explained(qtbot, runner, server, no_keyring, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    dialog = SignInDialog(runner, KeyStore(fallback_file=blocker / "key"), server.base_url)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.outcomes = []
    dialog.validation_failed.connect(dialog.outcomes.append)
    sign_in(qtbot, dialog, KEY)
    dialog.store_in_file_check.setChecked(True)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "Could not write the key file" in error_text(dialog) and str(blocker / "key") in error_text(dialog)
    assert dialog.sign_in_button.text() == "Continue" and dialog.sign_in_button.isEnabled()
    dialog.store_in_file_check.setChecked(False)
    dialog.sign_in_button.click()  # on without the file: the key works until the app quits
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.key_location == KeyLocation.MEMORY


# --- the same against the demo service ---------------------------------------------------------


def test_demo_service_valid_key(qtbot, make_dialog, demo_service, memory_keyring):
    dialog = make_dialog(demo_service.base_url)
    sign_in(qtbot, dialog, demo_service.integration_key)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key_location == KeyLocation.KEYRING
    assert memory_keyring.passwords == {(KEYRING_SERVICE, demo_service.base_url): demo_service.integration_key}


def test_demo_service_wrong_key(qtbot, make_dialog, demo_service, memory_keyring):
    dialog = make_dialog(demo_service.base_url)
    sign_in(qtbot, dialog, WRONG_KEY)
    assert dialog.outcomes == [Problem.WRONG_KEY]
    assert memory_keyring.passwords == {}


def test_demo_service_archive_address_is_not_the_integration_api(qtbot, make_dialog, demo_service, memory_keyring):
    dialog = make_dialog(demo_service.archive_base_url)
    sign_in(qtbot, dialog, demo_service.integration_key)
    assert dialog.outcomes == [Problem.WRONG_URL]
    assert "does not look like the Faceter Integration API" in error_text(dialog)


def test_demo_service_without_keyring(qtbot, make_dialog, demo_service, no_keyring):
    dialog = make_dialog(demo_service.base_url)
    sign_in(qtbot, dialog, demo_service.integration_key)
    assert dialog.key_location == KeyLocation.MEMORY
    assert "no keyring on this system" in error_text(dialog)
    dialog.sign_in_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


# --- not freezing, cancel, demo ---------------------------------------------------------------


def test_checking_does_not_freeze_and_cancel_still_works(qtbot, make_dialog, server, memory_keyring, runner):
    server.hold.set()  # the server keeps the answer until told
    dialog = make_dialog(server.base_url)
    dialog.key_edit.setText(KEY)
    dialog.sign_in_button.click()
    qtbot.waitUntil(server.received.is_set, timeout=5000)  # the event loop runs meanwhile
    assert dialog.busy
    assert dialog.busy_bar.isVisible() and "Checking the key" in dialog.busy_label.text()
    assert not dialog.key_edit.isEnabled() and not dialog.url_edit.isEnabled()
    assert not dialog.sign_in_button.isEnabled()
    assert dialog.cancel_button.isEnabled()
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    server.release.set()
    qtbot.waitUntil(server.answered.is_set, timeout=5000)
    runner.shutdown(wait=True)  # the worker has finished; its answer must not be delivered
    QCoreApplication.processEvents()
    assert "signed_in" not in dialog.outcomes
    assert dialog.key is None and memory_keyring.passwords == {}


def test_try_the_demo(qtbot, make_dialog, server):
    dialog = make_dialog(server.base_url)
    with qtbot.waitSignal(dialog.demo_requested, timeout=1000):
        dialog.demo_button.click()
    assert dialog.result() == SignInDialog.DEMO_RESULT
    assert dialog.outcomes == [f"finished:{SignInDialog.DEMO_RESULT}"]
    assert server.requests == []


def test_key_is_masked_until_shown(qtbot, make_dialog, server):
    dialog = make_dialog(server.base_url)
    dialog.key_edit.setText(KEY)
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.key_edit.displayText() != KEY
    dialog.show_key_button.click()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal and dialog.show_key_button.text() == "Hide"
    dialog.show_key_button.click()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password


def test_sign_in_needs_both_fields(qtbot, make_dialog, server):
    dialog = make_dialog(server.base_url)
    assert not dialog.sign_in_button.isEnabled()
    dialog.key_edit.setText("  ")
    assert not dialog.sign_in_button.isEnabled()
    dialog.key_edit.setText(KEY)
    assert dialog.sign_in_button.isEnabled()
    dialog.url_edit.clear()
    assert not dialog.sign_in_button.isEnabled()


# --- the explanations, table-tested -----------------------------------------------------------

URL = "https://cloud.faceter.test/integration-api"


@pytest.mark.parametrize(
    ("exc", "problem"),
    [
        (None, Problem.WRONG_KEY),
        (errors.AuthenticationError(status=401), Problem.WRONG_KEY),
        (errors.NetworkError("GET /v1: cannot connect"), Problem.UNREACHABLE),
        (errors.TimeoutError(), Problem.UNREACHABLE),
        (errors.NotFoundError(status=404), Problem.WRONG_URL),
        (errors.InvalidResponseError(), Problem.WRONG_URL),
        (errors.BadRequestError(status=400), Problem.WRONG_URL),
        (errors.ServerError(status=405), Problem.WRONG_URL),
        (errors.ServerError(status=501), Problem.WRONG_URL),
        (errors.ServerError(status=503), Problem.SERVICE_ERROR),
        (errors.RateLimitedError(status=429), Problem.SERVICE_ERROR),
        (errors.PermissionDeniedError(status=403), Problem.REFUSED),
        (ValueError("bug"), Problem.SERVICE_ERROR),
    ],
)
def test_explain_failure(exc, problem):
    explanation = explain_failure(exc, URL)
    assert explanation.problem == problem
    assert explanation.text


def test_check_service_url():
    assert check_service_url(" https://cloud.faceter.cam/integration-api/ ") == "https://cloud.faceter.cam/integration-api"
    assert check_service_url("http://127.0.0.1:8080/integration-api") == "http://127.0.0.1:8080/integration-api"
    for bad in ["", "cloud.faceter.cam", "file:///etc/passwd", "https://x.test/a?b=1", "https://:80/"]:
        with pytest.raises(ValueError):
            check_service_url(bad)
