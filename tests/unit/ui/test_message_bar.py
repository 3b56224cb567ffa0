from __future__ import annotations

import logging
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from faceter_viewer.api.redaction import register_secret
from faceter_viewer.services.messages import MessageHub
from faceter_viewer.ui.message_bar import MAX_ROWS, MessageBar, MessageLevel


@pytest.fixture
def bar(qtbot):
    bar = MessageBar(info_timeout_ms=200)
    qtbot.addWidget(bar)
    bar.resize(600, 100)
    return bar


def test_hidden_until_a_message_then_hidden_again_when_closed(qtbot, bar):
    assert bar.isHidden()
    row = bar.show_message("Cannot load the cameras", MessageLevel.ERROR)
    assert not bar.isHidden()
    assert bar.messages() == [(MessageLevel.ERROR, "Cannot load the cameras")]
    row.close_button.click()
    qtbot.waitUntil(lambda: bar.messages() == [])
    assert bar.isHidden()


@pytest.mark.parametrize(
    ("level", "prefix"),
    [(MessageLevel.ERROR, "Error:"), (MessageLevel.WARNING, "Warning:"), (MessageLevel.INFO, "Note:")],
)
def test_each_level_reads_without_colour_and_has_its_own_colour(bar, level, prefix):
    row = bar.show_message("something", level)
    assert prefix in row.prefix_label.text()
    assert row.accessibleName().startswith(prefix)
    assert row.property("level") == str(level)
    other_levels = {lvl for lvl in MessageLevel if lvl != level}
    for other in other_levels:
        assert bar.show_message("x", other).styleSheet() != row.styleSheet()


def test_identical_message_does_not_stack_but_counts(bar):
    bar.show_message("Stream failed", MessageLevel.ERROR)
    row = bar.show_message("Stream failed", MessageLevel.ERROR)
    bar.show_message("Stream failed", MessageLevel.ERROR)
    assert bar.messages() == [(MessageLevel.ERROR, "Stream failed")]
    assert row.repeats == 3
    assert "×3" in row.text_label.text()
    # same text at another level is another message
    bar.show_message("Stream failed", MessageLevel.WARNING)
    assert len(bar.messages()) == 2


def test_info_hides_itself_errors_stay(qtbot, bar):
    bar.show_message("Snapshot saved", MessageLevel.INFO)
    bar.show_message("No archive access", MessageLevel.ERROR)
    started = time.monotonic()
    qtbot.waitUntil(lambda: (MessageLevel.INFO, "Snapshot saved") not in bar.messages(), timeout=3000)
    assert time.monotonic() - started >= 0.15  # not at once: after the timeout
    assert bar.messages() == [(MessageLevel.ERROR, "No archive access")]
    assert not bar.isHidden()


def test_repeating_an_info_restarts_its_timer(qtbot, bar):
    row = bar.show_message("Copied", MessageLevel.INFO)
    qtbot.waitUntil(lambda: row.hide_timer.remainingTime() < 120, timeout=2000)
    bar.show_message("Copied", MessageLevel.INFO)
    assert row.hide_timer.remainingTime() > 150


def test_action_runs_and_dismisses(qtbot, bar):
    calls = []
    row = bar.show_message("Stream failed", MessageLevel.ERROR, action_text="Retry", on_action=lambda: calls.append(1))
    assert row.action_button is not None and row.action_button.text() == "Retry"
    row.action_button.click()
    assert calls == [1]
    assert bar.messages() == []


def test_clear_and_row_limit(bar):
    for i in range(MAX_ROWS + 3):
        bar.show_message(f"message {i}", MessageLevel.WARNING)
    assert len(bar.messages()) == MAX_ROWS
    assert bar.messages()[-1][1] == f"message {MAX_ROWS + 2}"  # the oldest went first
    bar.clear()
    assert bar.messages() == []
    assert bar.isHidden()


def test_messages_are_redacted_and_plain_text(bar):
    register_secret("bar-secret-key-1234")
    row = bar.show_message("failed: https://a.test/x?signature=abc&exp=1 key bar-secret-key-1234 <b>")
    shown = row.text_label.text()
    assert "abc" not in shown and "bar-secret-key-1234" not in shown
    assert "signature=***" in shown
    assert "<b>" in shown  # plain text: markup is shown, not interpreted


