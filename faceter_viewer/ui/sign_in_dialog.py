"""Sign in: the integration key and the service URL, checked against the service without
freezing the window (api-rules §2, §21).

A wrong key, a service that cannot be reached and an address that is not the Faceter Integration
API are three different problems with three different fixes, so each gets its own explanation
(`explain_failure`). The key is never logged or shown: the field echoes dots unless the user asks
to see it, and messages never quote it. Storing the key (the keyring talks D-Bus, which can take
seconds; the opt-in file is disk I/O) runs on a worker too, with the dialog saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.api import errors
from faceter_viewer.api.credentials import KeyLocation, KeyStore
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.redaction import register_secret
from faceter_viewer.services.explain import explain
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.ui.message_bar import MessageBar, MessageLevel

log = logging.getLogger("faceter_viewer.ui.sign_in")

TASK_KEY = "sign-in.validate"
SAVE_TASK_KEY = "sign-in.save-key"
URL_EXAMPLE = "https://cloud.faceter.cam/integration-api"

ClientFactory = Callable[[str, str], IntegrationClient]


class Problem(StrEnum):
    WRONG_KEY = "wrong_key"
    UNREACHABLE = "unreachable"
    WRONG_URL = "wrong_url"
    SERVICE_ERROR = "service_error"
    REFUSED = "refused"


@dataclass(frozen=True)
class Explanation:
    problem: Problem
    text: str


def check_service_url(text: str) -> str:
    """The service URL, normalised (no trailing slash); ValueError with a readable reason when it
    cannot be a web address. Checked before anything is sent."""
    url = text.strip()
    if not url:
        raise ValueError(f"Enter the service URL, for example {URL_EXAMPLE}")
    if any(ch.isspace() for ch in url):
        raise ValueError("The service URL cannot contain spaces.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"“{url}” is not a web address: it should start with https://, for example {URL_EXAMPLE}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"“{url}” has an invalid port number.") from None
    if not parts.hostname:
        raise ValueError(f"“{url}” has no host name.")
    if parts.query or parts.fragment:
        raise ValueError("The service URL should not contain “?” or “#”: use the API's base address.")
    return url.rstrip("/")


def explain_failure(exc: BaseException | None, url: str) -> Explanation:
    """What went wrong, for the user. `exc` None means the service answered "not valid"."""
    host = urlsplit(url).netloc or url
    if exc is None or isinstance(exc, errors.AuthenticationError):
        return Explanation(
            Problem.WRONG_KEY,
            "The service does not accept this integration key. Check that it was copied completely "
            "and has not been revoked.",
        )
    if isinstance(exc, errors.TimeoutError):
        return Explanation(
            Problem.UNREACHABLE,
            f"{host} did not answer in time. Check the internet connection (and any proxy) and "
            "try again.",
        )
    if isinstance(exc, errors.NetworkError):
        return Explanation(
            Problem.UNREACHABLE,
            f"Cannot reach {host}. Check the connection and the address, then try again.",
        )
    if isinstance(exc, errors.RateLimitedError):
        return Explanation(Problem.SERVICE_ERROR, "Too many sign-in attempts. Wait a minute and try again.")
    if isinstance(exc, errors.ServerError) and exc.status is not None and exc.status >= 500 and exc.status not in (501, 505):
        return Explanation(
            Problem.SERVICE_ERROR,
            f"The service at {host} had an internal error (HTTP {exc.status}). Try again later.",
        )
    if isinstance(exc, errors.PermissionDeniedError):
        return Explanation(
            Problem.REFUSED, f"{host} refused the request (HTTP 403). Check the address and the key."
        )
    if isinstance(exc, (errors.NotFoundError, errors.InvalidResponseError, errors.BadRequestError, errors.ServerError)):
        return Explanation(
            Problem.WRONG_URL,
            f"The address {url} does not look like the Faceter Integration API. "
            f"Check the service URL (for example {URL_EXAMPLE}).",
        )
    if isinstance(exc, errors.FaceterError):
        return Explanation(Problem.SERVICE_ERROR, explain(exc, "sign in").text)  # no status or path
    # A bug, not a service problem: say so plainly; the details are in the log.
    return Explanation(Problem.SERVICE_ERROR, f"Signing in failed unexpectedly ({type(exc).__name__}).")


def _validate(client_factory: ClientFactory, key: str, url: str) -> bool:
    """On a worker thread."""
    with client_factory(key, url) as client:
        return client.validate_key()


class SignInDialog(QDialog):
    """`exec()`/`open()` it. Accepted: `.base_url`, `.key`, `.key_location` are set. "Try the demo"
    emits `demo_requested` and finishes with `DEMO_RESULT`."""

    DEMO_RESULT = 2
    demo_requested = Signal()
    signed_in = Signal(str)  # base_url (never the key)
    validation_failed = Signal(str)  # Problem

    def __init__(
        self,
        runner: TaskRunner,
        key_store: KeyStore,
        default_base_url: str,
        parent: QWidget | None = None,
        *,
        client_factory: ClientFactory = IntegrationClient,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._key_store = key_store
        self._client_factory = client_factory
        self.base_url: str | None = None
        self.key: str | None = None
        self.key_location: KeyLocation | None = None
        self._busy = False
        self._awaiting_storage_choice = False
        self.setWindowTitle("Sign in to Faceter")
        self.setModal(True)
        self._build(default_base_url)
        self._update_buttons()
        runner_ref = runner

        def cancel_tasks(*_args) -> None:  # not a method: the dialog is half gone by then
            runner_ref.cancel(TASK_KEY)
            runner_ref.cancel(SAVE_TASK_KEY)

        # A dialog destroyed mid-check (or mid-save) must not receive the answer.
        self.destroyed.connect(cancel_tasks)

    # --- layout -------------------------------------------------------------------------------

    def _build(self, default_base_url: str) -> None:
        intro = QLabel(
            "<b>Sign in to your Faceter cameras</b><br>"
            "Enter the integration key of your Faceter account and the address of the "
            "Faceter Integration API. The key is kept in the system keyring.",
            self,
        )
        intro.setWordWrap(True)

        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Integration key")
        self.key_edit.setAccessibleName("Integration key")
        # The key must not linger in the system's input-method history or be dragged out.
        self.key_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.key_edit.setDragEnabled(False)
        self.show_key_button = QToolButton(self)
        self.show_key_button.setText("Show")
        self.show_key_button.setCheckable(True)
        self.show_key_button.setToolTip("Show or hide the key")
        self.show_key_button.toggled.connect(self._on_show_key_toggled)
        key_row = QHBoxLayout()
        key_row.setContentsMargins(0, 0, 0, 0)
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key_button)

        self.url_edit = QLineEdit(default_base_url, self)
        self.url_edit.setAccessibleName("Service URL")
        self.url_edit.setPlaceholderText(URL_EXAMPLE)

        key_label = QLabel("&Integration key:", self)
        key_label.setBuddy(self.key_edit)
        url_label = QLabel("Service &URL:", self)
        url_label.setBuddy(self.url_edit)
        form = QFormLayout()
        form.addRow(key_label, key_row)
        form.addRow(url_label, self.url_edit)

        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)  # indeterminate
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(6)
        self.busy_label = QLabel(self)
        self.busy_label.setWordWrap(True)
        busy_box = QVBoxLayout()
        busy_box.addWidget(self.busy_label)
        busy_box.addWidget(self.busy_bar)
        self.busy_bar.hide()
        self.busy_label.hide()

        self.message_bar = MessageBar(self, info_timeout_ms=0)

        self.store_in_file_check = QCheckBox("Store the key in a file only I can read", self)
        if self._key_store.fallback_file is not None:
            self.store_in_file_check.setToolTip(str(self._key_store.fallback_file))
        self.store_in_file_check.hide()

        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = QPushButton("Sign in", self)
        self.sign_in_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.demo_button = QPushButton("Try the demo", self)
        self.demo_button.setToolTip("Explore the app with built-in demo cameras; no account needed")
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.sign_in_button.clicked.connect(self._on_sign_in_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.demo_button.clicked.connect(self._on_demo_clicked)
        self.key_edit.textChanged.connect(self._update_buttons)
        self.url_edit.textChanged.connect(self._update_buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addLayout(busy_box)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.store_in_file_check)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.key_edit.setFocus()

    # --- state --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool, text: str = "") -> None:
        """While a worker checks or stores the key: say what it does, and lock the fields."""
        self._busy = busy
        for widget in (self.key_edit, self.url_edit, self.show_key_button):
            widget.setEnabled(not busy and not self._awaiting_storage_choice)
        self.store_in_file_check.setEnabled(not busy)
        self.busy_label.setText(text if busy else "")
        self.busy_label.setVisible(busy)
        self.busy_bar.setVisible(busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        if self._awaiting_storage_choice:
            self.sign_in_button.setText("Continue")
            self.sign_in_button.setEnabled(not self._busy)
            return
        self.sign_in_button.setText("Sign in")
        ready = bool(self.key_edit.text().strip()) and bool(self.url_edit.text().strip())
        self.sign_in_button.setEnabled(ready and not self._busy)

    def show_problem(self, text: str, level: MessageLevel = MessageLevel.ERROR) -> None:
        self.message_bar.clear()
        self.message_bar.show_message(text, level)

    # --- actions ------------------------------------------------------------------------------

    def _on_show_key_toggled(self, shown: bool) -> None:
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_key_button.setText("Hide" if shown else "Show")

    def _on_sign_in_clicked(self) -> None:
        if self._awaiting_storage_choice:
            self._finish_storage_choice()
            return
        if self._busy:
            return
        key = self.key_edit.text().strip()
        if not key:
            self.show_problem("Enter the integration key.")
            self.key_edit.setFocus()
            return
        try:
            url = check_service_url(self.url_edit.text())
        except ValueError as exc:
            self.show_problem(str(exc))
            self.validation_failed.emit(str(Problem.WRONG_URL))
            self.url_edit.setFocus()
            return
        register_secret(key)  # from here on, any text that quotes it is masked
        self.message_bar.clear()
        self._set_busy(True, f"Checking the key with {urlsplit(url).netloc}…")
        log.info("validating the integration key with %s", url)
        self._runner.submit(
            _validate,
            self._client_factory,
            key,
            url,
            on_done=lambda valid: self._on_validated(valid, key, url),
            on_error=lambda exc: self._on_validation_error(exc, url),
            key=TASK_KEY,
        )

    def _on_validated(self, valid: bool, key: str, url: str) -> None:
        self._set_busy(False)
        if not valid:
            self._fail(explain_failure(None, url))
            self.key_edit.setFocus()
            self.key_edit.selectAll()
            return
        self.base_url, self.key = url, key
        self._set_busy(True, "Signed in. Saving the key in the system keyring…")
        self._runner.submit(
            self._key_store.save,
            url,
            key,
            on_done=self._on_key_saved,
            on_error=self._on_key_save_failed,
            key=SAVE_TASK_KEY,
        )

    def _on_key_saved(self, location: KeyLocation) -> None:
        self._set_busy(False)
        self.key_location = location
        log.info("signed in to %s; key kept in %s", self.base_url, location)
        if location == KeyLocation.MEMORY:
            self._offer_file_storage()
            return
        self._succeed()

    def _on_key_save_failed(self, exc: BaseException) -> None:
        # A keyring that half-works; the key still works this session.
        self._set_busy(False)
        log.warning("could not store the key: %s", type(exc).__name__)
        self.key_location = KeyLocation.MEMORY
        self._offer_file_storage(f"Signed in, but the system keyring could not store the key ({type(exc).__name__}).")

    def _on_validation_error(self, exc: BaseException, url: str) -> None:
        self._set_busy(False)
        explanation = explain_failure(exc, url)
        log.info("sign-in to %s failed: %s (%s)", url, explanation.problem, exc)
        self._fail(explanation)
        (self.key_edit if explanation.problem == Problem.WRONG_KEY else self.url_edit).setFocus()

    def _fail(self, explanation: Explanation) -> None:
        self.show_problem(explanation.text)
        self.validation_failed.emit(str(explanation.problem))

    def _offer_file_storage(self, problem: str | None = None) -> None:
        """No keyring works here (api-rules §21): say so, and offer the file only as an opt-in."""
        self._awaiting_storage_choice = True
        for widget in (self.key_edit, self.url_edit, self.show_key_button, self.demo_button):
            widget.setEnabled(False)
        # Already signed in: the only way on is "Continue" (Escape continues too, see reject).
        self.cancel_button.hide()
        why = problem or "Signed in. There is no keyring on this system"
        self.show_problem(
            f"{why}, so the key is kept only until the app quits; you will be asked for it again next time.",
            MessageLevel.WARNING,
        )
        if self._key_store.fallback_file is not None:
            self.store_in_file_check.setChecked(False)
            self.store_in_file_check.show()
        self._update_buttons()

    def _finish_storage_choice(self) -> None:
        if self._busy:
            return
        if not (self.store_in_file_check.isVisible() and self.store_in_file_check.isChecked()):
            self._succeed()
            return
        assert self.base_url is not None and self.key is not None
        self._set_busy(True, "Writing the key file…")
        self._runner.submit(
            partial(self._key_store.save, allow_file=True),
            self.base_url,
            self.key,
            on_done=self._on_key_file_written,
            on_error=self._on_key_file_failed,
            key=SAVE_TASK_KEY,
        )

    def _on_key_file_written(self, location: KeyLocation) -> None:
        self._set_busy(False)
        self.key_location = location
        log.info("key kept in %s", location)
        self._succeed()

    def _on_key_file_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        where = f" {self._key_store.fallback_file}" if self._key_store.fallback_file is not None else ""
        self.show_problem(
            f"Could not write the key file{where}: {reason}. Continue without it, or try again.",
        )

    def _succeed(self) -> None:
        assert self.base_url is not None
        self.signed_in.emit(self.base_url)
        self.accept()

    def _on_demo_clicked(self) -> None:
        self._runner.cancel(TASK_KEY)
        self._runner.cancel(SAVE_TASK_KEY)
        self.demo_requested.emit()
        self.done(self.DEMO_RESULT)

    def reject(self) -> None:
        if self._awaiting_storage_choice:
            # The key is valid and kept in memory already: closing means "continue without a file"
            # (also while the file is being written: its answer is then dropped).
            self._runner.cancel(SAVE_TASK_KEY)
            self._busy = False
            self._succeed()
            return
        # Cancel works while checking or storing: the answer, when it comes, is dropped by the
        # runner. (A keyring that was already writing may still keep the key; sign-out forgets it.)
        self._runner.cancel(TASK_KEY)
        self._runner.cancel(SAVE_TASK_KEY)
        self._busy = False
        super().reject()
