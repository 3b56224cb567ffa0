"""B: create an event (a bookmark) on the camera on screen, at the playhead or the selection.

The form: the type (Custom unless the user picks one of the documented types), an instant or a
range (prefilled from the timeline's selection, else the playhead while the archive plays, else
now), in local time with UTC beside it; attributes as name/value rows; the frame on screen as an
optional snapshot; and an optional grid over that frame, its cells marked by clicking (or
dragging) on the preview.

What is wrong with the form is said in place before anything is sent (services/bookmarks.py
`BookmarkDraft.problem`). OK posts on the session's pool; while it runs the form is read-only and
says "Sending…", the dialog stays responsive (Cancel works). A failure keeps everything typed and
says why in the dialog (explain(), with a Details view); "Try again" sends the same eventId, so
the service stores the event once. Success closes the dialog, emits `created` and asks the
timeline for the events around the new one again, so it shows at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.api.models import EventType
from faceter_viewer.core.timeline.localtime import local_datetime, system_timezone
from faceter_viewer.services.bookmarks import (
    MAX_GRID,
    BookmarkDraft,
    BookmarkSender,
    GridMarks,
    Problem,
    new_event_id,
)
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.explain import Explanation
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.local_time_fields import SHOWN_FORMAT, local_time_edit, quiet, utc_text, wall_clock
from faceter_viewer.ui.local_time_fields import instant as _instant
from faceter_viewer.ui.timeline_legend import paint_glyph, type_style

DEFAULT_RANGE_SECONDS = 10.0  # Range chosen on an instant: it ends this much later (an end may be ahead of now)
DEFAULT_GRID = (4, 4)
PREVIEW_SIZE = QSize(320, 180)
MARK_COLOR = QColor(255, 176, 0, 120)


def _type_icon(name: str) -> QIcon:
    """The type's timeline glyph on a dark tile (its colours are made for the dark timeline)."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(QColor("#303030"))
    painter = QPainter(pixmap)
    paint_glyph(painter, type_style(name), 2, 2, 12)
    painter.end()
    return QIcon(pixmap)


