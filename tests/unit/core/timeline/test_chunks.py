from __future__ import annotations

import math

import numpy as np
import pytest

from faceter_viewer.api.enums import EventType
from faceter_viewer.core.timeline.chunks import (
    CHUNK_SIZES,
    SETTLE_SECONDS,
    Chunk,
    Entry,
    EventData,
    EventTypeTable,
    chunk_size_for,
    concat_events,
    wanted_chunks,
)
from faceter_viewer.core.timeline.intervals import ArchiveIntervals

T0 = 1_776_000_000.0


def test_chunk_sizes_nest_so_every_chunk_lies_in_one_coarser_chunk():
    for finer, coarser in zip(CHUNK_SIZES, CHUNK_SIZES[1:], strict=False):
        assert coarser % finer == 0
    chunk = Chunk(900, math.floor(T0 / 900))
    ancestors = list(chunk.self_and_ancestors())
    assert [c.size for c in ancestors] == list(CHUNK_SIZES)
    assert all(a.contains(chunk) for a in ancestors)


@pytest.mark.parametrize("span", [60, 900, 901, 6 * 3600, 3 * 86400, 400 * 86400])
def test_wanted_chunks_cover_the_range_and_its_margin_visible_ones_first(span):
    start = T0 + 123.4
    end = start + span
    chunks = wanted_chunks(start, end)
    size = chunk_size_for(span)
    assert {c.size for c in chunks} == {size}
    assert 1 <= len(chunks) <= 4 or span > CHUNK_SIZES[-1]
    lo, hi = min(c.start for c in chunks), max(c.end for c in chunks)
    assert lo <= start - 0.5 * span and hi >= end + 0.5 * span
    visible = [c.start < end and start < c.end for c in chunks]
    assert visible == sorted(visible, reverse=True), "visible chunks before those of the margin"


def test_event_data_slices_end_exclusive_and_joins_a_tail():
    types = EventTypeTable()
    times = np.array([10.0, 20.0, 30.0, 40.0])
    data = EventData(times, types.codes_for(["Motion"] * 4))
    assert data.sliced(20, 40).times.tolist() == [20, 30]
    tail = EventData(np.array([30.0, 35.0]), types.codes_for(["Human", "Human"]), truncated=True)
    joined = data.with_tail(tail, since=30)
    assert joined.times.tolist() == [10, 20, 30, 35]
    assert [types.names[c] for c in joined.codes] == ["Motion", "Motion", "Human", "Human"]
    assert joined.truncated and joined.codes.dtype == np.int16
    assert len(concat_events([])) == 0


def test_event_type_codes_stay_valid_as_unknown_types_appear():
    types = EventTypeTable()
    first = types.codes_for(["Doorbell", "Motion"])
    names = types.names
    assert names[: len(EventType)] == [str(t) for t in EventType]
    assert names[len(EventType) :] == ["Doorbell"]
    types.codes_for(["Parcel"])
    assert [types.names[c] for c in first] == ["Doorbell", "Motion"]
    assert types.codes_for(["Parcel"]).tolist() == [len(EventType) + 1]


def test_an_entry_is_usable_when_its_chunk_was_over_or_the_load_is_recent():
    chunk = Chunk(3600, math.floor(T0 / 3600))
    settled = Entry(chunk, chunk.end + SETTLE_SECONDS, ArchiveIntervals.empty())
    assert settled.usable(now=chunk.end + 10 * 86400, refresh_seconds=30)
    growing = Entry(chunk, chunk.end - 60, ArchiveIntervals.empty())  # loaded while it held "now"
    assert growing.usable(now=chunk.end - 50, refresh_seconds=30)
    assert not growing.usable(now=chunk.end - 60 + 24, refresh_seconds=30)  # 0.8 of the refresh
    recordings = Entry(None, T0, ArchiveIntervals.from_pairs([(0, 1)]))  # all time, never settles
    assert not recordings.usable(now=T0 + 30, refresh_seconds=30)
    assert recordings.nbytes == recordings.data.nbytes
