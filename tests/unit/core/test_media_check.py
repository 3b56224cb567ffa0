"""core/media_check: real MP4 and MP3 files made by the demo's media code and its ffmpeg, cut at
many points (every cut must be caught), and hand-made box streams for the corners of the MP4 box
grammar (64-bit sizes, size 0, boxes out of order, samples outside mdat)."""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from faceter_viewer.core.media_check import MediaCheckError, check_media, check_mp3, check_mp4
from faceter_viewer.demo.media import CameraLook, MediaStore
from faceter_viewer.demo.media.graph import ffmpeg_exe, has_encoder

START = 1_712_745_600
LOOK = CameraLook("cam-check", "Media check", hue=40)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, bytes]]:
    """The demo's clip (MP4, moov first) and audio export, plus ffmpeg MP4s laid out otherwise."""
    folder = tmp_path_factory.mktemp("media-check")
    files: dict[str, bytes] = {}
    with MediaStore(folder / "cache") as store:
        store.write_clip(LOOK, START, 2, folder / "clip.mp4")
        files["clip.mp4"] = (folder / "clip.mp4").read_bytes()
        audio = folder / ("audio" + store.AUDIO_SUFFIX)
        store.write_audio(LOOK, START, 2, audio)
        files["audio" + store.AUDIO_SUFFIX] = audio.read_bytes()
    source = ["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1", "-c:v", "mpeg4"]
    for name, flags in (("moov-last.mp4", []), ("fragmented.mp4", ["-movflags", "frag_keyframe+empty_moov"])):
        _ffmpeg(*source, *flags, "-f", "mp4", str(folder / name))
        files[name] = (folder / name).read_bytes()
    if has_encoder(ffmpeg_exe(), "libmp3lame"):
        _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libmp3lame", "-b:a", "64k", str(folder / "sine.mp3"))
        files["sine.mp3"] = (folder / "sine.mp3").read_bytes()
    yield files


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- real files -----------------------------------------------------------------------------------


def test_whole_files_pass_and_are_recognised(media, tmp_path):
    for name, data in media.items():
        kind = "mp3" if name.endswith(".mp3") else "mp4"
        assert check_media(_write(tmp_path, name, data)) == kind, name


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.02, 0.05, 0.25, 0.5, 0.75, 0.99, 0.999])
def test_a_cut_file_fails_with_a_reason(media, tmp_path, fraction):
    for name, data in media.items():
        cut = data[: int(len(data) * fraction)]
        if len(cut) == len(data):
            continue
        with pytest.raises(MediaCheckError) as raised:
            check_media(_write(tmp_path, name, cut))
        assert name in str(raised.value)
        assert any(word in str(raised.value) for word in ("truncated", "empty", "incomplete", "cut off")), raised.value


def test_no_cut_of_the_demo_clip_passes(media, tmp_path):
    """Every length short of the whole file is caught (the moov-first clip, every 13th byte)."""
    data = media["clip.mp4"]
    passed = []
    for length in range(0, len(data), 13):
        try:
            check_mp4(_write(tmp_path, "clip.mp4", data[:length]))
            passed.append(length)
        except MediaCheckError:
            pass
    assert passed == []


def test_no_cut_of_the_demo_audio_passes(media, tmp_path):
    name = next(n for n in media if n.startswith("audio"))
    data = media[name]
    passed = []
    for length in range(0, len(data), 7):
        try:
            check_media(_write(tmp_path, name, data[:length]))
            passed.append(length)
        except MediaCheckError:
            pass
    assert passed == []


