"""Timeline math without Qt: scale, ticks, archive intervals, event binning, selection, and the
thumbnail bucket grid. The widget in `ui/timeline_widget.py` only paints what these compute."""

from faceter_viewer.core.timeline.events_binning import Cells, EventSeries, bin_events, group_cells
from faceter_viewer.core.timeline.intervals import ArchiveIntervals, PixelSpans
from faceter_viewer.core.timeline.scale import MAX_SPAN, MIN_SPAN, TimeScale
from faceter_viewer.core.timeline.selection import Handle, Selection, SelectionState, hit_test, make_selection
from faceter_viewer.core.timeline.thumbnail_grid import ThumbnailGrid, grid_for_scale, nice_step
from faceter_viewer.core.timeline.ticks import TickSet, compute_ticks, tick_times

__all__ = [
    "MAX_SPAN",
    "MIN_SPAN",
    "ArchiveIntervals",
    "Cells",
    "EventSeries",
    "Handle",
    "PixelSpans",
    "Selection",
    "SelectionState",
    "ThumbnailGrid",
    "TickSet",
    "TimeScale",
    "bin_events",
    "compute_ticks",
    "grid_for_scale",
    "group_cells",
    "hit_test",
    "make_selection",
    "nice_step",
    "tick_times",
]
