"""The details of the selected camera: model, firmware, serial, archive, permissions…"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

if TYPE_CHECKING:  # pydantic loads with the API client, after the window is shown
    from faceter_viewer.api.models import Camera


_FIELDS = (
    ("state", "State"),
    ("platform", "Platform"),
    ("model", "Model"),
    ("firmware", "Firmware"),
    ("application", "Application version"),
    ("serial", "Serial number"),
    ("archive", "Archive"),
    ("last_online", "Last online"),
    ("permissions", "Permissions"),
    ("temp_access", "Temporary access"),
)


def _when(value) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def describe_camera(camera: Camera) -> dict[str, str]:
    """The text of each field, for the panel and for tests."""
    permissions = [
        name
        for name, granted in (
            ("owner", camera.is_owner),
            ("full access", camera.is_full_access),
            ("archive", camera.is_archive_granted),
            ("audio", camera.is_audio_granted),
        )
        if granted
    ]
    return {
        "state": "Online" if camera.is_online else f"Offline since {_when(camera.last_online_date)}",
        "platform": camera.platform or "—",
        "model": camera.camera_model or "—",
        "firmware": camera.firmware_version or "—",
        "application": camera.application_version or "—",
        "serial": camera.serial_number or "—",
        "archive": f"{camera.archive_days} days" if camera.is_archive_granted else "no access",
        "last_online": _when(camera.last_online_date),
        "permissions": ", ".join(permissions) or "view only",
        "temp_access": f"until {_when(camera.temp_access_expiry_date)}" if camera.temp_access_expiry_date else "—",
    }


class CameraDetails(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel("No camera selected", self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        layout = QFormLayout(self)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addRow(self.title_label)
        self.values: dict[str, QLabel] = {}
        for key, label in _FIELDS:
            value = QLabel("—", self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.values[key] = value
            layout.addRow(label + ":", value)

    def show_camera(self, camera: Camera | None) -> None:
        if camera is None:
            self.title_label.setText("No camera selected")
            for value in self.values.values():
                value.setText("—")
            return
        self.title_label.setText(camera.title)
        for key, text in describe_camera(camera).items():
            self.values[key].setText(text)
