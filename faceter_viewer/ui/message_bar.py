"""Where errors, warnings and notes reach the user: the listener of the app's MessageHub
(services/messages.py, qutebrowser's `utils/message.py`).

A strip of message rows floating over the top of a part of the window (`float_over`; the main
window's player side): it is in no layout, so a row that comes or goes moves no other widget — a
banner never shifts the camera list under the mouse. Each row says its level three ways — colour, a standard icon and a word
("Error:", "Warning:", "Note:") — so it reads without colour too. A message with technical
details (method, path, status: services/explain.py) shows a "Details" toggle that reveals them,
selectable for a support request, under the sentence.

An identical message that is already shown is not stacked again: its row counts the repeat ("×3")
and, for a note, starts its auto-hide timer over. A message whose `key` a shown row has updates
that row in place (text, level, action, details; the count starts again): a countdown posted every
second does not flicker or move. Notes hide themselves after a few seconds; errors and warnings
stay until closed, acted on, or replaced by `clear()`. A row goes when the hub withdraws its key
(what it said is over) or clears its scope (the user left the camera it is about).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
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
MAX_ROWS = 4  # more would cover the content; the oldest goes first


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
_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard


def _wrapping_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # messages may hold < and &
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


class MessageRow(QFrame):
    """One message: icon, "Level:" prefix, text (and hidden details under it), an optional
    action button, a Details toggle when there are details, a close button."""

    closed = Signal(object)  # the row

    def __init__(
        self,
        text: str,
        level: MessageLevel,
        action_text: str | None,
        on_action: Callable[[], None] | None,
        parent: QWidget | None = None,
        *,
        details: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.key: str | None = None  # set by the bar: what withdraw(key) removes
        self.scope: str | None = None  # set by the bar: what clear_scope(scope) removes
        self.repeats = 1
        self.setObjectName("messageRow")

        self.icon_label = QLabel(self)
        self.prefix_label = QLabel(self)
        self.text_label = _wrapping_label(self)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label = _wrapping_label(self)
        self.details_label.setTextInteractionFlags(_SELECTABLE)  # to copy into a support request
        self.details_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details_label.hide()

        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.text_label)
        column.addWidget(self.details_label)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 4, 4)
        self._layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        self._layout.addWidget(self.prefix_label, 0, Qt.AlignmentFlag.AlignTop)
        self._layout.addLayout(column, 1)

        self.action_button: QPushButton | None = None  # made when a message has an action
        self.details_button = QToolButton(self)
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.setAccessibleName("Show details")
        self.details_button.setToolTip("Show the technical details (for the log or a support request)")
        self.details_button.toggled.connect(self.details_label.setVisible)
        self._layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)

        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close this message")
        self.close_button.setAccessibleName("Close message")
        self.close_button.clicked.connect(lambda: self.closed.emit(self))
        self._layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

        self.hide_timer = QTimer(self)
        self.hide_timer.setSingleShot(True)
        self.hide_timer.timeout.connect(lambda: self.closed.emit(self))
        self.set_message(text, level, action_text, on_action, details)

    def set_message(
        self,
        text: str,
        level: MessageLevel,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
        details: str | None = None,
        *,
        repeats: int = 1,
    ) -> None:
        """Say another message in this row, in place: the same widgets, the same position.
        Whether the details are open stays as the user left it."""
        self.text, self.level, self.details, self.repeats = text, level, details, repeats
        self._on_action = on_action
        background, border, foreground = _COLOURS[level]
        self.setProperty("level", str(level))
        self.setStyleSheet(
            f"#messageRow {{ background: {background}; border: 1px solid {border};"
            f" border-left: 4px solid {border}; border-radius: 3px; }}"
            f" #messageRow QLabel {{ color: {foreground}; background: transparent; border: none; }}"
        )
        self.setAccessibleName(f"{_PREFIX[level]} {text}")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon_label.setPixmap(self.style().standardIcon(_ICON[level]).pixmap(size, size))
        self.prefix_label.setText(f"<b>{_PREFIX[level]}</b>")
        self._set_action(action_text)
        self.details_label.setText(details or "")
        self.details_button.setVisible(bool(details))
        if not details:
            self.details_button.setChecked(False)  # hides the label
        self._refresh_text()

    def repeat(self) -> None:
        self.repeats += 1
        self._refresh_text()

    def _set_action(self, action_text: str | None) -> None:
        if not action_text:
            if self.action_button is not None:
                self._layout.removeWidget(self.action_button)
                self.action_button.deleteLater()
                self.action_button = None
            return
        if self.action_button is None:
            self.action_button = QPushButton(self)
            self.action_button.clicked.connect(self._on_action_clicked)
            self._layout.insertWidget(self._layout.indexOf(self.details_button), self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        self.action_button.setText(action_text)

    def _refresh_text(self) -> None:
        suffix = f"  (×{self.repeats})" if self.repeats > 1 else ""
        self.text_label.setText(self.text + suffix)

    def _on_action_clicked(self) -> None:
        callback = self._on_action
        self.closed.emit(self)  # acted on: the message has done its job
        if callback is not None:
            callback()


class MessageBar(QWidget):
    """Hidden while empty. `show_message()` adds a row (or repeats or updates one)."""

    message_closed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, *, info_timeout_ms: int = INFO_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self.info_timeout_ms = info_timeout_ms
        self._rows: list[MessageRow] = []
        self._host: QWidget | None = None  # what the bar floats over (float_over)
        self._margin = 0
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    # --- showing --------------------------------------------------------------------------------

    def show_message(
        self,
        text: str,
        level: MessageLevel | str = MessageLevel.ERROR,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
        *,
        key: str | None = None,
        details: str | None = None,
        scope: str | None = None,
    ) -> MessageRow:
        """Show `text` (redacted: this is the last stop before the screen). Returns its row.
        A `key` a shown row has updates that row in place; withdraw(key) removes it; a `scope`
        is removed by clear_scope(scope)."""
        level = MessageLevel(level)
        text = redact(str(text)).strip() or "(no details)"
        details = redact(details).strip() or None if details else None
        same = self._find(lambda row: row.text == text and row.level == level and row.key == key)
        if same is not None:
            same.set_message(text, level, action_text, on_action, details, repeats=same.repeats + 1)
            same.scope = scope
            self._arm_timer(same)
            return same
        row = self._find(lambda row: key is not None and row.key == key)
        if row is not None:
            row.set_message(text, level, action_text, on_action, details)
        else:
            row = MessageRow(text, level, action_text, on_action, self, details=details)
            row.key = key
            row.closed.connect(self._on_row_closed)
            row.details_button.toggled.connect(self._on_details_toggled)
            self._rows.append(row)
            self._layout.addWidget(row)
            row.show()
            while len(self._rows) > MAX_ROWS:
                self._remove(self._rows[0])
        row.scope = scope
        self._arm_timer(row)
        self.show()
        self._place()
        return row

    def listen(self, hub: MessageHub) -> None:
        """Show what is posted to `hub` (the app's one message path, services/messages.py)."""
        hub.posted.connect(self._on_hub_posted)
        hub.withdrawn.connect(self.withdraw)
        hub.scope_cleared.connect(self.clear_scope)

    def _on_hub_posted(self, message: Message) -> None:
        self.show_message(
            message.text,
            message.level,
            message.action_text,
            message.on_action,
            key=message.key,
            details=message.details,
            scope=message.scope,
        )

    def withdraw(self, key: str) -> None:
        """Remove the rows of messages posted with `key`."""
        for row in [row for row in self._rows if row.key == key]:
            self._remove(row)

    def clear_scope(self, scope: str) -> None:
        """Remove the rows of messages posted with `scope` (a camera the user left)."""
        for row in [row for row in self._rows if row.scope == scope]:
            self._remove(row)

    def clear(self) -> None:
        for row in list(self._rows):
            self._remove(row)

    def messages(self) -> list[tuple[MessageLevel, str]]:
        """What is shown now, oldest first."""
        return [(row.level, row.text) for row in self._rows]

    def rows(self) -> list[MessageRow]:
        return list(self._rows)

    # --- floating -------------------------------------------------------------------------------

    def float_over(self, host: QWidget, margin: int = 0) -> None:
        """Float over the top of `host`, `margin` from its edges, as wide as it, as tall as the
        rows: a child of `host` in none of its layouts, so the rows coming and going change no
        other widget's geometry. It stays above the children `host` gets later."""
        self.setParent(host)  # hides it: shown again with the next message
        self._host, self._margin = host, margin
        host.installEventFilter(self)
        if self._rows:
            self.show()
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._host:
            if event.type() == QEvent.Type.Resize:
                self._place()
            elif event.type() == QEvent.Type.ChildAdded and self.isVisible():
                self.raise_()  # a widget added to the host later (the player panel) stays under
        return False

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a row grew or shrank (details, wrapping)
            self._place()
        return handled

    def _place(self) -> None:
        host = self._host
        if host is None:
            return
        width = max(0, host.width() - 2 * self._margin)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else -1
        if height < 0:
            height = self.sizeHint().height()
        self.setGeometry(self._margin, self._margin, width, height)
        self.raise_()  # over the splitter and whatever is added to the host later

    # --- rows -----------------------------------------------------------------------------------

    def _find(self, matches: Callable[[MessageRow], bool]) -> MessageRow | None:
        return next((row for row in self._rows if matches(row)), None)

    def _arm_timer(self, row: MessageRow) -> None:
        if row.level == MessageLevel.INFO and self.info_timeout_ms > 0:
            row.hide_timer.start(self.info_timeout_ms)
        else:
            row.hide_timer.stop()  # a note updated into an error stays

    def _on_details_toggled(self, _shown: bool) -> None:
        self._place()  # taller or shorter at once (the LayoutRequest that follows places it again)

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
        self._place()
