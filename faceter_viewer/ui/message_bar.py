"""Where errors, warnings and notes reach the user: the listener of the app's MessageHub
(services/messages.py, qutebrowser's `utils/message.py`).

A strip of message rows above the content. Each row says its level three ways — colour, a
standard icon and a word ("Error:", "Warning:", "Note:") — so it reads without colour too. An
identical message that is already shown is not stacked again: its row counts the repeat ("×3")
and, for a note, starts its auto-hide timer over. Notes hide themselves after a few seconds;
errors and warnings stay until closed, acted on, or replaced by `clear()`. A message posted with a
`key` goes when the hub withdraws that key (what it said is over), and a newer message with the
same key takes its place.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.api.redaction import redact
from faceter_viewer.services.messages import Message, MessageHub, MessageLevel

INFO_TIMEOUT_MS = 5000
MAX_ROWS = 4  # more would push the content away; the oldest goes first


__all__ = ["MessageBar", "MessageLevel", "MessageRow"]

_PREFIX = {MessageLevel.ERROR: "Error:", MessageLevel.WARNING: "Warning:", MessageLevel.INFO: "Note:"}
_ICON = {
    MessageLevel.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    MessageLevel.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    MessageLevel.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}
# Background, border, text: dark text on a light tint keeps contrast in light and dark themes.
_COLOURS = {
    MessageLevel.ERROR: ("#fdecea", "#c5221f", "#5f1411"),
    MessageLevel.WARNING: ("#fff4e0", "#b86e00", "#4d2e00"),
    MessageLevel.INFO: ("#e8f0fe", "#1a5fc8", "#0b2a5c"),
}


class MessageRow(QFrame):
    """One message: icon, "Level:" prefix, text, an optional action button, a close button."""

    closed = Signal(object)  # the row

    def __init__(
        self,
        text: str,
        level: MessageLevel,
        action_text: str | None,
        on_action: Callable[[], None] | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.text = text
        self.level = level
        self.key: str | None = None  # set by the bar: what withdraw(key) removes
        self.repeats = 1
        self._on_action = on_action
        background, border, foreground = _COLOURS[level]
        self.setObjectName("messageRow")
        self.setProperty("level", str(level))
        self.setStyleSheet(
            f"#messageRow {{ background: {background}; border: 1px solid {border};"
            f" border-left: 4px solid {border}; border-radius: 3px; }}"
            f" #messageRow QLabel {{ color: {foreground}; background: transparent; border: none; }}"
        )
        self.setAccessibleName(f"{_PREFIX[level]} {text}")

        icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(self.style().standardIcon(_ICON[level]).pixmap(size, size))
        self.prefix_label = QLabel(f"<b>{_PREFIX[level]}</b>", self)
        self.text_label = QLabel(self)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)  # messages may hold < and &
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._refresh_text()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.prefix_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text_label, 1)

        self.action_button: QPushButton | None = None
        if action_text:
            self.action_button = QPushButton(action_text, self)
            self.action_button.clicked.connect(self._on_action_clicked)
            layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)

        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close this message")
        self.close_button.setAccessibleName("Close message")
        self.close_button.clicked.connect(lambda: self.closed.emit(self))
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

        self.hide_timer = QTimer(self)
        self.hide_timer.setSingleShot(True)
        self.hide_timer.timeout.connect(lambda: self.closed.emit(self))

    def repeat(self) -> None:
        self.repeats += 1
        self._refresh_text()

    def _refresh_text(self) -> None:
        suffix = f"  (×{self.repeats})" if self.repeats > 1 else ""
        self.text_label.setText(self.text + suffix)

    def _on_action_clicked(self) -> None:
        callback = self._on_action
        self.closed.emit(self)  # acted on: the message has done its job
        if callback is not None:
            callback()


class MessageBar(QWidget):
    """Hidden while empty. `show_message()` adds a row (or repeats an identical one)."""

    message_shown = Signal(str, str)  # level, text (as shown, redacted)
    message_closed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, *, info_timeout_ms: int = INFO_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self.info_timeout_ms = info_timeout_ms
        self._rows: list[MessageRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 0)
        self._layout.setSpacing(4)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    def show_message(
        self,
        text: str,
        level: MessageLevel | str = MessageLevel.ERROR,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
        *,
        key: str | None = None,
    ) -> MessageRow:
        """Show `text` (redacted: this is the last stop before the screen). Returns its row.
        A `key` replaces the row of an earlier message with that key; withdraw(key) removes it."""
        level = MessageLevel(level)
        text = redact(str(text)).strip() or "(no details)"
        for row in self._rows:
            if row.text == text and row.level == level and row.key == key:
                row.repeat()
                self._arm_timer(row)
                return row
        if key is not None:
            self.withdraw(key)
        row = MessageRow(text, level, action_text, on_action, self)
        row.key = key
        row.closed.connect(self._on_row_closed)
        self._rows.append(row)
        self._layout.addWidget(row)
        while len(self._rows) > MAX_ROWS:
            self._remove(self._rows[0])
        self._arm_timer(row)
        self.show()
        self.message_shown.emit(str(level), text)
        return row

    def listen(self, hub: MessageHub) -> None:
        """Show what is posted to `hub` (the app's one message path, services/messages.py)."""
        hub.posted.connect(self._on_hub_posted)
        hub.withdrawn.connect(self.withdraw)

    def _on_hub_posted(self, message: Message) -> None:
        self.show_message(message.text, message.level, message.action_text, message.on_action, key=message.key)

    def withdraw(self, key: str) -> None:
        """Remove the rows of messages posted with `key`."""
        for row in [row for row in self._rows if row.key == key]:
            self._remove(row)

    def clear(self) -> None:
        for row in list(self._rows):
            self._remove(row)

    def messages(self) -> list[tuple[MessageLevel, str]]:
        """What is shown now, oldest first."""
        return [(row.level, row.text) for row in self._rows]

    def rows(self) -> list[MessageRow]:
        return list(self._rows)

    def _arm_timer(self, row: MessageRow) -> None:
        if row.level == MessageLevel.INFO and self.info_timeout_ms > 0:
            row.hide_timer.start(self.info_timeout_ms)

    def _on_row_closed(self, row: MessageRow) -> None:
        if row in self._rows:
            self._remove(row)

    def _remove(self, row: MessageRow) -> None:
        self._rows.remove(row)
        row.hide_timer.stop()
        self._layout.removeWidget(row)
        row.hide()
        row.deleteLater()
        self.message_closed.emit(str(row.level), row.text)
        if not self._rows:
            self.hide()
