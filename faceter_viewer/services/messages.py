"""The one path user-facing messages take (qutebrowser's `utils/message.py`).

Any service posts `hub.post(text, level, action_text=..., on_action=...)`; the main window's
message bar is the one listener. No widget relays another's messages. Banners are for what
happened and deserves notice (a failed load, a snapshot saved, a gap jumped). A message that
stops being true (a live stream that plays again) is posted with a `key` and taken back with
`hub.withdraw(key)`; the bar removes its row. A camera's
standing state (no archive access, offline, no audio) is not a message: the view-model exposes
it as `CameraView.status` and the player shows it in place.
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


class MessageHub(QObject):
    posted = Signal(object)  # Message
    withdrawn = Signal(str)  # the key of messages that are no longer true

    def post(
        self,
        text: str,
        level: MessageLevel | str = MessageLevel.INFO,
        *,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
        key: str | None = None,
    ) -> Message:
        """Tell the user `text`; a `key` lets withdraw(key) take it back (a newer message with
        the same key replaces the one shown)."""
        message = Message(str(text), MessageLevel(level), action_text, on_action, key)
        # The log keeps what the user was told (the bar redacts what it shows; app_logging the log).
        log.info("message (%s): %s", message.level, message.text)
        self.posted.emit(message)
        return message

    def withdraw(self, key: str) -> None:
        """What the messages posted with `key` said is over: the bar removes them."""
        log.info("message withdrawn: %s", key)
        self.withdrawn.emit(key)

    def error(self, text: str, **action) -> Message:
        return self.post(text, MessageLevel.ERROR, **action)

    def warning(self, text: str, **action) -> Message:
        return self.post(text, MessageLevel.WARNING, **action)

    def info(self, text: str, **action) -> Message:
        return self.post(text, MessageLevel.INFO, **action)
