"""The timeline of a layout: the union of its tiles' archive, their events, a thin track per camera.

`LayoutTimelineSource` stands where one camera's TimelineDataService stands for the player's
timeline. The TimelineWidget follows it (`TimelineWidget.follow_source`) and asks it for every
range it shows; `request_range` is fanned out to each tile's own TimelineDataService, which loads
and caches its camera's chunks on the session's shared pool as it does for one camera (latest
wins per tile; a tile that is quick shows before a slow one). What it says (GUI thread):

    intervals_changed(starts, ends)        the UNION of the tiles' intervals
                                           (ArchiveIntervals.union, the app's one merge): where
                                           at least one tile has archive, a click plays something
    events_changed(times, codes, names)    every tile's events in one series, types matched by
                                           name (EventSeries.merged): the glyphs say where
                                           something happened in the room, whichever camera saw it
    tracks_changed(list[Track])            per camera, in tile order, its own intervals: the thin
                                           tracks under the bar (the widget's show_tracks)
    note_changed(str)                      "Loading…" while nothing is shown yet; a layout whose
                                           cameras all lack archive access says so
    loading_changed(bool)                  a tile is loading / all done

The tiles are the layout's VISIBLE ones (`set_views`, in tile order, None for an empty tile): a
hidden tile neither decodes nor counts on the timeline (call `set_views` again when the tiles
change, before a tile's view is deleted). A camera on two tiles counts once. The
tiles answer one by one; what they say is gathered for one event-loop turn (a zero-delay
timer), so sixteen tiles answering together cost one union and one repaint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.core.timeline.events_binning import EventSeries
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.services.camera_view import CameraView

LOADING_NOTE = "Loading…"
NO_ACCESS_NOTE = "No archive access for the cameras of this layout: events only"


@dataclass(frozen=True, eq=False)
class Track:
    """One camera's line under the layout's bar."""

    camera_id: str
    title: str
    intervals: ArchiveIntervals
    has_archive: bool  # False: this key has no archive access to it (an empty track, not a gap)

    def same_as(self, other: Track) -> bool:
        return (
            (self.camera_id, self.title, self.has_archive) == (other.camera_id, other.title, other.has_archive)
            and np.array_equal(self.intervals.starts, other.intervals.starts)
            and np.array_equal(self.intervals.ends, other.intervals.ends)
        )


class LayoutTimelineSource(QObject):
    intervals_changed = Signal(object, object)
    events_changed = Signal(object, object, list)
    tracks_changed = Signal(list)
    note_changed = Signal(str)
    loading_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views: list[CameraView] = []
        self._range: tuple[float, float] | None = None
        self._intervals = ArchiveIntervals.empty()
        self._events = EventSeries.empty()
        self._tracks: list[Track] = []
        self._note = ""
        self._loading = False
        self._active = True
        self._dirty_intervals = self._dirty_events = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)

    # --- the tiles ------------------------------------------------------------------------------

    def set_views(self, views: Sequence[CameraView | None]) -> None:
        """The layout's visible tiles in order (None: an empty tile). New ones are asked for the
        range shown at once; those gone are let go (their own services stay theirs)."""
        wanted: list[CameraView] = []
        for view in views:
            if view is not None and all(view is not w for w in wanted):
                wanted.append(view)
        for view in self._views:
            if all(view is not w for w in wanted):
                self._disconnect(view)
        for view in wanted:
            if all(view is not v for v in self._views):
                self._connect(view)
                view.timeline_data.set_active(self._active)
                if self._range is not None:
                    view.timeline_data.request_range(*self._range)
        self._views = wanted
        self._mark_dirty(intervals=True, events=True)

    def views(self) -> list[CameraView]:
        return list(self._views)

    def _connect(self, view: CameraView) -> None:
        data = view.timeline_data
        data.intervals_changed.connect(self._on_tile_intervals_changed)
        data.events_changed.connect(self._on_tile_events_changed)
        data.loading_changed.connect(self._on_tile_loading_changed)
        view.camera_changed.connect(self._on_tile_camera_changed)
        view.status_changed.connect(self._on_tile_camera_changed)  # grants may change: the note, the track

    def _disconnect(self, view: CameraView) -> None:
        data = view.timeline_data
        try:
            data.intervals_changed.disconnect(self._on_tile_intervals_changed)
            data.events_changed.disconnect(self._on_tile_events_changed)
            data.loading_changed.disconnect(self._on_tile_loading_changed)
            view.camera_changed.disconnect(self._on_tile_camera_changed)
            view.status_changed.disconnect(self._on_tile_camera_changed)
        except RuntimeError:  # the view was deleted first: its connections went with it
            pass

    # --- what the widget asks --------------------------------------------------------------------

    def request_range(self, start: float, end: float) -> None:
        """The visible range changed: every tile loads it (never blocks)."""
        if not end > start:
            return
        self._range = (float(start), float(end))
        for view in self._views:
            view.timeline_data.request_range(start, end)

    def set_active(self, active: bool) -> None:
        """Refresh the chunk holding "now" only while the layout's timeline is shown."""
        self._active = active
        for view in self._views:
            view.timeline_data.set_active(active)

    def retry(self) -> None:
        for view in self._views:
            view.timeline_data.retry()

    # --- what it says ----------------------------------------------------------------------------

    @property
    def intervals(self) -> ArchiveIntervals:
        return self._intervals

    @property
    def events(self) -> EventSeries:
        return self._events

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracks)

    @property
    def note(self) -> str:
        return self._note

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def idle(self) -> bool:
        """Every tile has loaded what the range needs, and all of it is said."""
        return not self._flush_timer.isActive() and all(v.timeline_data.idle for v in self._views)

    def playable_from(self, t: float) -> float | None:
        """Where the layout's archive can be played from t: t when a tile has archive there, else
        the earliest next recording of any tile; None when none is known."""
        found = [p for v in self._views if (p := v.timeline_data.playable_from(t)) is not None]
        return min(found) if found else None

    def archive_seconds(self, camera_id: str, a: float, b: float) -> float | None:
        """Seconds of [a, b) recorded by this camera of the layout, from what its tile loaded
        (None: not known; the export dialog asks this for each camera it offers)."""
        for view in self._views:
            if view.camera is not None and view.camera.id == camera_id:
                return view.timeline_data.archive_seconds(a, b)
        return None

    def close(self) -> None:
        """Let the tiles go (the tiles' services are the layout's to close)."""
        self._flush_timer.stop()
        for view in self._views:
            self._disconnect(view)
        self._views = []

    # --- gathering -------------------------------------------------------------------------------

    def _on_tile_intervals_changed(self, _starts, _ends) -> None:
        self._mark_dirty(intervals=True)

    def _on_tile_events_changed(self, _times, _codes, _names) -> None:
        self._mark_dirty(events=True)

    def _on_tile_loading_changed(self, _loading: bool) -> None:
        self._mark_dirty()

    def _on_tile_camera_changed(self, _value) -> None:
        self._mark_dirty(intervals=True, events=True)

    def _mark_dirty(self, *, intervals: bool = False, events: bool = False) -> None:
        self._dirty_intervals |= intervals
        self._dirty_events |= events
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _shown_tiles(self) -> list[CameraView]:
        """One tile per camera (the first), tiles without a camera left out."""
        seen: set[str] = set()
        tiles = []
        for view in self._views:
            camera = view.camera
            if camera is not None and camera.id not in seen:
                seen.add(camera.id)
                tiles.append(view)
        return tiles

    def _flush(self) -> None:
        tiles = self._shown_tiles()
        if self._dirty_intervals:
            self._dirty_intervals = False
            self._update_intervals(tiles)
        if self._dirty_events:
            self._dirty_events = False
            events = EventSeries.merged([v.timeline_data.shown_event_series() for v in tiles])
            if not _same_events(events, self._events):
                self._events = events
                self.events_changed.emit(events.times, events.codes, list(events.type_names))
        loading = any(v.timeline_data.loading for v in tiles)
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)
        self._update_note(tiles)

    def _update_intervals(self, tiles: list[CameraView]) -> None:
        tracks = [
            Track(v.camera.id, v.camera.title, v.timeline_data.shown_intervals, v.camera.has_archive_access)
            for v in tiles
            if v.camera is not None
        ]
        union = ArchiveIntervals.union([track.intervals for track in tracks])
        if not (np.array_equal(union.starts, self._intervals.starts) and np.array_equal(union.ends, self._intervals.ends)):
            self._intervals = union
            self.intervals_changed.emit(union.starts, union.ends)
        if len(tracks) != len(self._tracks) or not all(a.same_as(b) for a, b in zip(tracks, self._tracks, strict=False)):
            self._tracks = tracks
            self.tracks_changed.emit(list(tracks))

    def _update_note(self, tiles: list[CameraView]) -> None:
        cameras = [v.camera for v in tiles if v.camera is not None]
        if cameras and not any(c.has_archive_access for c in cameras):
            note = NO_ACCESS_NOTE
        elif self._loading and len(self._intervals) == 0:
            note = LOADING_NOTE
        else:
            note = ""
        if note != self._note:
            self._note = note
            self.note_changed.emit(note)


def _same_events(a: EventSeries, b: EventSeries) -> bool:
    return a.type_names == b.type_names and np.array_equal(a.times, b.times) and np.array_equal(a.codes, b.codes)
