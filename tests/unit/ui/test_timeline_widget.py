"""TimelineWidget: signals for real mouse/wheel/key input (QTest), zoom anchoring, selection,
and what it paints, read back from grab() pixels."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from faceter_viewer.api.models import EventType
from faceter_viewer.core.timeline.thumbnail_grid import grid_for_scale
from faceter_viewer.ui.jump_dialog import JumpDialog
from faceter_viewer.ui.timeline_legend import Shape, glyph_tiles, type_style
from faceter_viewer.ui.timeline_overlay import legend_chip_rect
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.services.layout_timeline import LayoutTimelineSource, Track
from faceter_viewer.ui.timeline_painter import CELL_PX, COLORS, GLYPH_PX, TimelineLayout
from faceter_viewer.ui.timeline_widget import FOCUS_FRAME_PX, KEY_ZOOM, WHEEL_ZOOM_PER_NOTCH, TimelineWidget

BERLIN = ZoneInfo("Europe/Berlin")
T0 = 1_776_000_000.0  # 2026-04-12 13:20 UTC
NOW = T0 + 5000
WIDTH = 1000
Y = 60  # a row on the archive bar, away from the cursor knob and the day row


@pytest.fixture
def timeline(qtbot):
    widget = TimelineWidget(tz=BERLIN, now=NOW)
    qtbot.addWidget(widget)
    widget.set_visible_range(T0, T0 + 1000)  # 1 s per pixel at 1000 px
    widget.resize(WIDTH, 104)
    widget.show()
    qtbot.waitExposed(widget)
    # Its keys (ui/actions.py) act while it has the keyboard focus, as for a user.
    widget.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=3000)
    assert widget.visible_range() == (T0, T0 + 1000)
    return widget


def record(signal):
    received = []
    signal.connect(lambda *args: received.append(args))
    return received


def wheel(widget, x, notches=1.0, horizontal=False):
    delta = QPoint(int(120 * notches), 0) if horizontal else QPoint(0, int(120 * notches))
    position = QPointF(x, Y)
    event = QWheelEvent(
        position,
        widget.mapToGlobal(position),
        QPoint(0, 0),
        delta,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def rgb(value: int) -> str:
    return QColor.fromRgba(value).name()


def pixel(widget, x, y) -> str:
    return widget.grab().toImage().pixelColor(x, y).name()


# --- input → signals ---------------------------------------------------------------------------


def test_click_reports_the_time_under_the_mouse(qtbot, timeline):
    with qtbot.waitSignal(timeline.position_clicked) as blocker:
        QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(250, Y))
    assert blocker.args[0] == pytest.approx(T0 + 250)
    assert timeline.cursor_time() == pytest.approx(T0 + 250)


def test_left_drag_pans_without_clicking(qtbot, timeline):
    clicks = record(timeline.position_clicked)
    ranges = record(timeline.visible_range_changed)
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(400, Y))
    for x in (390, 360, 330, 300):
        QTest.mouseMove(timeline, QPoint(x, Y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(300, Y))
    assert timeline.visible_range() == pytest.approx((T0 + 100, T0 + 1100))
    assert clicks == []
    qtbot.waitUntil(lambda: bool(ranges) and not timeline._range_timer.isActive())
    assert ranges == [pytest.approx((T0 + 100, T0 + 1100))]  # coalesced: one signal for the drag


def test_wheel_zooms_anchored_at_the_mouse(qtbot, timeline):
    anchor = timeline.scale.to_time(300)
    wheel(timeline, 300, notches=1)
    assert timeline.scale.span == pytest.approx(1000 / WHEEL_ZOOM_PER_NOTCH)
    assert timeline.scale.to_time(300) == pytest.approx(anchor, abs=1e-4)
    wheel(timeline, 300, notches=-2)
    assert timeline.scale.span == pytest.approx(1000 * WHEEL_ZOOM_PER_NOTCH)
    assert timeline.scale.to_time(300) == pytest.approx(anchor, abs=1e-4)
    start = timeline.scale.start
    wheel(timeline, 300, notches=1, horizontal=True)
    assert timeline.scale.start < start  # a horizontal swipe pans


def test_zoom_is_limited_to_one_minute_and_thirty_days(timeline):
    for _ in range(30):
        wheel(timeline, 500, notches=1)
    assert timeline.scale.span == pytest.approx(60)
    for _ in range(60):
        wheel(timeline, 500, notches=-1)
    assert timeline.scale.span == pytest.approx(30 * 86400)


def test_many_changes_in_one_turn_emit_one_visible_range(qtbot, timeline):
    ranges = record(timeline.visible_range_changed)
    for _ in range(10):
        wheel(timeline, 100, notches=0.5)
    qtbot.waitUntil(lambda: bool(ranges) and not timeline._range_timer.isActive())
    assert ranges == [pytest.approx(timeline.visible_range())]


def test_plus_minus_zoom_at_the_cursor(timeline):
    timeline.set_cursor(T0 + 700)
    QTest.keyClick(timeline, Qt.Key.Key_Plus)
    assert timeline.scale.span == pytest.approx(1000 / KEY_ZOOM)
    assert timeline.scale.to_x(T0 + 700) == pytest.approx(700)
    QTest.keyClick(timeline, Qt.Key.Key_Minus)
    QTest.keyClick(timeline, Qt.Key.Key_Minus)
    assert timeline.scale.span == pytest.approx(1000 * KEY_ZOOM)
    assert timeline.scale.to_x(T0 + 700) == pytest.approx(700)


def test_arrows_and_page_keys_pan(timeline):
    QTest.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.visible_range() == pytest.approx((T0 + 100, T0 + 1100))
    QTest.keyClick(timeline, Qt.Key.Key_Left)
    QTest.keyClick(timeline, Qt.Key.Key_Left)
    assert timeline.visible_range() == pytest.approx((T0 - 100, T0 + 900))
    QTest.keyClick(timeline, Qt.Key.Key_PageDown)
    assert timeline.visible_range() == pytest.approx((T0 + 900, T0 + 1900))
    QTest.keyClick(timeline, Qt.Key.Key_PageUp)
    assert timeline.visible_range() == pytest.approx((T0 - 100, T0 + 900))


def test_double_click_zooms_out_around_the_mouse(timeline):
    QTest.mouseDClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(200, Y))
    assert timeline.scale.span == pytest.approx(2000)
    assert timeline.scale.to_time(200) == pytest.approx(T0 + 200)


def test_dragging_the_cursor_scrubs(qtbot, timeline):
    timeline.set_cursor(T0 + 500)
    moved, released, clicks = record(timeline.scrub_moved), record(timeline.scrub_released), record(timeline.position_clicked)
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(503, 5))  # within the grab distance
    for x in (520, 560, 600):
        QTest.mouseMove(timeline, QPoint(x, 5))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(600, 5))
    assert [args[0] for args in moved] == pytest.approx([T0 + 520, T0 + 560, T0 + 600])
    assert released == [pytest.approx((T0 + 600,))]
    assert clicks == []
    assert timeline.visible_range() == (T0, T0 + 1000)  # scrubbing does not pan
    assert timeline.cursor_time() == pytest.approx(T0 + 600)


def test_clicking_the_cursor_without_moving_is_a_click(qtbot, timeline):
    timeline.set_cursor(T0 + 500)
    with qtbot.waitSignal(timeline.position_clicked) as blocker:
        QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(502, Y))
    assert blocker.args == [pytest.approx(T0 + 502)]


def test_hover_and_leave(qtbot, timeline):
    with qtbot.waitSignal(timeline.hovered) as blocker:
        QTest.mouseMove(timeline, QPoint(321, Y))
    assert blocker.args == [pytest.approx(T0 + 321), pytest.approx(321)]
    with qtbot.waitSignal(timeline.hover_left):
        QApplication.sendEvent(timeline, QEvent(QEvent.Type.Leave))


def test_shift_drag_selects_and_escape_clears(qtbot, timeline):
    changes = record(timeline.selection_changed)
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, QPoint(600, Y))
    QTest.mouseMove(timeline, QPoint(450, Y))
    QTest.mouseMove(timeline, QPoint(300, Y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, QPoint(300, Y))
    assert changes[-1] == pytest.approx((T0 + 300, T0 + 600))
    assert timeline.selection().duration == pytest.approx(300)
    assert timeline.visible_range() == (T0, T0 + 1000)  # no pan
    QTest.keyClick(timeline, Qt.Key.Key_Escape)
    assert timeline.selection() is None
    assert all(math.isnan(v) for v in changes[-1])


def test_selection_edges_can_be_dragged(timeline):
    timeline.set_selection(T0 + 200, T0 + 400)
    changes = record(timeline.selection_changed)
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(402, Y))
    QTest.mouseMove(timeline, QPoint(450, Y))
    QTest.mouseMove(timeline, QPoint(500, Y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(500, Y))
    assert changes[-1] == pytest.approx((T0 + 200, T0 + 500))
    # The start edge, dragged past the end, becomes the end.
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(199, Y))
    QTest.mouseMove(timeline, QPoint(700, Y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(700, Y))
    assert changes[-1] == pytest.approx((T0 + 500, T0 + 700))
    assert timeline.visible_range() == (T0, T0 + 1000)


def test_brackets_set_the_selection_at_the_cursor(timeline):
    changes = record(timeline.selection_changed)
    timeline.set_cursor(T0 + 100)
    QTest.keyClick(timeline, Qt.Key.Key_BracketLeft)
    assert changes == [] and timeline.selection() is None  # a lone start waits for its end
    timeline.set_cursor(T0 + 350)
    QTest.keyClick(timeline, Qt.Key.Key_BracketRight)
    assert changes == [pytest.approx((T0 + 100, T0 + 350))]
    timeline.set_cursor(T0 + 50)
    QTest.keyClick(timeline, Qt.Key.Key_BracketLeft)
    assert changes[-1] == pytest.approx((T0 + 50, T0 + 350))


def test_jump_to_centres_and_requests(qtbot, timeline):
    target = T0 + 86400
    with qtbot.waitSignal(timeline.jump_requested) as blocker:
        timeline.jump_to(target)
    assert blocker.args == [target]
    assert timeline.scale.center == pytest.approx(target)
    assert timeline.scale.span == pytest.approx(1000)


def test_jump_dialog_reads_local_wall_clock_and_jumps(qtbot, timeline):
    timeline.set_cursor(T0)
    timeline.open_jump_dialog()  # Ctrl+G is the window's (tests/unit/ui/test_actions.py)
    dialog = timeline._jump_dialog
    assert isinstance(dialog, JumpDialog)
    assert dialog.edit.calendarPopup()
    assert dialog.edit.text() == "2026-04-12  15:20:00"  # T0 in Berlin (CEST)
    assert dialog.selected_time() == T0
    dialog.edit.setDateTime(dialog.edit.dateTime().addSecs(3600))
    with qtbot.waitSignal(timeline.jump_requested) as blocker:
        dialog.accept()
    assert blocker.args == [T0 + 3600]
    assert timeline.scale.center == pytest.approx(T0 + 3600)


def test_jump_dialog_across_the_spring_gap_and_now(qtbot):
    dialog = JumpDialog(T0, tz=BERLIN, now=NOW)
    qtbot.addWidget(dialog)
    spring = 1_774_746_000.0  # 2026-03-29 03:00 CEST, just after the jump
    dialog.set_selected_time(spring)
    assert dialog.edit.text() == "2026-03-29  03:00:00"
    assert dialog.selected_time() == spring
    dialog.now_button.click()
    assert dialog.selected_time() == NOW


# --- data in → pixels out ----------------------------------------------------------------------


def test_archive_and_gaps_are_painted_per_column(timeline):
    timeline.set_intervals([T0 + 100, T0 + 600], [T0 + 400, T0 + 900])
    image = timeline.grab().toImage()
    rows = timeline.layout_rows()
    y = rows.archive_top + rows.archive_h // 2
    archive, gap = rgb(COLORS.archive), {rgb(COLORS.gap), rgb(COLORS.gap_hatch)}
    for x in (100, 250, 399, 600, 899):
        assert image.pixelColor(x, y).name() == archive, x
    for x in (50, 99, 400, 500, 599, 900, 950):
        assert image.pixelColor(x, y).name() in gap, x
    hatch = {image.pixelColor(x, y).name() for x in range(450, 470)}
    assert hatch == gap  # the gap is hatched, readable without colour


def test_a_dense_column_is_one_aggregated_bar_not_overdrawn_markers(timeline):
    names = [EventType.MOTION, EventType.HUMAN]
    times = np.concatenate([np.full(300, T0 + 700.5), np.full(100, T0 + 700.6), [T0 + 200.5]])
    codes = np.concatenate([np.zeros(300, int), np.ones(100, int), [1]])
    timeline.set_events(times, codes, names)
    image = timeline.grab().toImage()
    rows = timeline.layout_rows()
    motion, human = type_style(EventType.MOTION).color.name(), type_style(EventType.HUMAN).color.name()
    bottom, top = rows.hist_top + rows.hist_h - 1, rows.hist_top
    # Column 700: 400 events stacked by type, 3/4 Motion at the bottom, 1/4 Human on top.
    assert image.pixelColor(700, bottom).name() == motion
    assert image.pixelColor(700, top).name() == human
    column = [image.pixelColor(700, y).name() for y in range(top, bottom + 1)]
    assert column.count(motion) == round(rows.hist_h * 0.75)
    # The lone Human event at 200 is a short bar; empty columns stay the lane colour.
    assert image.pixelColor(200, bottom).name() == human
    assert image.pixelColor(200, top).name() == rgb(COLORS.lane)
    assert image.pixelColor(703, bottom).name() == rgb(COLORS.lane)
    # One glyph for the whole cell, of the busiest type, and the counts kept for the readout.
    layer = timeline.static_layer()
    cell = int((700 - layer.cell_x0[0]) // CELL_PX)
    assert layer.cell_counts[:, cell].tolist() == [300, 100]
    centre_x = int(layer.cell_x0[cell] + CELL_PX // 2)
    assert image.pixelColor(centre_x, rows.glyph_top + rows.glyph_h // 2).name() == motion


def test_every_type_has_its_own_shape_so_colour_is_not_needed():
    styles = [type_style(name) for name in EventType] + [type_style("SomethingNew")]
    assert len({style.shape for style in styles}) == len(styles)
    tiles = glyph_tiles(styles, QColor.fromRgba(COLORS.lane), CELL_PX, GLYPH_PX + 3, GLYPH_PX)
    # Compare silhouettes (ink vs background), ignoring colour entirely.
    silhouettes = [tuple((tile != COLORS.lane).ravel()) for tile in tiles[:-1]]
    assert len(set(silhouettes)) == len(styles)
    assert not (tiles[-1] != COLORS.lane).any()  # the empty tile


def test_unknown_types_get_the_generic_glyph_and_their_own_name(timeline):
    timeline.set_events([T0 + 10], [0], ["ThermalAlarm"])
    assert type_style("ThermalAlarm").shape is Shape.DIAMOND_OPEN
    assert type_style("ThermalAlarm").name == "ThermalAlarm"
    assert timeline.static_layer().column_counts[0, 10] == 1


def test_cursor_and_hover_repaint_without_rebuilding_the_static_layer(timeline):
    timeline.set_intervals([T0], [T0 + 1000])
    timeline.grab()
    layer = timeline.static_layer()
    rows = timeline.layout_rows()
    y = rows.archive_top + rows.archive_h // 2
    assert pixel(timeline, 300, y) == rgb(COLORS.archive)
    timeline.set_cursor(T0 + 300)
    QTest.mouseMove(timeline, QPoint(600, Y))
    image = timeline.grab().toImage()
    assert timeline.static_layer() is layer
    assert image.pixelColor(300, y).name() == "#ffffff"  # the cursor line
    assert image.pixelColor(600, y).name() not in (rgb(COLORS.archive), "#ffffff")  # the hover line
    timeline.set_intervals([T0], [T0 + 500])
    assert timeline.static_layer() is not layer


def test_selection_and_future_are_shown(timeline):
    timeline.set_intervals([T0], [T0 + 1000])
    rows = timeline.layout_rows()
    y = rows.archive_top + rows.archive_h // 2
    plain = pixel(timeline, 500, y)
    timeline.set_selection(T0 + 400, T0 + 600)
    assert pixel(timeline, 500, y) != plain
    assert pixel(timeline, 800, y) == plain
    timeline.set_now(T0 + 700)
    assert pixel(timeline, 800, y) != plain  # beyond "now" is shaded


def test_legend_toggles_from_its_chip(timeline):
    timeline.set_events([T0 + 10, T0 + 20], [0, 1], [EventType.MOTION, "ThermalAlarm"])
    before = timeline.grab().toImage()
    chip = legend_chip_rect(timeline.layout_rows(), timeline._labels)
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=chip.center().toPoint())
    assert timeline.legend_visible()
    after = timeline.grab().toImage()
    assert after != before
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=chip.center().toPoint())
    assert not timeline.legend_visible()


def test_view_follows_a_playing_cursor_off_the_right_edge(timeline):
    timeline.set_cursor(T0 + 990)
    timeline.set_cursor(T0 + 1001)
    assert timeline.scale.contains(T0 + 1001)
    assert timeline.scale.to_x(T0 + 1001) == pytest.approx(100)
    timeline.set_follow_cursor(False)
    timeline.set_cursor(T0 + 5000)
    assert not timeline.scale.contains(T0 + 5000)


def test_thumbnail_grid_follows_the_zoom(timeline):
    assert timeline.thumbnail_grid() == grid_for_scale(timeline.scale)
    assert timeline.thumbnail_grid().step == 5  # 1 s per pixel -> 4 s -> 5 s buckets
    timeline.set_visible_range(T0, T0 + 30 * 86400)
    assert timeline.thumbnail_grid().step == 10800  # 2,592 s per pixel -> 10,368 s -> 3 h


def test_a_user_resize_keeps_the_zoom(qtbot, timeline):
    timeline.resize(2000, 104)
    qtbot.waitUntil(lambda: timeline.scale.width == 2000)
    assert timeline.scale.seconds_per_pixel == pytest.approx(1.0)
    assert timeline.scale.start == pytest.approx(T0)


def test_keys_under_a_resting_mouse_report_the_new_hover_time(qtbot, timeline):
    QTest.mouseMove(timeline, QPoint(500, Y))
    with qtbot.waitSignal(timeline.hovered) as blocker:
        QTest.keyClick(timeline, Qt.Key.Key_Right)
    assert blocker.args == [pytest.approx(T0 + 600), pytest.approx(500)]


# --- focus and the note --------------------------------------------------------------------------


def _frame_pixels(widget) -> set[str]:
    """The colours of the outermost pixel ring (corners left out: antialiasing may blend)."""
    image = widget.grab().toImage()
    w, h = image.width(), image.height()
    points = [(x, 0) for x in range(4, w - 4, 37)] + [(x, h - 1) for x in range(4, w - 4, 37)]
    points += [(0, y) for y in range(4, h - 4, 9)] + [(w - 1, y) for y in range(4, h - 4, 9)]
    return {image.pixelColor(x, y).name() for x, y in points}


def test_focus_shows_a_frame_in_the_highlight_colour(qtbot, timeline):
    highlight = timeline.palette().color(QPalette.ColorRole.Highlight).name()
    assert timeline.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert timeline.hasFocus()
    assert _frame_pixels(timeline) == {highlight}
    timeline.clearFocus()
    qtbot.waitUntil(lambda: not timeline.hasFocus())
    assert highlight not in _frame_pixels(timeline)


def test_a_click_gives_the_timeline_focus(qtbot, timeline):
    timeline.clearFocus()
    qtbot.waitUntil(lambda: not timeline.hasFocus())
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(300, Y))
    assert timeline.hasFocus()


def test_a_note_is_painted_over_the_tracks_and_hidden_again(timeline):
    layout = timeline.layout_rows()

    def tracks():
        image = timeline.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        return image.copy(FOCUS_FRAME_PX + 1, layout.hist_top, WIDTH - 2 * FOCUS_FRAME_PX - 2, layout.hist_h)

    plain = tracks()
    timeline.set_note("No archive access")
    assert timeline.note() == "No archive access"
    noted = tracks()
    assert noted != plain
    # muted: the caption's pixels are grey, not a colour of the palette's accents
    changed = {noted.pixelColor(x, y).name() for x in range(noted.width()) for y in range(noted.height()) if noted.pixel(x, y) != plain.pixel(x, y)}
    assert changed and all(abs(QColor(c).red() - QColor(c).blue()) < 40 for c in changed)
    timeline.set_note("")
    assert tracks() == plain


def test_ctrl_g_is_no_longer_the_timelines_own(qtbot, timeline):
    """Ctrl+G is a window command (it works whatever has focus): the timeline leaves it alone."""
    QTest.keyClick(timeline, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert timeline._jump_dialog is None


def test_jump_dialog_takes_a_typed_time_and_refuses_what_is_not_one(qtbot):
    dialog = JumpDialog(T0, tz=BERLIN, now=NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.typed.text() == "2026-04-12 15:20:00" and dialog.typed.selectedText() == dialog.typed.text()
    QTest.keyClicks(dialog.typed, "12:05")  # replaces the selection: a time on that day
    assert dialog.selected_time() == T0 - (3 * 3600 + 15 * 60)
    assert dialog.ok_button.isEnabled() and dialog.problem.isHidden()
    dialog.typed.selectAll()
    QTest.keyClicks(dialog.typed, "lunch")
    assert not dialog.ok_button.isEnabled() and "not a date and time" in dialog.problem.text()
    with qtbot.assertNotEmitted(dialog.time_chosen):
        QTest.keyClick(dialog.typed, Qt.Key.Key_Return)  # refused in place: the dialog stays
    assert dialog.isVisible()


# --- honest controls: the playhead, never the future, now in sight while live ---------------------


def test_ctrl_g_proposes_now_while_live_and_refuses_a_future_time(qtbot, timeline):
    timeline.set_visible_range(NOW - 600, NOW + 400)  # the view's middle lies in the future
    timeline.open_jump_dialog()
    dialog = timeline._jump_dialog
    assert dialog.selected_time() == NOW  # no cursor (live): now, not the view's middle
    dialog.typed.selectAll()
    future = local_text(NOW + 420)  # 7 minutes ahead
    QTest.keyClicks(dialog.typed, future)
    assert not dialog.ok_button.isEnabled() and "in the future" in dialog.problem.text()
    with qtbot.assertNotEmitted(timeline.jump_requested):
        QTest.keyClick(dialog.typed, Qt.Key.Key_Return)
    assert dialog.isVisible()
    # The calendar field is refused the same way; the Now button is fine.
    dialog.set_selected_time(NOW + 3600)
    assert not dialog.ok_button.isEnabled() and "in the future" in dialog.problem.text()
    dialog.now_button.click()
    assert dialog.ok_button.isEnabled() and dialog.problem.isHidden()
    with qtbot.waitSignal(timeline.jump_requested) as blocker:
        dialog.accept()
    assert blocker.args == [NOW]


def test_ctrl_g_proposes_the_cursor_while_the_archive_plays(qtbot, timeline):
    timeline.set_cursor(T0 + 123)
    timeline.open_jump_dialog()
    assert timeline._jump_dialog.selected_time() == T0 + 123
    timeline._jump_dialog.reject()


def local_text(t: float) -> str:
    from faceter_viewer.core.timeline.localtime import local_datetime

    return local_datetime(t, BERLIN).strftime("%Y-%m-%d %H:%M:%S")


def test_brackets_mark_at_the_playhead_not_the_view_centre_and_never_past_now(timeline):
    changes = record(timeline.selection_changed)
    timeline.set_visible_range(NOW - 700, NOW + 300)  # centre: NOW - 200
    timeline.set_cursor(NOW - 500)  # the archive plays there
    QTest.keyClick(timeline, Qt.Key.Key_BracketLeft)
    timeline.set_cursor(None)  # live: the playhead is now
    QTest.keyClick(timeline, Qt.Key.Key_BracketRight)
    assert changes == [pytest.approx((NOW - 500, NOW))]
    # A cursor that ran past now (a clock a little behind) still marks now at the latest.
    timeline.clear_selection()
    timeline.set_cursor(NOW - 100)
    QTest.keyClick(timeline, Qt.Key.Key_BracketLeft)
    timeline.set_cursor(NOW + 60)
    QTest.keyClick(timeline, Qt.Key.Key_BracketRight)
    assert changes[-1] == pytest.approx((NOW - 100, NOW))


def test_a_selection_dragged_past_now_stops_at_now(timeline):
    timeline.set_visible_range(NOW - 800, NOW + 200)
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, QPoint(500, Y))
    QTest.mouseMove(timeline, QPoint(950, Y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, QPoint(950, Y))
    assert timeline.selection().start == pytest.approx(NOW - 300)
    assert timeline.selection().end == pytest.approx(NOW)


def now_x(timeline) -> float:
    return timeline.scale.to_x(timeline.current_now())


def test_live_view_keeps_now_in_sight_after_a_resize_and_a_zoom(qtbot, timeline):
    timeline.set_visible_range(NOW - 900, NOW + 100)  # now at x = 900 of 1000
    timeline.set_live(True)
    assert timeline.follows_now() and now_x(timeline) == pytest.approx(900)
    timeline.resize(400, 104)  # narrower: without following, now would be 500 px off the right
    qtbot.waitUntil(lambda: timeline.scale.width == 400)
    assert now_x(timeline) == pytest.approx(300)  # the same 100 px from the right edge
    timeline.resize(WIDTH, 104)
    qtbot.waitUntil(lambda: timeline.scale.width == WIDTH)
    assert now_x(timeline) == pytest.approx(900)
    wheel(timeline, 100, notches=-3)  # zoom out far from now: now keeps its place
    assert timeline.scale.span > 1000 and now_x(timeline) == pytest.approx(900)
    QTest.keyClick(timeline, Qt.Key.Key_Plus)
    assert now_x(timeline) == pytest.approx(900)
    # Now moves on: the view slides with it, step by step, keeping it in sight.
    span = timeline.scale.span
    for step in range(1, 40):
        timeline.set_now(NOW + step * span * 0.01)
        assert 0 <= now_x(timeline) <= WIDTH
    assert timeline.scale.span == pytest.approx(span)


def test_a_live_view_panned_away_stays_until_panned_back(timeline):
    timeline.set_visible_range(NOW - 900, NOW + 100)
    timeline.set_live(True)
    QTest.keyClick(timeline, Qt.Key.Key_Left)  # a small pan keeps now in view
    assert timeline.follows_now()
    for _ in range(3):
        timeline.pan_pixels(-WIDTH)  # far into the past: the user looks at something
    assert not timeline.follows_now()
    before = timeline.visible_range()
    timeline.set_now(NOW + 3600)
    assert timeline.visible_range() == before  # not dragged back to now
    timeline.set_live(True)  # going live again (L) brings now back
    assert 0 <= now_x(timeline) <= WIDTH and timeline.follows_now()


def test_the_archive_view_does_not_follow_now(timeline):
    timeline.set_live(False)
    before = timeline.visible_range()
    timeline.set_now(NOW + 7200)
    assert timeline.visible_range() == before


# --- the event selected in the events list --------------------------------------------------------


def test_a_click_on_an_event_glyph_picks_that_event_not_a_moment(qtbot, timeline):
    times = np.array([T0 + 300.0, T0 + 600.0])
    timeline.set_events(times, np.array([0, 1], dtype=np.int16), [EventType.MOTION.value, EventType.HUMAN.value])
    picked, clicks = record(timeline.event_picked), record(timeline.position_clicked)
    layout = timeline.layout_rows()
    glyph_y = layout.glyph_top + layout.glyph_h // 2
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.scale.to_x(T0 + 600)) + 3, glyph_y))
    assert picked == [(T0 + 600.0,)] and clicks == []
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(450, glyph_y))  # no glyph there
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.scale.to_x(T0 + 300)), Y))
    assert len(picked) == 1 and len(clicks) == 2  # the archive row still plays from the moment


def test_the_highlighted_event_is_painted_and_brought_into_view(qtbot, timeline):
    x = 500
    before = pixel(timeline, x, timeline.layout_rows().hist_top + 2)
    timeline.set_highlighted_event(T0 + 495.0, T0 + 505.0)
    qtbot.wait(20)
    assert pixel(timeline, x, timeline.layout_rows().hist_top + 2) != before
    jumps = record(timeline.jump_requested)
    timeline.set_highlighted_event(T0 + 5000.0 - 3600, None)  # out of view: shown, not played
    start, end = timeline.visible_range()
    assert start < T0 + 5000.0 - 3600 < end and jumps == []
    timeline.set_highlighted_event(None)
    assert timeline.highlighted_event() is None


# --- a layout's timeline: a source instead of a camera, and a thin track per camera ---------------


def layout_tracks():
    return [
        Track("hall", "Hall", ArchiveIntervals.from_pairs([(T0 + 100, T0 + 400)]), True),
        Track("door", "Door", ArchiveIntervals.from_pairs([(T0 + 300, T0 + 900)]), True),
        Track("server", "Server room", ArchiveIntervals.empty(), False),
    ]


def test_per_camera_tracks_paint_under_the_bar_at_dpr_1(qtbot, timeline):
    assert timeline.devicePixelRatioF() == 1.0
    timeline.set_intervals([T0 + 100], [T0 + 900])  # the union of the tracks below
    timeline.set_tracks(layout_tracks())
    assert timeline.layout_rows().track_count == 0, "tracks only on request"
    plain_height = timeline.sizeHint().height()
    timeline.set_show_tracks(True)
    assert timeline.sizeHint().height() == plain_height + 3 * 5 + 1  # 4 px each, 1 px between and around
    timeline.resize(WIDTH, timeline.sizeHint().height())
    qtbot.waitUntil(lambda: timeline.height() == timeline.sizeHint().height())
    rows = timeline.layout_rows()
    assert rows.track_count == 3 and rows.hist_h == TimelineLayout.for_size(WIDTH, plain_height).hist_h
    image = timeline.grab().toImage()
    assert image.devicePixelRatio() == 1.0

    def row(index):
        y = rows.track_top(index) + 1
        return {x: image.pixelColor(x, y).name() for x in (50, 200, 350, 600, 950)}

    track, gap, none = rgb(COLORS.track), rgb(COLORS.gap), rgb(COLORS.track_none)
    assert row(0) == {50: gap, 200: track, 350: track, 600: gap, 950: gap}
    assert row(1) == {50: gap, 200: gap, 350: track, 600: track, 950: gap}
    assert set(row(2).values()) == {none}, "no archive access: an empty track, not a gap"
    # Under the union's bar, separate lines; the bar itself still shows the union.
    between = rows.track_top(1) - 1
    assert image.pixelColor(350, between).name() == rgb(COLORS.background)
    assert image.pixelColor(600, rows.archive_top + rows.archive_h // 2).name() == rgb(COLORS.archive)
    assert rows.lanes_bottom == rows.ticks_top  # a selection and the cursor cross the tracks
    assert [timeline.track_at(rows.track_top(i) + 2).title for i in range(3)] == ["Hall", "Door", "Server room"]
    assert timeline.track_at(rows.archive_top + 2) is None

    timeline.set_show_tracks(False)
    assert timeline.layout_rows().track_count == 0 and timeline.sizeHint().height() == plain_height


def test_the_widget_follows_a_source_and_lets_it_go(qtbot, timeline):
    source = LayoutTimelineSource()
    asked = []
    source.request_range = lambda a, b: asked.append((a, b))  # no tiles here: what it is asked
    timeline.follow_source(source)
    assert asked == [timeline.visible_range()], "the range shown is asked at once"
    source.intervals_changed.emit(np.array([T0 + 100.0]), np.array([T0 + 400.0]))
    source.events_changed.emit(np.array([T0 + 200.5]), np.array([0]), ["Motion"])
    source.tracks_changed.emit(layout_tracks())
    source.note_changed.emit("Loading…")
    rows = timeline.layout_rows()
    assert pixel(timeline, 250, rows.archive_top + 4) == rgb(COLORS.archive)
    assert len(timeline.tracks()) == 3 and timeline.note() == "Loading…"
    timeline.pan_pixels(100)
    qtbot.waitUntil(lambda: len(asked) == 2)
    timeline.follow_source(None)
    source.intervals_changed.emit(np.array([]), np.array([]))
    source.note_changed.emit("")
    assert pixel(timeline, 250, rows.archive_top + 4) == rgb(COLORS.archive) and timeline.note() == "Loading…"
    assert timeline.source() is None
    source.deleteLater()