def test_a_withdrawn_message_leaves_the_bar_and_others_stay(qtbot, bar):
    hub = MessageHub()
    bar.listen(hub)
    hub.error("Cannot play Entrance: the stream failed", key="live-error:cam-1")
    hub.error("Cannot play Garage: the stream failed", key="live-error:cam-2")
    hub.warning("Cannot load the events")
    assert len(bar.messages()) == 3
    with qtbot.waitSignal(hub.withdrawn, timeout=1000) as withdrawn:
        hub.withdraw("live-error:cam-1")
    assert withdrawn.args == ["live-error:cam-1"]
    assert bar.messages() == [
        (MessageLevel.ERROR, "Cannot play Garage: the stream failed"),
        (MessageLevel.WARNING, "Cannot load the events"),
    ]
    hub.withdraw("live-error:cam-1")  # twice, or a key never posted: nothing happens
    hub.withdraw("live-error:cam-2")
    bar.show_message("Cannot load the events", MessageLevel.WARNING)  # unkeyed: still there
    assert bar.messages() == [(MessageLevel.WARNING, "Cannot load the events")]
    assert bar.rows()[0].repeats == 2


def test_a_message_with_the_key_of_a_shown_one_replaces_it(bar):
    bar.show_message("Cannot play Entrance: no video within 10 s", key="live-error:cam-1")
    again = bar.show_message("Cannot play Entrance: no video within 10 s", key="live-error:cam-1")
    assert again.repeats == 2  # the same words: counted, as any identical message
    bar.show_message("Cannot play Entrance: the stream failed", key="live-error:cam-1")
    assert bar.messages() == [(MessageLevel.ERROR, "Cannot play Entrance: the stream failed")]
    bar.withdraw("live-error:cam-1")
    assert bar.messages() == [] and bar.isHidden()


def test_a_newer_message_with_a_shown_key_updates_that_row_in_place(qtbot, bar):
    bar.show_message("Cameras loaded", MessageLevel.WARNING)
    row = bar.show_message("Faceter service unreachable, retrying in 3 s", MessageLevel.INFO, key="reconnect")
    bar.show_message("Faceter service unreachable, retrying in 3 s", MessageLevel.INFO, key="reconnect")
    assert row.repeats == 2
    bar.show_message("Last one", MessageLevel.WARNING)
    closed = []
    bar.message_closed.connect(lambda level, text: closed.append(text))
    text_label, close_button = row.text_label, row.close_button
    for seconds in (2, 1):
        again = bar.show_message(f"Faceter service unreachable, retrying in {seconds} s", MessageLevel.INFO, key="reconnect")
        assert again is row and bar.rows().index(row) == 1  # the same widget, the same place
        assert row.repeats == 1 and "×" not in row.text_label.text()
    assert closed == []  # nothing was taken down and put up again
    assert row.text_label is text_label and row.close_button is close_button
    assert row.hide_timer.isActive()

    # Everything a row says follows: level (word, colour, icon), action, details.
    calls = []
    note_style = row.styleSheet()
    bar.show_message(
        "Faceter service unreachable",
        MessageLevel.ERROR,
        "Retry now",
        lambda: calls.append(1),
        key="reconnect",
        details="NetworkError: GET /v1/cameras: cannot connect",
    )
    assert bar.rows().index(row) == 1
    assert row.level == MessageLevel.ERROR and "Error:" in row.prefix_label.text()
    assert row.accessibleName() == "Error: Faceter service unreachable"
    assert row.styleSheet() != note_style and row.property("level") == "error"
    assert not row.hide_timer.isActive()  # an error stays
    assert row.action_button is not None and row.action_button.text() == "Retry now"
    assert not row.details_button.isHidden()
    bar.show_message("Faceter service reachable again", MessageLevel.INFO, key="reconnect")
    assert row.action_button is None and row.details_button.isHidden() and row.details_label.isHidden()
    assert bar.messages()[1] == (MessageLevel.INFO, "Faceter service reachable again")