def test_a_moov_last_file_cut_inside_mdat_says_so(media, tmp_path):
    data = media["moov-last.mp4"]
    with pytest.raises(MediaCheckError, match="'mdat' box at byte \\d+ needs \\d+ bytes but only \\d+ are left"):
        check_mp4(_write(tmp_path, "x.mp4", data[: len(data) // 2]))


def test_an_mdat_of_size_zero_cut_short_is_caught_by_the_sample_tables(media, tmp_path):
    """Size 0 means "to the end of the file", so the box walk cannot see the cut; the samples
    the moov points at past the end can."""
    data = bytearray(media["clip.mp4"])
    mdat = data.index(b"mdat") - 4
    struct.pack_into(">I", data, mdat, 0)
    assert check_mp4(_write(tmp_path, "whole.mp4", bytes(data))) is None
    with pytest.raises(MediaCheckError, match="track \\d has samples at bytes \\d+-\\d+, past the end of the file"):
        check_mp4(_write(tmp_path, "cut.mp4", bytes(data[:-100])))


def _frame_starts(data: bytes) -> list[int]:
    from faceter_viewer.core.media_check import _after_id3v2, _mp3_frame_length

    offset, starts = _after_id3v2(data, "x"), []
    while offset < len(data):
        starts.append(offset)
        offset += _mp3_frame_length(data, offset, "x")
    return starts


def test_damaged_mp3_frames_are_found(media, tmp_path):
    name = next(n for n in media if n.endswith(".mp3"))
    data = bytearray(media[name])
    middle = _frame_starts(bytes(data))[10]
    data[middle : middle + 4] = b"\x00\x00\x00\x00"
    with pytest.raises(MediaCheckError, match="no MPEG audio frame at byte|invalid MPEG"):
        check_mp3(_write(tmp_path, name, bytes(data)))


def test_an_mp3_cut_at_a_frame_boundary_is_caught_by_its_info_header(media, tmp_path):
    name = next(n for n in media if n.endswith(".mp3"))
    data = media[name]
    assert b"Info" in data[:200] or b"Xing" in data[:200], "the encoder writes a Xing/Info header"
    last_frame = _frame_starts(data)[-1]
    with pytest.raises(MediaCheckError, match="announced: the file is truncated"):
        check_mp3(_write(tmp_path, name, data[:last_frame]))


def test_an_mp3_with_an_id3v1_tag_at_the_end_passes(media, tmp_path):
    name = next(n for n in media if n.endswith(".mp3"))
    tag = b"TAG" + b"title".ljust(30) + b" " * 94 + b"\x00"
    assert len(tag) == 128
    check_mp3(_write(tmp_path, name, media[name] + tag))


# --- hand-made box streams ------------------------------------------------------------------------


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def large_box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload


def full_box(kind: bytes, body: bytes) -> bytes:
    return box(kind, b"\x00\x00\x00\x00" + body)  # version 0, flags 0


FTYP = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")


def moov_for(chunk_offsets: list[int], sample_sizes: list[int], samples_per_chunk: int = 1) -> bytes:
    sizes = b"".join(struct.pack(">I", s) for s in sample_sizes)
    offsets = b"".join(struct.pack(">I", o) for o in chunk_offsets)
    stsz = full_box(b"stsz", struct.pack(">II", 0, len(sample_sizes)) + sizes)
    stsc = full_box(b"stsc", struct.pack(">IIII", 1, 1, samples_per_chunk, 1))
    stco = full_box(b"stco", struct.pack(">I", len(chunk_offsets)) + offsets)
    stbl = box(b"stbl", stsz + stsc + stco)
    trak = box(b"trak", box(b"mdia", box(b"minf", stbl)))
    return box(b"moov", full_box(b"mvhd", b"\x00" * 96) + trak)


def movie(samples: list[bytes], *, large_mdat: bool = False, zero_mdat: bool = False) -> bytes:
    """ftyp, moov (sample tables pointing into the mdat), mdat: a whole, consistent file."""
    sizes = [len(s) for s in samples]
    moov_len = len(moov_for([0] * len(samples), sizes))
    header = 16 if large_mdat else 8
    first = len(FTYP) + moov_len + header
    offsets = [first + sum(sizes[:i]) for i in range(len(samples))]
    payload = b"".join(samples)
    if large_mdat:
        mdat = large_box(b"mdat", payload)
    elif zero_mdat:
        mdat = struct.pack(">I4s", 0, b"mdat") + payload
    else:
        mdat = box(b"mdat", payload)
    return FTYP + moov_for(offsets, sizes) + mdat


SAMPLES = [b"a" * 100, b"b" * 50, b"c" * 75]


@pytest.mark.parametrize("layout", [{}, {"large_mdat": True}, {"zero_mdat": True}])
def test_hand_made_movies_pass(tmp_path, layout):
    assert check_media(_write(tmp_path, "m.mp4", movie(SAMPLES, **layout))) == "mp4"


def test_a_64_bit_largesize_running_past_the_end_is_truncated(tmp_path):
    data = movie(SAMPLES, large_mdat=True)
    with pytest.raises(MediaCheckError, match="'mdat' box at byte \\d+ needs 241 bytes but only 240 are left"):
        check_mp4(_write(tmp_path, "m.mp4", data[:-1]))


def test_a_largesize_header_cut_in_half(tmp_path):
    data = FTYP + moov_for([], []) + struct.pack(">I4s", 1, b"mdat") + b"\x00\x00"
    with pytest.raises(MediaCheckError, match="cut off in its header"):
        check_mp4(_write(tmp_path, "m.mp4", data))


@pytest.mark.parametrize("size", [2, 7])
def test_an_impossible_box_size(tmp_path, size):
    data = FTYP + struct.pack(">I4s", size, b"free") + b"\x00" * 16
    with pytest.raises(MediaCheckError, match=f"impossible size {size}"):
        check_mp4(_write(tmp_path, "m.mp4", data))


def test_a_largesize_below_its_own_header(tmp_path):
    data = FTYP + struct.pack(">I4sQ", 1, b"free", 8) + b"\x00" * 16
    with pytest.raises(MediaCheckError, match="impossible size 8"):
        check_mp4(_write(tmp_path, "m.mp4", data))


def test_stray_bytes_after_the_last_box(tmp_path):
    with pytest.raises(MediaCheckError, match="3 stray byte"):
        check_mp4(_write(tmp_path, "m.mp4", movie(SAMPLES) + b"\x00\x00\x00"))


def test_garbage_where_a_box_should_start(tmp_path):
    with pytest.raises(MediaCheckError, match="no box at byte"):
        check_mp4(_write(tmp_path, "m.mp4", movie(SAMPLES) + b"\x00\x00\x00\x10\xff\xfe\x00\x01" + b"\x00" * 8))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (FTYP + box(b"mdat", b"x" * 10), "no moov box"),
        (FTYP + moov_for([], []), "no mdat box"),
        (box(b"moov", b"") + FTYP + box(b"mdat"), "the moov box comes before ftyp"),
        (FTYP + moov_for([], []) + moov_for([], []) + box(b"mdat"), "more than one moov"),
        (box(b"free") + box(b"mdat"), "no ftyp box"),
    ],
)
def test_missing_or_misplaced_top_level_boxes(tmp_path, data, message):
    with pytest.raises(MediaCheckError, match=message):
        check_mp4(_write(tmp_path, "m.mp4", data))


def test_samples_outside_every_mdat(tmp_path):
    data = FTYP + moov_for([0], [10]) + box(b"mdat", b"a" * 10)  # offset 0 points into ftyp
    with pytest.raises(MediaCheckError, match="outside every mdat box"):
        check_mp4(_write(tmp_path, "m.mp4", data))


def test_a_sample_table_that_does_not_add_up(tmp_path):
    first = len(FTYP) + len(moov_for([0, 0], [1, 1, 1])) + 8
    data = FTYP + moov_for([first, first + 1], [1, 1, 1]) + box(b"mdat", b"xyz")  # 2 chunks x 1 != 3 samples
    with pytest.raises(MediaCheckError, match="chunks hold 2 samples but it has 3"):
        check_mp4(_write(tmp_path, "m.mp4", data))


def test_a_box_inside_moov_running_past_its_parent(tmp_path):
    moov = box(b"moov", struct.pack(">I4s", 500, b"trak") + b"\x00" * 8)
    with pytest.raises(MediaCheckError, match="inside moov runs past its parent"):
        check_mp4(_write(tmp_path, "m.mp4", FTYP + moov + box(b"mdat")))


def test_a_moov_without_tracks(tmp_path):
    with pytest.raises(MediaCheckError, match="no track"):
        check_mp4(_write(tmp_path, "m.mp4", FTYP + box(b"moov", full_box(b"mvhd", b"\x00" * 96)) + box(b"mdat")))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<html>502 Bad Gateway</html>", "neither MP4 nor MP3"),
        (b"ID3\x04\x00\x00\x00\x00\x01", "ID3 tag"),
    ],
)
def test_check_media_refuses_what_is_neither(tmp_path, data, message):
    with pytest.raises(MediaCheckError, match=message):
        check_media(_write(tmp_path, "x.bin", data))


def test_media_check_error_is_a_value_error():
    assert issubclass(MediaCheckError, ValueError)