class FramePreview(QWidget):
    """The frame on screen, small, with the grid over it: a click marks or unmarks a cell, a drag
    carries on doing the same to the cells it passes."""

    cells_changed = Signal()

    def __init__(self, image: QImage | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = image if image is not None and not image.isNull() else QImage()
        self._rows = self._cols = 0  # 0: no grid
        self._cells: list[int] = []
        self._painting: int | None = None  # the value a drag gives the cells it passes
        self.setMinimumSize(PREVIEW_SIZE)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # as tall as the picture at that width: no black bands
        self.setSizePolicy(policy)
        self.setAccessibleName("Picture on screen")

    def sizeHint(self) -> QSize:
        return QSize(PREVIEW_SIZE.width(), self.heightForWidth(PREVIEW_SIZE.width()))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        w, h = (self._image.width(), self._image.height()) if self.has_picture else (16, 9)
        return max(PREVIEW_SIZE.height(), round(width * h / w))

    @property
    def image(self) -> QImage:
        return self._image

    @property
    def has_picture(self) -> bool:
        return not self._image.isNull()

    def set_grid(self, rows: int, cols: int) -> None:
        """Show a rows × cols grid (0, 0: none); marks of cells still on the grid are kept."""
        old = {(i // self._cols, i % self._cols) for i, v in enumerate(self._cells) if v} if self._cols else set()
        self._rows, self._cols = rows, cols
        self._cells = [1 if (i // cols, i % cols) in old else 0 for i in range(rows * cols)] if cols else []
        self.setCursor(Qt.CursorShape.PointingHandCursor if cols else Qt.CursorShape.ArrowCursor)
        self.update()
        self.cells_changed.emit()

    def grid_marks(self) -> GridMarks | None:
        return GridMarks(self._rows, self._cols, tuple(self._cells)) if self._cols else None

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: as large as fits, its aspect kept (16:9 when there is none)."""
        w, h = (self._image.width(), self._image.height()) if self.has_picture else (16, 9)
        scale = min(self.width() / w, self.height() / h)
        pw, ph = w * scale, h * scale
        return QRectF((self.width() - pw) / 2, (self.height() - ph) / 2, pw, ph)

    def cell_rect(self, index: int) -> QRectF:
        r = self.picture_rect()
        row, col = divmod(index, self._cols)
        cw, ch = r.width() / self._cols, r.height() / self._rows
        return QRectF(r.left() + col * cw, r.top() + row * ch, cw, ch)

    def cell_at(self, pos: QPointF) -> int | None:
        r = self.picture_rect()
        if not self._cols or not r.contains(pos):
            return None
        col = min(self._cols - 1, int((pos.x() - r.left()) / r.width() * self._cols))
        row = min(self._rows - 1, int((pos.y() - r.top()) / r.height() * self._rows))
        return row * self._cols + col

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.cell_at(event.position())
        if event.button() != Qt.MouseButton.LeftButton or index is None or not self.isEnabled():
            super().mousePressEvent(event)
            return
        self._painting = 0 if self._cells[index] else 1
        self._mark(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.cell_at(event.position())
        if self._painting is not None and index is not None:
            self._mark(index)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._painting = None
        super().mouseReleaseEvent(event)

    def _mark(self, index: int) -> None:
        if self._cells[index] != self._painting:
            self._cells[index] = self._painting or 0
            self.update()
            self.cells_changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202020"))
        r = self.picture_rect()
        if self.has_picture:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(r, self._image)
        else:
            painter.setPen(QColor("#bbbbbb"))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, "No picture on screen")
        if self._cols:
            for i, marked in enumerate(self._cells):
                if marked:
                    painter.fillRect(self.cell_rect(i), MARK_COLOR)
            painter.setPen(QPen(QColor(255, 255, 255, 170), 1))
            for col in range(1, self._cols):
                x = r.left() + r.width() * col / self._cols
                painter.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
            for row in range(1, self._rows):
                y = r.top() + r.height() * row / self._rows
                painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1))
            painter.drawRect(r.adjusted(0, 0, -1, -1))
        painter.end()


class BookmarkDialog(QDialog):
    """See the module docstring. `created(camera_id, event_id, start, end)`: epoch seconds; an
    instant event has end == start."""

    created = Signal(str, str, float, float)

    def __init__(
        self,
        view: CameraView,
        *,
        start: float,
        end: float | None = None,
        frame: QImage | None = None,
        tz: tzinfo | None = None,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if view.camera is None:
            raise ValueError("a bookmark needs a camera")
        self.view = view
        self.camera = view.camera
        self._tz = tz or system_timezone()
        self._clock = clock
        # One dialog, one event: every send of this form (the HTTP layer's resends, Try again)
        # carries this id, so the service keeps the event once (api-rules §13).
        self.event_id = new_event_id()
        self._exact = {"start": start, "end": end}  # sub-second prefill, kept while not edited
        self.event_sender = BookmarkSender(view.session, self)
        self.setWindowTitle("New event")
        self.setObjectName("bookmarkDialog")

        self.form = QWidget(self)  # read-only as a whole while sending
        self._build_fields(start, end)
        self._build_picture(frame)
        self._build_status()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create event")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        title = QLabel(f"New event on “{self.camera.title}”", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        columns = QHBoxLayout(self.form)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addLayout(self._fields_layout, 3)
        columns.addLayout(self._picture_layout, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.form, 1)
        layout.addLayout(self._status_layout)
        layout.addWidget(self.details_text)
        layout.addWidget(self.buttons)

        self.event_sender.sending_changed.connect(self._on_event_sender_sending_changed)
        self.event_sender.sent.connect(self._on_event_sender_sent)
        self.event_sender.failed.connect(self._on_event_sender_failed)
        self._update_range_mode()
        self._update_utc()
        self.type_combo.setFocus()

    # --- building -----------------------------------------------------------------------------

    def _build_fields(self, start: float, end: float | None) -> None:
        form = self.form
        self.type_combo = QComboBox(form)
        for event_type in EventType:
            self.type_combo.addItem(_type_icon(event_type), type_style(event_type).name, str(event_type))
        self.type_combo.setCurrentIndex(self.type_combo.findData(str(EventType.CUSTOM)))
        self.type_combo.setAccessibleName("Event type")

        self.instant_button = QRadioButton("&Instant", form)
        self.range_button = QRadioButton("&Range", form)
        self._mode_group = QButtonGroup(form)
        self._mode_group.addButton(self.instant_button)
        self._mode_group.addButton(self.range_button)
        (self.instant_button if end is None else self.range_button).setChecked(True)
        self.range_button.toggled.connect(self._on_range_button_toggled)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.instant_button)
        mode_row.addWidget(self.range_button)
        mode_row.addStretch(1)

        end_shown = end if end is not None else start + DEFAULT_RANGE_SECONDS
        self.start_edit, self.start_utc = self._time_edit(start, "Start")
        self.end_edit, self.end_utc = self._time_edit(end_shown, "End")
        self.start_edit.dateTimeChanged.connect(lambda _v: self._on_time_edited("start"))
        self.end_edit.dateTimeChanged.connect(lambda _v: self._on_time_edited("end"))
        zone = local_datetime(start, self._tz).strftime("%Z (UTC%z)")
        zone_note = QLabel(f"Local time, {zone}", form)
        zone_note.setObjectName("bookmarkZone")
        quiet(zone_note)

        self.attributes = QTableWidget(0, 2, form)
        self.attributes.setObjectName("bookmarkAttributes")
        self.attributes.setHorizontalHeaderLabels(["Name", "Value"])
        self.attributes.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.attributes.horizontalHeader().setStretchLastSection(True)
        self.attributes.setColumnWidth(0, 120)
        self.attributes.verticalHeader().hide()
        self.attributes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attributes.setMinimumHeight(96)
        self.attributes.setAccessibleName("Attributes")
        self.add_attribute_button = QPushButton("&Add", form)
        self.add_attribute_button.setToolTip("Add an attribute (a name and its value)")
        self.remove_attribute_button = QPushButton("Re&move", form)
        self.remove_attribute_button.setToolTip("Remove the selected attributes")
        self.add_attribute_button.clicked.connect(lambda: self.add_attribute())
        self.remove_attribute_button.clicked.connect(self.remove_selected_attributes)
        self.attributes.itemSelectionChanged.connect(self._update_remove_button)
        attribute_buttons = QHBoxLayout()
        attribute_buttons.addWidget(self.add_attribute_button)
        attribute_buttons.addWidget(self.remove_attribute_button)
        attribute_buttons.addStretch(1)
        self._update_remove_button()

        fields = QFormLayout()
        fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields.addRow("&Type:", self.type_combo)
        fields.addRow("Event:", mode_row)
        fields.addRow(self._buddy("&Start:", self.start_edit), self._with_utc(self.start_edit, self.start_utc))
        fields.addRow(self._buddy("&End:", self.end_edit), self._with_utc(self.end_edit, self.end_utc))
        fields.addRow("", zone_note)
        fields.addRow("Attributes:", self.attributes)
        fields.addRow("", attribute_buttons)
        self._fields_layout = fields

    def _time_edit(self, t: float, name: str) -> tuple[QDateTimeEdit, QLabel]:
        edit = local_time_edit(t, self._tz, f"{name} (local time)", self.form)
        utc = QLabel("", self.form)
        utc.setObjectName(f"bookmark{name}Utc")
        quiet(utc)
        return edit, utc

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text, self.form)  # a row holding a layout gets no buddy of its own: Alt+S
        label.setBuddy(widget)
        return label

    def _with_utc(self, edit: QWidget, utc: QLabel) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(utc)
        return row

    def _build_picture(self, frame: QImage | None) -> None:
        form = self.form
        self.preview = FramePreview(frame, form)
        self.snapshot_check = QCheckBox("Attach this &picture (JPEG)", form)
        self.snapshot_check.setChecked(self.preview.has_picture)
        self.snapshot_check.setEnabled(self.preview.has_picture)
        if not self.preview.has_picture:
            self.snapshot_check.setToolTip("There is no picture on screen to attach")
        self.grid_check = QCheckBox("Mark a &grid region:", form)
        self.grid_check.setToolTip("Mark cells of a grid over the picture: click or drag on the picture")
        self.rows_spin = self._grid_spin(DEFAULT_GRID[0], "Grid rows")
        self.cols_spin = self._grid_spin(DEFAULT_GRID[1], "Grid columns")
        self.grid_hint = QLabel("Click the picture to mark cells", form)
        quiet(self.grid_hint)
        self.grid_check.toggled.connect(lambda _on: self._update_grid())
        self.rows_spin.valueChanged.connect(lambda _v: self._update_grid())
        self.cols_spin.valueChanged.connect(lambda _v: self._update_grid())
        grid_row = QHBoxLayout()
        grid_row.addWidget(self.grid_check)
        grid_row.addWidget(self.rows_spin)
        grid_row.addWidget(QLabel("×", form))
        grid_row.addWidget(self.cols_spin)
        grid_row.addStretch(1)
        picture = QVBoxLayout()
        picture.addWidget(self.preview)
        picture.addWidget(self.snapshot_check)
        picture.addLayout(grid_row)
        picture.addWidget(self.grid_hint)
        picture.addStretch(1)
        self._picture_layout = picture
        self._update_grid()

    def _grid_spin(self, value: int, name: str) -> QSpinBox:
        spin = QSpinBox(self.form)
        spin.setRange(1, MAX_GRID)
        spin.setValue(value)
        spin.setAccessibleName(name)
        spin.setToolTip(name)
        return spin

    def _build_status(self) -> None:
        self.problem_label = QLabel("", self)
        self.problem_label.setObjectName("bookmarkProblem")
        self.problem_label.setStyleSheet("color: #c5221f;")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        self.details_button = QPushButton("&Details", self)
        self.details_button.setCheckable(True)
        self.details_button.hide()
        self.details_text = QPlainTextEdit(self)
        self.details_text.setReadOnly(True)
        self.details_text.setMaximumHeight(90)
        self.details_text.hide()
        self.details_button.toggled.connect(self.details_text.setVisible)
        self.sending_label = QLabel("Sending…", self)
        self.sending_label.setObjectName("bookmarkSending")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # no total: it only shows that something runs
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.sending_label.hide()
        self.busy.hide()
        status = QHBoxLayout()
        status.addWidget(self.problem_label, 1)
        status.addWidget(self.details_button)
        status.addStretch(0)
        status.addWidget(self.sending_label)
        status.addWidget(self.busy)
        self._status_layout = status

    # --- the form's values --------------------------------------------------------------------

    @classmethod
    def for_view(
        cls,
        view: CameraView,
        *,
        selection: tuple[float, float] | None = None,
        fallback_frame: QImage | None = None,
        tz: tzinfo | None = None,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> BookmarkDialog:
        """The dialog for what is on screen: the selection if there is one, else the playhead
        while the archive plays, else now; the picture is the player's (or `fallback_frame`,
        what the video widget shows)."""
        if selection is not None and selection[1] > selection[0]:
            start, end = selection
        else:
            at = view.playback.current_time() if view.playback.mode is Mode.ARCHIVE else None
            start, end = (at if at is not None else clock()), None
        frame = view.backend.snapshot()
        if frame.isNull() and fallback_frame is not None:
            frame = fallback_frame
        return cls(view, start=start, end=end, frame=frame, tz=tz, clock=clock, parent=parent)

    def event_type(self) -> str:
        return str(self.type_combo.currentData())

    def set_event_type(self, event_type: str) -> None:
        self.type_combo.setCurrentIndex(self.type_combo.findData(str(event_type)))

    def start_time(self) -> float:
        return self._edited_time("start", self.start_edit)

    def end_time(self) -> float | None:
        """None for an instant event."""
        return self._edited_time("end", self.end_edit) if self.range_button.isChecked() else None

    def set_times(self, start: float, end: float | None = None) -> None:
        self.range_button.setChecked(end is not None)
        self.instant_button.setChecked(end is None)
        self.start_edit.setDateTime(wall_clock(start, self._tz))
        if end is not None:
            self.end_edit.setDateTime(wall_clock(end, self._tz))
        self._exact = {"start": start, "end": end}

    def _edited_time(self, name: str, edit: QDateTimeEdit) -> float:
        shown = _instant(edit.dateTime(), self._tz)
        exact = self._exact.get(name)
        # The edit shows whole seconds: an untouched prefill keeps its milliseconds.
        return exact if exact is not None and math.floor(exact) == shown else shown

    def add_attribute(self, name: str = "", value: str = "") -> int:
        row = self.attributes.rowCount()
        self.attributes.insertRow(row)
        self.attributes.setItem(row, 0, QTableWidgetItem(name))
        self.attributes.setItem(row, 1, QTableWidgetItem(value))
        if not name:
            self.attributes.setCurrentCell(row, 0)
            self.attributes.editItem(self.attributes.item(row, 0))
        return row

    def remove_selected_attributes(self) -> None:
        rows = sorted({index.row() for index in self.attributes.selectedIndexes()}, reverse=True)
        if not rows and self.attributes.currentRow() >= 0:
            rows = [self.attributes.currentRow()]
        for row in rows:
            self.attributes.removeRow(row)
        self._update_remove_button()

    def attribute_rows(self) -> tuple[tuple[str, str], ...]:
        def text(row: int, col: int) -> str:
            item = self.attributes.item(row, col)
            return item.text() if item is not None else ""

        return tuple((text(row, 0), text(row, 1)) for row in range(self.attributes.rowCount()))

    def draft(self) -> BookmarkDraft:
        """The form as it stands, with the dialog's one eventId."""
        return BookmarkDraft(
            camera_id=self.camera.id,
            event_id=self.event_id,
            start=self.start_time(),
            end=self.end_time(),
            event_type=self.event_type(),
            attributes=self.attribute_rows(),
            grid=self.preview.grid_marks() if self.grid_check.isChecked() else None,
            snapshot=self.preview.image if self.snapshot_check.isChecked() and self.preview.has_picture else None,
        )

    @property
    def sending(self) -> bool:
        return self.event_sender.sending

    def problem_text(self) -> str:
        return self.problem_label.text() if self.problem_label.isVisible() else ""

    # --- OK, Cancel ---------------------------------------------------------------------------

    def accept(self) -> None:
        """OK: check the form, then send (the dialog closes when the service has the event)."""
        if self.event_sender.sending:
            return
        editor = QApplication.focusWidget()
        if editor is not None and self.attributes.viewport().isAncestorOf(editor):
            self.attributes.commitData(editor)  # a name or value still being typed counts
        draft = self.draft()
        problem = draft.problem(self._clock())
        if problem is not None:
            self._show_problem(problem.text)
            self._focus(problem)
            return
        self._show_problem("")
        self.event_sender.send(draft)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the attributes ends that entry (the delegate commits it); it does not send
        # the form half-typed. Everywhere else Enter is OK, as in any dialog.
        focus = QApplication.focusWidget()
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and focus is not None and self.attributes.isAncestorOf(focus):
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.event_sender.close()  # a POST still running: its answer is dropped with the dialog
        super().done(result)

    def _on_event_sender_sending_changed(self, sending: bool) -> None:
        self.form.setEnabled(not sending)
        self.ok_button.setEnabled(not sending)
        self.sending_label.setVisible(sending)
        self.busy.setVisible(sending)
        if sending:
            self._show_problem("")

    def _on_event_sender_sent(self, draft: BookmarkDraft) -> None:
        if self.view.camera is not None and self.view.camera.id == draft.camera_id:
            self.view.timeline_data.reload_events_at(draft.start)
        when = local_datetime(draft.start, self._tz).strftime(SHOWN_FORMAT)
        self.view.session.messages.info(
            f"Created a {type_style(draft.event_type).name} event on “{self.camera.title}” at {when}.",
            scope=draft.camera_id,
        )
        self.created.emit(draft.camera_id, draft.event_id, draft.start, draft.end_or_start)
        super().accept()

    def _on_event_sender_failed(self, _draft: BookmarkDraft, explanation: Explanation) -> None:
        self._show_problem(explanation.text, explanation.details)
        self.ok_button.setText("Try again")  # the same eventId: never a second event
        self.ok_button.setFocus()

    def _show_problem(self, text: str, details: str = "") -> None:
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))
        self.details_text.setPlainText(details)
        self.details_button.setVisible(bool(details))
        if not details:
            self.details_button.setChecked(False)

    def _focus(self, problem: Problem) -> None:
        widget = {
            "start": self.start_edit,
            "end": self.end_edit,
            "attributes": self.attributes,
            "grid": self.preview,
        }.get(problem.field)
        if widget is not None:
            widget.setFocus()

    # --- reactions ------------------------------------------------------------------------------

    def _on_range_button_toggled(self, _checked: bool) -> None:
        self._update_range_mode()

    def _update_range_mode(self) -> None:
        ranged = self.range_button.isChecked()
        self.end_edit.setEnabled(ranged)
        self.end_utc.setEnabled(ranged)

    def _on_time_edited(self, name: str) -> None:
        edit = self.start_edit if name == "start" else self.end_edit
        exact = self._exact.get(name)
        if exact is not None and math.floor(exact) != _instant(edit.dateTime(), self._tz):
            self._exact[name] = None  # edited: the shown whole second is the time now
        self._update_utc()
        if self.problem_label.isVisible():
            self._show_problem("")  # the user is fixing it

    def _update_utc(self) -> None:
        self.start_utc.setText(utc_text(self.start_time()))
        self.end_utc.setText(utc_text(self._edited_time("end", self.end_edit)))

    def _update_grid(self) -> None:
        on = self.grid_check.isChecked()
        for widget in (self.rows_spin, self.cols_spin):
            widget.setEnabled(on)
        self.grid_hint.setVisible(on)
        if on:
            self.preview.set_grid(self.rows_spin.value(), self.cols_spin.value())
        else:
            self.preview.set_grid(0, 0)

    def _update_remove_button(self) -> None:
        self.remove_attribute_button.setEnabled(self.attributes.rowCount() > 0)


def open_bookmark_dialog(
    view: CameraView,
    *,
    selection: tuple[float, float] | None = None,
    fallback_frame: QImage | None = None,
    parent: QWidget | None = None,
) -> BookmarkDialog | None:
    """B: the dialog for the camera on screen (None, and a note, when there is no camera).
    Window-modal and non-blocking (open()); it deletes itself when closed."""
    if view.camera is None:
        view.session.messages.info("Select a camera to create an event on it.")
        return None
    dialog = BookmarkDialog.for_view(view, selection=selection, fallback_frame=fallback_frame, parent=parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