def test_details_show_on_request_redacted_and_selectable(qtbot, bar):
    register_secret("details-secret-key-5678")
    plain = bar.show_message("Snapshot saved", MessageLevel.INFO)
    assert plain.details_button.isHidden()  # no details: no toggle
    row = bar.show_message(
        "Could not load the cameras: the Faceter service cannot be reached.",
        details="NetworkError: GET /v1/cameras?signature=abc: cannot connect ([Errno 111]) key details-secret-key-5678",
    )
    bar.show()
    assert not row.details_button.isHidden()
    assert row.details_button.isCheckable() and row.details_button.accessibleName() == "Show details"
    assert row.details_label.isHidden()
    assert "Errno" not in row.text_label.text()
    height = row.sizeHint().height()
    row.details_button.click()
    assert row.details_label.isVisible()
    shown = row.details_label.text()
    assert "GET /v1/cameras" in shown and "[Errno 111]" in shown
    assert "abc" not in shown and "details-secret-key-5678" not in shown
    assert row.details_label.wordWrap()
    assert row.details_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    qtbot.waitUntil(lambda: row.sizeHint().height() > height, timeout=2000)
    row.details_button.click()
    assert row.details_label.isHidden()


def test_leaving_a_scope_takes_its_messages_back_and_the_rest_stay(qtbot, bar):
    hub = MessageHub()
    bar.listen(hub)
    hub.warning("No archive access for this camera", scope="cam-1")
    hub.error("Cannot play Entrance: the stream failed", key="live-error:cam-1", scope="cam-1")
    hub.warning("Could not load the events", scope="cam-2")
    hub.error("Could not load the cameras: the Faceter service cannot be reached.")
    with qtbot.waitSignal(hub.scope_cleared, timeout=1000) as cleared:
        hub.clear_scope("cam-1")
    assert cleared.args == ["cam-1"]
    assert [text for _, text in bar.messages()] == [
        "Could not load the events",
        "Could not load the cameras: the Faceter service cannot be reached.",
    ]
    hub.clear_scope("cam-9")  # nothing of that scope: nothing happens
    assert len(bar.messages()) == 2


def test_the_hub_logs_the_details_it_spares_the_banner(caplog):
    hub = MessageHub()
    with caplog.at_level(logging.INFO, logger="faceter_viewer.services.messages"):
        message = hub.error("Could not load the cameras: the service did not answer in time.", details="TimeoutError: GET /v1/cameras\nHTTP status: 504", scope="x")
    assert message.details.startswith("TimeoutError") and message.scope == "x"
    assert "GET /v1/cameras | HTTP status: 504" in caplog.text
    assert "did not answer in time" in caplog.text


def test_floating_over_a_host_moves_none_of_its_widgets(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    content = QLabel("content", host)
    layout.addWidget(content)
    bar = MessageBar(host, info_timeout_ms=0)
    bar.float_over(host, margin=4)
    host.resize(500, 300)
    host.show()
    qtbot.waitExposed(host)
    before = content.geometry()
    rows = [bar.show_message("x " * 200, MessageLevel.ERROR, "Retry", lambda: None, details="d")]
    rows.append(bar.show_message("short", MessageLevel.INFO))
    qtbot.wait(50)
    assert content.geometry() == before
    assert bar.isVisible() and bar.geometry().top() == 4 and bar.width() == 500 - 8
    assert bar.height() >= sum(r.height() for r in rows)
    on_top = host.childAt(bar.geometry().center())
    assert on_top is bar or bar.isAncestorOf(on_top)  # the bar is on top
    tall = bar.height()
    rows[0].details_button.click()
    qtbot.waitUntil(lambda: bar.height() > tall, timeout=2000)
    host.resize(700, 300)
    qtbot.waitUntil(lambda: bar.width() == 700 - 8, timeout=2000)
    assert bar.height() < tall + rows[0].details_label.height() + 20  # wider: the long text wraps less
    bar.clear()
    assert bar.isHidden() and content.geometry().top() == before.top()


def test_the_floating_bar_stays_over_widgets_added_to_its_host_later(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    bar = MessageBar(info_timeout_ms=0)
    bar.float_over(host)
    host.resize(400, 300)
    host.show()
    bar.show_message("Could not load the cameras: the Faceter service cannot be reached.")
    late = QLabel("the player panel, attached after the window is shown")
    layout.addWidget(late)  # reparented into the host
    late.show()
    qtbot.wait(20)
    on_top = host.childAt(bar.geometry().center())
    assert on_top is bar or bar.isAncestorOf(on_top)
    assert bar.geometry().topLeft() == host.rect().topLeft() and bar.width() == host.width()
