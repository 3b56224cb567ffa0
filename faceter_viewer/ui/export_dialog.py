"""E: export a range of the archive (one range for one camera, several of its room, or a layout's).

Prefilled from the timeline's selection (the `[` / `]` marks), an event (its start minus the
pre-roll to a few seconds after its end), or, from the menu, the minute at the playhead (live:
the last minute). The form: the cameras (the one on screen checked, the others of its room
listed; from a layout, `layout_cameras`: every camera of the layout, all checked that this key may
export, each asked how much archive its tile knows in the range through `archive_seconds`), the
start and duration in local time with the end and UTC beside them, the mode (clip, video export
with an "include audio" box, audio export; what the key may not do is disabled, its tooltip says
why), a size estimate and download time (the Archive API `size`, asked on the
session's pool as the range changes, debounced), the folder (remembered in QSettings) and file
name (the camera title and local start time unless typed), the evidence package (on by default
for video) and, under Advanced, a callback URL.

What is wrong with the form is checked on every change (services/export_form.py): the Export
button is off and the reason is said in the dialog. Export (or Enter) submits one job per
camera to the session's ExportQueue and closes; the window then shows the jobs panel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.api import rules
from faceter_viewer.api.models import Camera, Event
from faceter_viewer.core.timeline.localtime import format_duration, local_datetime, system_timezone
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.export_estimate import SizeAnswer, SizeEstimator
from faceter_viewer.services.export_form import (
    ExportForm,
    Refusal,
    default_file_name,
    estimate_text,
    room_mates,
    total_size,
)
from faceter_viewer.services.exports.job import ExportMode
from faceter_viewer.ui.export_range import RangeFields, export_range
from faceter_viewer.ui.local_time_fields import quiet

ESTIMATE_DELAY_MS = 300  # the size is asked this long after the range stops changing
FOLDER_KEY = "exports/folder"
CAMERA_ROLE = Qt.ItemDataRole.UserRole

# (camera id, start, end) -> seconds recorded there as far as the app knows, None when unknown.
ArchiveSeconds = Callable[[str, float, float], "float | None"]


def default_export_folder() -> Path:
    """The user's Videos folder (else Downloads, else home), in a "Faceter Viewer" subfolder."""
    for location in (QStandardPaths.StandardLocation.MoviesLocation, QStandardPaths.StandardLocation.DownloadLocation):
        folder = QStandardPaths.writableLocation(location)
        if folder:
            return Path(folder) / "Faceter Viewer"
    return Path.home() / "Faceter Viewer"


