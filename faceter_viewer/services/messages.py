"""The one path user-facing messages take (qutebrowser's `utils/message.py`).

Any service posts `hub.post(text, level, action_text=..., on_action=..., key=..., details=...,
scope=...)`; the main window's message bar is the one listener. No widget relays another's
messages. Banners are for what happened and deserves notice (a failed load, a snapshot saved, a
gap jumped), said in the user's words: a failure's technical text (method, path, status, errno)
goes in `details`, which the log keeps and the bar shows only on request (services/explain.py
makes both from an exception).

A message that stops being true (a live stream that plays again) is posted with a `key` and taken
back with `hub.withdraw(key)`; a newer message with the same key updates the one shown in place
(a countdown posts under one key every second). A message about one camera carries
`scope=camera.id`; `hub.clear_scope(camera.id)` takes them all back when the user leaves that
camera, so nothing said about it stays up over another. A message without scope (the camera
list, a snapshot saved, the service) stays until closed.

A camera's standing state (no archive access, offline, no audio) is not a message: the view-model
exposes it as `CameraView.status` and the player shows it in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("faceter_viewer.services.messages")


class MessageLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Message:
    text: str
    level: MessageLevel = MessageLevel.INFO
    action_text: str | None = None
    on_action: Callable[[], None] | None = None
    key: str | None = None  # names what the message is about, to withdraw() it when it is over
    details: str | None = None  # the technical text: the log, and the bar's Details view
    scope: str | None = None  # the camera it is about: clear_scope() takes it back


class MessageHub(QObject):
    posted = Signal(object)  # Message
    withdrawn = Signal(str)  # the key of messages that are no longer true
    scope_cleared = Signal(str)  # the scope (camera id) whose messages are no longer relevant

    def post(
        self,
        text: str,
        level: MessageLevel | str = MessageLevel.INFO,
        *,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
        key: str | None = None,
        details: str | None = None,
        scope: str | None = None,
    ) -> Message:
        """Tell the user `text`; a `key` lets withdraw(key) take it back (a newer message with
        the same key updates the one shown); a `scope` lets clear_scope(scope) take it back."""
        message = Message(str(text), MessageLevel(level), action_text, on_action, key, details, scope)
        # The log keeps what the user was told and the details they were spared, on one line
        # (the bar redacts what it shows; app_logging the log).
        extra = f" [{' | '.join(details.splitlines())}]" if details else ""
        log.info("message (%s): %s%s", message.level, message.text, extra)
        self.posted.emit(message)
        return message

    def withdraw(self, key: str) -> None:
        """What the messages posted with `key` said is over: the bar removes them."""
        log.info("message withdrawn: %s", key)
        self.withdrawn.emit(key)

    def clear_scope(self, scope: str) -> None:
        """The user left what the messages posted with `scope` are about: the bar removes them."""
        log.debug("messages of scope %s cleared", scope)
        self.scope_cleared.emit(scope)

    def error(self, text: str, **options) -> Message:
        return self.post(text, MessageLevel.ERROR, **options)

    def warning(self, text: str, **options) -> Message:
        return self.post(text, MessageLevel.WARNING, **options)

    def info(self, text: str, **options) -> Message:
        return self.post(text, MessageLevel.INFO, **options)
