"""The one path user-facing messages take (qutebrowser's `utils/message.py`).

Any service posts `hub.post(text, level, action_text=..., on_action=...)`; the main window's
message bar is the one listener. No widget relays another's messages. Banners are for what
happened and deserves notice (a failed load, a snapshot saved, a gap jumped); a camera's
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


class MessageHub(QObject):
    posted = Signal(object)  # Message

    def post(
        self,
        text: str,
        level: MessageLevel | str = MessageLevel.INFO,
        *,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
    ) -> Message:
        message = Message(str(text), MessageLevel(level), action_text, on_action)
        # The log keeps what the user was told (the bar redacts what it shows; app_logging the log).
        log.info("message (%s): %s", message.level, message.text)
        self.posted.emit(message)
        return message

    def error(self, text: str, **action) -> Message:
        return self.post(text, MessageLevel.ERROR, **action)

    def warning(self, text: str, **action) -> Message:
        return self.post(text, MessageLevel.WARNING, **action)

    def info(self, text: str, **action) -> Message:
        return self.post(text, MessageLevel.INFO, **action)
