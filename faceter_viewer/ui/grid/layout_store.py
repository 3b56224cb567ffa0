"""The saved layouts in QSettings, as JSON text: the named ones ("layouts/named", a list) and
the one on screen when the window closed ("layouts/current").

Whatever the settings file holds, reading it never fails the start: an unreadable entry is left
out with a warning in the log (core/layouts.py says why), and the window starts without it.
"""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QSettings

from faceter_viewer.core.layouts import Layout, parse_layouts

log = logging.getLogger("faceter_viewer.ui.grid.layout_store")

NAMED_KEY = "layouts/named"
CURRENT_KEY = "layouts/current"


class LayoutStore:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def named(self) -> list[Layout]:
        data = self._read(NAMED_KEY)
        if data is None:
            return []
        layouts, problems = parse_layouts(data)
        for problem in problems:
            log.warning("a saved layout was left out: %s", problem)
        return layouts

    def save_named(self, layouts: list[Layout]) -> None:
        self.settings.setValue(NAMED_KEY, json.dumps([layout.to_dict() for layout in layouts]))

    def current(self) -> Layout | None:
        data = self._read(CURRENT_KEY)
        if data is None:
            return None
        try:
            return Layout.from_dict(data)
        except ValueError as exc:
            log.warning("the layout saved at the last exit was left out: %s", exc)
            return None

    def save_current(self, layout: Layout) -> None:
        self.settings.setValue(CURRENT_KEY, json.dumps(layout.to_dict()))

    def _read(self, key: str) -> object | None:
        text = self.settings.value(key, "")
        if not text:
            return None
        if not isinstance(text, str):
            log.warning("the saved layouts (%s) are not text: %r", key, type(text).__name__)
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            log.warning("the saved layouts (%s) are not JSON: %s", key, exc)
            return None