class ExportDialog(QDialog):
    """See the module docstring. `submitted(job_ids)` when the jobs are queued."""

    submitted = Signal(list)

    def __init__(
        self,
        view: CameraView,
        exports,  # services/exports/queue.ExportQueue: submit(request) -> ExportJob
        settings: QSettings,
        *,
        start: float,
        end: float,
        cameras: Sequence[Camera] = (),
        layout_cameras: Sequence[Camera] | None = None,
        archive_seconds: ArchiveSeconds | None = None,
        speed: float | None = None,
        tz: tzinfo | None = None,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        """`cameras`: the camera list (the room mates of the view's camera are offered). From a
        layout, `layout_cameras` instead: the view's camera (the selected tile's) first, then
        the layout's, all checked but those without archive access; `archive_seconds` says what
        each camera's tile knows of the range (services/layout_timeline.archive_seconds)."""
        super().__init__(parent)
        if view.camera is None:
            raise ValueError("an export needs a camera")
        self.view = view
        self.camera = view.camera
        self.exports = exports
        self.settings = settings
        self._tz = tz or system_timezone()
        self._clock = clock
        self._speed = speed
        self._sizes: dict[str, int | None] = {}
        self._size_problem = ""
        self._evidence_touched = False
        self._archive_seconds = archive_seconds or self._shown_camera_archive_seconds
        self.estimator = SizeEstimator(view.session, self)
        self.setWindowTitle("Export")
        self.setObjectName("exportDialog")

        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._ask_estimate)

        if layout_cameras is not None:
            offered = _unique([self.camera, *layout_cameras])
            checked = {c.id for c in offered if c.has_archive_access} or {self.camera.id}
            several = len(offered) > 1
            heading = f"Export from the layout ({len(offered)} cameras)" if several else f"Export from “{self.camera.title}”"
        else:
            offered = [self.camera, *room_mates(self.camera, cameras)]
            checked = {self.camera.id}
            heading = f"Export from “{self.camera.title}”"
        title = QLabel(heading, self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        fields = QFormLayout()
        fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._build_cameras(fields, offered, checked)
        self._build_range(fields, start, end)
        self._build_mode(fields)
        self._build_output(fields)
        self._build_advanced(fields)
        self.names_note.setVisible(len(self.chosen_cameras()) > 1)

        self.problem_label = QLabel("", self)
        self.problem_label.setObjectName("exportProblem")
        self.problem_label.setStyleSheet("color: #c5221f;")
        self.problem_label.setWordWrap(True)
        policy = self.problem_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the dialog does not jump as a reason comes and goes
        self.problem_label.setSizePolicy(policy)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("&Export")
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(fields)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

        self.estimator.answered.connect(self._on_estimator_answered)
        self._update_permissions()
        self._on_range_changed()
        self.start_edit.setFocus()  # the range is what one adjusts most; Enter exports as it stands

    # --- building -----------------------------------------------------------------------------

    def _build_cameras(self, fields: QFormLayout, cameras: list[Camera], checked: set[str]) -> None:
        self.camera_list = QListWidget(self)
        self.camera_list.setObjectName("exportCameras")
        self.camera_list.setAccessibleName("Cameras")
        for camera in cameras:
            item = QListWidgetItem(camera.title, self.camera_list)
            item.setData(CAMERA_ROLE, camera)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if camera.id in checked else Qt.CheckState.Unchecked)
            if not camera.has_archive_access:
                item.setToolTip("This key has no archive access to this camera")
        rows = min(len(cameras), 4)  # more scroll
        height = self.camera_list.sizeHintForRow(0) * rows + 2 * self.camera_list.frameWidth() + 8
        self.camera_list.setFixedHeight(height)
        self.camera_list.itemChanged.connect(lambda _item: self._on_cameras_changed())
        label = "Camera:" if len(cameras) == 1 else "&Cameras:"
        self.cameras_note = quiet(QLabel("One range for every checked camera: each gets its own file.", self))
        self.cameras_note.setVisible(len(cameras) > 1)
        fields.addRow(label, self.camera_list)
        fields.addRow("", self.cameras_note)

    def _build_range(self, fields: QFormLayout, start: float, end: float) -> None:
        self.range_fields = RangeFields(start, end, self._tz, self, fields)
        self.start_edit, self.duration_spin, self.end_edit = (
            self.range_fields.start_edit, self.range_fields.duration_spin, self.range_fields.end_edit
        )
        self.start_utc, self.end_utc = self.range_fields.start_utc, self.range_fields.end_utc
        zone = local_datetime(start, self._tz).strftime("%Z (UTC%z)")
        limit = format_duration(rules.MAX_EXPORT_SECONDS)
        fields.addRow("", quiet(QLabel(f"Local time, {zone}; at most {limit} at once", self)))
        self.range_fields.changed.connect(self._on_range_changed)

    def _build_mode(self, fields: QFormLayout) -> None:
        self.clip_radio = QRadioButton("C&lip (the file streams at once)", self)
        self.video_radio = QRadioButton("&Video export (the service prepares the file)", self)
        self.audio_check = QCheckBox("Include &audio", self)
        self.audio_radio = QRadioButton("Audio e&xport (sound only)", self)
        self._modes = {ExportMode.CLIP: self.clip_radio, ExportMode.VIDEO: self.video_radio, ExportMode.AUDIO: self.audio_radio}
        self._mode_group = QButtonGroup(self)
        for button in self._modes.values():
            self._mode_group.addButton(button)
        self.video_radio.setChecked(True)
        self.audio_check.setChecked(self.camera.is_audio_granted)
        self._mode_group.buttonToggled.connect(lambda _b, on: on and self._on_mode_changed())
        self.audio_check.toggled.connect(lambda _on: self._validate())
        video_row = QHBoxLayout()
        video_row.addWidget(self.video_radio)
        video_row.addWidget(self.audio_check)
        video_row.addStretch(1)
        modes = QVBoxLayout()
        modes.addWidget(self.clip_radio)
        modes.addLayout(video_row)
        modes.addWidget(self.audio_radio)
        self.estimate_label = QLabel("", self)
        self.estimate_label.setObjectName("exportEstimate")
        self.estimate_label.setWordWrap(True)
        fields.addRow("Mode:", modes)
        fields.addRow("Size:", self.estimate_label)

    def _build_output(self, fields: QFormLayout) -> None:
        saved = self.settings.value(FOLDER_KEY, "", str)
        self.folder_edit = QLineEdit(saved or str(default_export_folder()), self)
        self.folder_edit.setAccessibleName("Folder")
        self.browse_button = QPushButton("&Browse…", self)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("File name")
        self.name_edit.setObjectName("exportFileName")
        self.names_note = quiet(QLabel("The other cameras' files: their title and the start time.", self))
        self.evidence_check = QCheckBox("Evidence &package: a JSON sidecar with the details and SHA-256 checksums", self)
        self.evidence_check.setChecked(True)
        self.evidence_check.clicked.connect(self._on_evidence_clicked)
        self.folder_edit.textChanged.connect(lambda _t: self._validate())
        self.name_edit.textChanged.connect(lambda _t: self._validate())
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        fields.addRow(self._buddy("&Folder:", self.folder_edit), folder_row)
        fields.addRow(self._buddy("File na&me:", self.name_edit), self.name_edit)
        fields.addRow("", self.names_note)
        fields.addRow("", self.evidence_check)

    def _build_advanced(self, fields: QFormLayout) -> None:
        self.advanced_button = QToolButton(self)
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setAutoRaise(True)
        self.advanced = QWidget(self)
        self.callback_edit = QLineEdit(self.advanced)
        self.callback_edit.setObjectName("exportCallbackUrl")
        self.callback_edit.setAccessibleName("Callback URL")
        self.callback_edit.setPlaceholderText("https://… (optional: the service posts the export's status there)")
        advanced = QFormLayout(self.advanced)
        advanced.setContentsMargins(0, 0, 0, 0)
        advanced.addRow("Callback &URL:", self.callback_edit)
        self.advanced.hide()
        self.advanced_button.toggled.connect(self._on_advanced_toggled)
        self.callback_edit.textChanged.connect(lambda _t: self._validate())
        fields.addRow(self.advanced_button)
        fields.addRow(self.advanced)

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text, self)  # a row holding a layout gets no buddy of its own: Alt+S
        label.setBuddy(widget)
        return label

    # --- the form's values ----------------------------------------------------------------------

    def chosen_cameras(self) -> list[Camera]:
        items = (self.camera_list.item(row) for row in range(self.camera_list.count()))
        return [item.data(CAMERA_ROLE) for item in items if item.checkState() == Qt.CheckState.Checked]

    def set_camera_checked(self, camera_id: str, checked: bool) -> None:
        for row in range(self.camera_list.count()):
            item = self.camera_list.item(row)
            if item.data(CAMERA_ROLE).id == camera_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def mode(self) -> ExportMode:
        return next((mode for mode, button in self._modes.items() if button.isChecked()), ExportMode.VIDEO)

    def set_mode(self, mode: ExportMode) -> None:
        self._modes[mode].setChecked(True)

    def range(self) -> tuple[float, float]:
        return self.range_fields.start, self.range_fields.end

    def set_range(self, start: float, end: float) -> None:
        self.range_fields.set_range(start, end)

    def form(self) -> ExportForm:
        cameras = self.chosen_cameras()
        archive = {}
        if self.range_fields.end > self.range_fields.start:
            archive = {c.id: self._archive_seconds(c.id, *self.range()) for c in cameras}
        folder = self.folder_edit.text().strip()
        return ExportForm(
            cameras=tuple(cameras),
            start=self.range_fields.start,
            end=self.range_fields.end,
            mode=self.mode(),
            folder=Path(folder).expanduser() if folder else None,
            file_name=self.name_edit.text(),
            audio=self.audio_check.isChecked() and self.audio_check.isEnabled(),
            evidence=self.evidence_check.isChecked(),
            callback_url=self.callback_edit.text(),
            archive=archive,
            sizes=self._sizes,
            tz=self._tz,
        )

    def _shown_camera_archive_seconds(self, camera_id: str, a: float, b: float) -> float | None:
        """What the timeline of the camera on screen knows; nothing of the others."""
        shown = self.view.camera
        return self.view.timeline_data.archive_seconds(a, b) if shown is not None and shown.id == camera_id else None

    def refusal(self) -> Refusal | None:
        return self.form().refusal(self._clock())

    def problem_text(self) -> str:
        return self.problem_label.text() if self.problem_label.isVisible() else ""

    # --- Export ---------------------------------------------------------------------------------

    def accept(self) -> None:
        form = self.form()
        refusal = form.refusal(self._clock())
        if refusal is not None:  # Enter while the form is refused: say it, send nothing
            self._show_refusal(refusal)
            return
        ids = [self.exports.submit(request).id for request in form.requests()]
        if form.folder is not None:
            self.settings.setValue(FOLDER_KEY, str(form.folder))
        self.submitted.emit(ids)
        super().accept()

    def done(self, result: int) -> None:
        self._estimate_timer.stop()
        self.estimator.close()  # a size still being asked: its answer is dropped with the dialog
        super().done(result)

    # --- reactions ------------------------------------------------------------------------------

    def _on_range_changed(self) -> None:
        self._sizes, self._size_problem = {}, ""  # the estimate was for another range
        self._update_names()
        self._estimate_timer.start()  # restarted by each change: asked once the range settles
        self._validate()

    def _on_cameras_changed(self) -> None:
        chosen = self.chosen_cameras()
        self.names_note.setVisible(len(chosen) > 1)
        self._update_names()
        self._update_permissions()
        self._estimate_timer.start()
        self._validate()

    def _on_mode_changed(self) -> None:
        mode = self.mode()
        if not self._evidence_touched:
            self.evidence_check.setChecked(mode is ExportMode.VIDEO)  # the issue: on by default for video
        self._update_names()
        self._update_permissions()
        self._validate()

    def _on_evidence_clicked(self, _checked: bool) -> None:
        self._evidence_touched = True

    def _on_advanced_toggled(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        if shown:
            self.callback_edit.setFocus()
        self.adjustSize()

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _update_names(self) -> None:
        first = (self.chosen_cameras() or [self.camera])[0]  # a typed name is the first checked camera's
        self.name_edit.setPlaceholderText(default_file_name(first, self.range_fields.start, self.mode(), self._tz))
        typed = self.name_edit.text().strip()
        if typed:  # the extension follows the mode, never what was typed
            stem = typed.rsplit(".", 1)[0] if typed.lower().endswith((".mp4", ".m4a", ".mp3")) else typed
            wanted = stem + self.mode().suffix
            if wanted != typed:
                self.name_edit.setText(wanted)

    def _update_permissions(self) -> None:
        """Audio needs the audio grant of every chosen camera: what is not permitted is off, and
        its tooltip says why."""
        cameras = self.chosen_cameras() or [self.camera]
        denied = next((c for c in cameras if not c.is_audio_granted), None)
        reason = "" if denied is None else f"Not permitted: this key has no audio grant for “{denied.title}”"
        for widget in (self.audio_radio, self.audio_check):
            widget.setEnabled(denied is None)
            widget.setToolTip(reason)
        if denied is not None and self.audio_radio.isChecked():
            self.video_radio.setChecked(True)
        # The box belongs to the video export: a clip or an audio export asks nothing of it.
        self.audio_check.setEnabled(denied is None and self.video_radio.isChecked())

    def _ask_estimate(self) -> None:
        cameras = [c for c in self.chosen_cameras() if c.has_archive_access]
        duration = self.range_fields.duration
        if not cameras or duration <= 0 or duration > rules.MAX_EXPORT_SECONDS:
            self._show_estimate()
            return
        self.estimate_label.setText("Estimating…")
        self.estimator.estimate(cameras, self.range_fields.start, duration)

    def _on_estimator_answered(self, answer: SizeAnswer) -> None:
        if not answer.matches(self.range_fields.start, self.range_fields.duration):
            return  # for a range since changed: the next answer is on its way
        self._sizes, self._size_problem = dict(answer.sizes), answer.problem
        self._show_estimate()
        self._validate()

    def _show_estimate(self) -> None:
        cameras = self.chosen_cameras()
        size = total_size(self._sizes, [c.id for c in cameras])
        text = estimate_text(size, self._speed, self.mode(), len(cameras))
        self.estimate_label.setText(text or self._size_problem or "—")

    def _validate(self) -> None:
        refusal = self.refusal()
        self.export_button.setEnabled(refusal is None)
        self._show_refusal(refusal)
        if self._sizes:
            self._show_estimate()  # the mode or the cameras changed what it says

    def _show_refusal(self, refusal: Refusal | None) -> None:
        self.problem_label.setText("" if refusal is None else refusal.text)
        self.problem_label.setVisible(refusal is not None)


def open_export_dialog(
    view: CameraView,
    exports,
    settings: QSettings,
    *,
    selection: tuple[float, float] | None = None,
    event: Event | None = None,
    pre_roll: float = 5.0,
    speed: float | None = None,
    layout_cameras: Sequence[Camera] | None = None,
    archive_seconds: ArchiveSeconds | None = None,
    parent: QWidget | None = None,
) -> ExportDialog | None:
    """E: the dialog for the camera on screen (None, and a note, when there is no camera).
    Window-modal and non-blocking (open()); it deletes itself when closed.

    From a layout: `view` is the selected tile's (any tile with a camera), `selection` the
    layout timeline's, `layout_cameras` the layout's cameras and `archive_seconds` the layout
    timeline's (LayoutTimelineSource.archive_seconds): one range, one job per checked camera."""
    if view.camera is None:
        view.session.messages.info("Select a camera to export from it.")
        return None
    start, end = export_range(view, selection=selection, event=event, pre_roll=pre_roll)
    dialog = ExportDialog(
        view, exports, settings, start=start, end=end, cameras=view.session.cameras(), speed=speed,
        layout_cameras=layout_cameras, archive_seconds=archive_seconds, parent=parent,
    )  # fmt: skip
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def _unique(cameras: Sequence[Camera]) -> list[Camera]:
    """In order, each camera once (a layout may show one camera on two tiles)."""
    seen: set[str] = set()
    return [c for c in cameras if not (c.id in seen or seen.add(c.id))]
