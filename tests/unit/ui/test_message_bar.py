from __future__ import annotations

import time

import pytest

from faceter_viewer.api.redaction import register_secret
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
    from faceter_viewer.services.messages import MessageHub

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
