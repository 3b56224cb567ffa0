"""Is a downloaded media file whole? The check a download runs before the file gets its final
name (api-rules §11): a body without a length that ends early looks complete to HTTP.

    check_media(path) -> "mp4" | "mp3"   picks the check by the file's first bytes
    check_mp4(path)                        MP4 / M4A / MOV (ISO base media file format)
    check_mp3(path)                        MPEG audio (optionally with ID3 tags)

Each raises MediaCheckError (a ValueError) with a reason a person can read. Pure Python, no
decoder: MP4 is checked by walking its boxes (ISO/IEC 14496-12 §4.2): the top-level sizes must
add up to the file's size exactly (a 64-bit `largesize` when size is 1, size 0 meaning "to the
end of the file"), `ftyp` before the media, one `moov`, and every sample the `moov` sample tables
point at inside an `mdat`. MP3 is checked by walking its frames to the end, and against the
byte and frame counts of a Xing/Info header when the encoder wrote one. core may not import api:
the caller turns MediaCheckError into the download's InvalidResponseError.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["MediaCheckError", "check_media", "check_mp3", "check_mp4"]


class MediaCheckError(ValueError):
    """The file is not a whole media file; the message says why (and names the file)."""


_MOOV_LIMIT = 512 * 1024 * 1024  # a moov this large is not a real one: refuse to read it
# Boxes inside moov that hold other boxes on the way to the sample tables.
_CONTAINERS = {b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}


def check_media(path: Path) -> str:
    """Check the file by what its first bytes say it is; return "mp4" or "mp3"."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(12)
    if not head:
        raise MediaCheckError(f"{path.name}: the file is empty")
    if head[4:8] == b"ftyp":
        check_mp4(path)
        return "mp4"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        check_mp3(path)
        return "mp3"
    raise MediaCheckError(f"{path.name}: neither MP4 nor MP3 (it starts with {head[:8].hex(' ')})")


# --- MP4 --------------------------------------------------------------------------------------


def check_mp4(path: Path) -> None:
    path = Path(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        boxes = _top_level_boxes(f, size, path.name)
        kinds = [kind for kind, _, _ in boxes]
        if b"ftyp" not in kinds:
            raise MediaCheckError(f"{path.name}: no ftyp box: not an MP4 file")
        for kind in (b"moov", b"mdat"):
            if kind not in kinds:
                raise MediaCheckError(f"{path.name}: no {kind.decode()} box: the file is incomplete")
            if kinds.index(kind) < kinds.index(b"ftyp"):
                raise MediaCheckError(f"{path.name}: the {kind.decode()} box comes before ftyp")
        if kinds.count(b"moov") > 1:
            raise MediaCheckError(f"{path.name}: more than one moov box")
        _, moov_start, moov_end = boxes[kinds.index(b"moov")]
        if moov_end - moov_start > _MOOV_LIMIT:
            raise MediaCheckError(f"{path.name}: a moov box of {moov_end - moov_start} bytes is not believable")
        f.seek(moov_start)
        moov = f.read(moov_end - moov_start)
    mdats = [(start, end) for kind, start, end in boxes if kind == b"mdat"]
    _check_samples_inside_mdat(moov, mdats, size, path.name)


def _top_level_boxes(f: BinaryIO, size: int, name: str) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each top-level box; raises unless they tile the file."""
    boxes: list[tuple[bytes, int, int]] = []
    offset = 0
    while offset < size:
        f.seek(offset)
        header = f.read(16)
        if len(header) < 8:
            raise MediaCheckError(
                f"{name}: {size - offset} stray byte(s) at the end, too few for a box header: the file is cut off"
            )
        box_size, kind = struct.unpack(">I4s", header[:8])
        label = _label(kind)
        if not _printable(kind):
            raise MediaCheckError(f"{name}: no box at byte {offset} (type {kind.hex(' ')}): the file is damaged")
        payload = offset + 8
        if box_size == 1:
            if len(header) < 16:
                raise MediaCheckError(f"{name}: the {label} box at byte {offset} is cut off in its header")
            box_size = struct.unpack(">Q", header[8:16])[0]
            payload = offset + 16
            if box_size < 16:
                raise MediaCheckError(f"{name}: the {label} box at byte {offset} has an impossible size {box_size}")
        elif box_size == 0:
            box_size = size - offset  # the last box, to the end of the file
        elif box_size < 8:
            raise MediaCheckError(f"{name}: the {label} box at byte {offset} has an impossible size {box_size}")
        end = offset + box_size
        if end > size:
            raise MediaCheckError(
                f"{name}: the {label} box at byte {offset} needs {box_size} bytes but only {size - offset} "
                f"are left: the file is truncated"
            )
        boxes.append((kind, payload, end))
        offset = end
    if not boxes:
        raise MediaCheckError(f"{name}: the file is empty")
    return boxes


def _check_samples_inside_mdat(moov: bytes, mdats: list[tuple[int, int]], size: int, name: str) -> None:
    """Every chunk the sample tables place must lie inside an mdat's payload. A fragmented file
    (mvex: the samples are described by moof boxes) has nothing to check here."""
    children = _child_boxes(moov, 0, len(moov), name)
    if any(kind == b"mvex" for kind, _, _ in children):
        return
    tracks = [(start, end) for kind, start, end in children if kind == b"trak"]
    if not tracks:
        raise MediaCheckError(f"{name}: the moov box has no track")
    for number, (start, end) in enumerate(tracks, 1):
        first, last = _chunk_ranges(_sample_tables(moov, start, end, name), name, number)
        inside = np.zeros(len(first), dtype=bool)
        for m_start, m_end in mdats:
            inside |= (first >= m_start) & (last <= m_end)
        if not inside.all():
            bad = int(np.argmin(inside))
            chunk_start, chunk_end = int(first[bad]), int(last[bad])
            where = "past the end of the file" if chunk_end > size else "outside every mdat box"
            raise MediaCheckError(
                f"{name}: track {number} has samples at bytes {chunk_start}-{chunk_end}, {where}: "
                f"the media data is incomplete"
            )


def _child_boxes(data: bytes, start: int, end: int, name: str) -> list[tuple[bytes, int, int]]:
    """(type, payload start, end) of the boxes inside data[start:end]; they must tile it."""
    boxes = []
    offset = start
    while offset + 8 <= end:
        box_size, kind = struct.unpack_from(">I4s", data, offset)
        payload = offset + 8
        if box_size == 1:
            if offset + 16 > end:
                raise MediaCheckError(f"{name}: the {_label(kind)} box inside moov is cut off in its header")
            box_size = struct.unpack_from(">Q", data, offset + 8)[0]
            payload = offset + 16
        elif box_size == 0:
            box_size = end - offset
        if box_size < payload - offset or offset + box_size > end:
            raise MediaCheckError(f"{name}: the {_label(kind)} box inside moov runs past its parent: damaged")
        boxes.append((kind, payload, offset + box_size))
        offset += box_size
    return boxes


def _sample_tables(data: bytes, start: int, end: int, name: str) -> dict[bytes, bytes]:
    """The stsz/stz2, stsc, stco/co64 payloads of one trak (found through its containers)."""
    found: dict[bytes, bytes] = {}
    for kind, payload, box_end in _child_boxes(data, start, end, name):
        if kind in _CONTAINERS:
            found.update(_sample_tables(data, payload, box_end, name))
        elif kind in (b"stsz", b"stz2", b"stsc", b"stco", b"co64"):
            found[kind] = data[payload:box_end]
    return found


def _chunk_ranges(tables: dict[bytes, bytes], name: str, track: int) -> tuple[np.ndarray, np.ndarray]:
    """(first bytes, ends) of every non-empty chunk of a track, from its chunk offsets,
    sample-to-chunk map and sample sizes (ISO/IEC 14496-12 §8.7). numpy: a 30-minute clip has
    ~90,000 chunks, and this runs before every download gets its final name."""
    try:
        offsets = _chunk_offsets(tables)
        sizes = _sample_sizes(tables)
        per_chunk = _samples_per_chunk(tables.get(b"stsc", b""), len(offsets), name, track)
    except (struct.error, KeyError, ValueError) as exc:
        raise MediaCheckError(f"{name}: track {track} has no readable sample table ({exc})") from None
    if int(per_chunk.sum()) != len(sizes):
        raise MediaCheckError(
            f"{name}: track {track}'s chunks hold {int(per_chunk.sum())} samples but it has {len(sizes)}: damaged"
        )
    ends = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))  # ends[i]: bytes of the first i samples
    first_sample = np.concatenate(([0], np.cumsum(per_chunk, dtype=np.int64)))
    lengths = ends[first_sample[1:]] - ends[first_sample[:-1]]
    used = per_chunk > 0
    return offsets[used], offsets[used] + lengths[used]


def _chunk_offsets(tables: dict[bytes, bytes]) -> np.ndarray:
    if b"co64" in tables:
        body, dtype, width = tables[b"co64"], ">u8", 8
    else:
        body, dtype, width = tables[b"stco"], ">u4", 4
    (count,) = struct.unpack_from(">I", body, 4)
    if 8 + count * width > len(body):
        raise struct.error(f"{count} chunk offsets do not fit in the box")
    return np.frombuffer(body, dtype=dtype, count=count, offset=8).astype(np.int64)


def _sample_sizes(tables: dict[bytes, bytes]) -> np.ndarray:
    if b"stsz" in tables:
        body = tables[b"stsz"]
        uniform, count = struct.unpack_from(">II", body, 4)
        if uniform:
            return np.full(count, uniform, dtype=np.int64)
        if 12 + 4 * count > len(body):
            raise struct.error(f"{count} sample sizes do not fit in the box")
        return np.frombuffer(body, dtype=">u4", count=count, offset=12).astype(np.int64)
    body = tables[b"stz2"]  # compact sizes: 4, 8 or 16 bits each
    field_size = body[7]
    (count,) = struct.unpack_from(">I", body, 8)
    if field_size == 16:
        return np.frombuffer(body, dtype=">u2", count=count, offset=12).astype(np.int64)
    if field_size == 8:
        return np.frombuffer(body, dtype=np.uint8, count=count, offset=12).astype(np.int64)
    packed = np.frombuffer(body, dtype=np.uint8, count=(count + 1) // 2, offset=12)
    nibbles = np.stack((packed >> 4, packed & 0x0F), axis=1).reshape(-1)
    return nibbles[:count].astype(np.int64)


def _samples_per_chunk(stsc: bytes, chunks: int, name: str, track: int) -> np.ndarray:
    """How many samples each of `chunks` chunks holds, from the run-length stsc entries
    (first chunk, 1-based, and samples per chunk from there to the next entry's first)."""
    (count,) = struct.unpack_from(">I", stsc, 4)
    if 8 + 12 * count > len(stsc):
        raise struct.error(f"{count} sample-to-chunk entries do not fit in the box")
    entries = np.frombuffer(stsc, dtype=">u4", count=3 * count, offset=8).reshape(count, 3).astype(np.int64)
    per_chunk = np.zeros(chunks, dtype=np.int64)
    firsts = np.maximum(entries[:, 0], 1)
    lasts = np.append(entries[1:, 0] - 1, chunks)  # each run ends where the next begins
    for first, last, samples in zip(firsts, np.minimum(lasts, chunks), entries[:, 1], strict=True):
        if first <= last:
            per_chunk[first - 1 : last] = samples
    return per_chunk


def _printable(kind: bytes) -> bool:
    # Box types are four printable characters; QuickTime's "©nam"-style types are not top-level.
    return all(0x20 <= b < 0x7F for b in kind)


def _label(kind: bytes) -> str:
    return repr(kind.decode("latin-1"))


# --- MP3 --------------------------------------------------------------------------------------

_MP3_BITRATES = {  # kbit/s by (MPEG-1?, layer); index 0 is "free format", 15 is invalid
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def check_mp3(path: Path) -> None:
    """Walk the ID3v2 tag(s) and every MPEG audio frame to the end of the file (an ID3v1 or APEv2
    tag may follow the last frame): a cut-off last frame, lost sync, or fewer bytes/frames than
    the Xing/Info (or VBRI) header announces is an incomplete file."""
    path = Path(path)
    data = path.read_bytes()
    name = path.name
    end = _mp3_audio_end(data)
    offset = _after_id3v2(data, name)
    first = offset
    frames, announced = 0, None
    while offset < end:
        length = _mp3_frame_length(data, offset, name)
        if offset + length > end:
            raise MediaCheckError(
                f"{name}: the last MPEG audio frame (at byte {offset}) has {end - offset} of its {length} "
                f"bytes: the file is truncated"
            )
        if frames == 0:
            announced = _vbr_header(data, offset)
        frames += 1
        offset += length
    if frames == 0:
        raise MediaCheckError(f"{name}: no MPEG audio frame: the file is incomplete")
    if announced is not None:
        want_frames, want_bytes = announced
        # Encoders differ on whether the header counts its own frame and the leading tag, so only
        # fewer than announced counts as cut (a cut at a frame boundary leaves no other trace).
        if want_frames is not None and frames < want_frames:
            raise MediaCheckError(
                f"{name}: {frames} audio frames of the {want_frames} announced: the file is truncated"
            )
        if want_bytes is not None and offset < want_bytes:
            raise MediaCheckError(
                f"{name}: {offset - first} bytes of audio of the {want_bytes} announced: the file is truncated"
            )


def _after_id3v2(data: bytes, name: str) -> int:
    offset = 0
    while data[offset : offset + 3] == b"ID3":
        header = data[offset : offset + 10]
        if len(header) < 10:
            raise MediaCheckError(f"{name}: the ID3 tag is cut off in its header")
        size = 0
        for byte in header[6:10]:  # "syncsafe": 7 bits per byte
            size = size << 7 | (byte & 0x7F)
        size += 10 + (10 if header[5] & 0x10 else 0)  # header, and the footer when flagged
        if offset + size > len(data):
            raise MediaCheckError(f"{name}: the ID3 tag at byte {offset} runs past the end: the file is truncated")
        offset += size
    return offset


def _mp3_audio_end(data: bytes) -> int:
    """Where the audio frames must end: before a trailing ID3v1 and/or APEv2 tag."""
    end = len(data)
    if end >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
        size, _, flags = struct.unpack_from("<III", data, end - 20)
        end -= size + (32 if flags & 0x80000000 else 0)  # size counts the footer, not a header
    return max(end, 0)


def _mp3_frame_length(data: bytes, offset: int, name: str) -> int:
    header = data[offset : offset + 4]
    if len(header) < 4:
        raise MediaCheckError(f"{name}: {len(header)} stray byte(s) after the last frame: the file is truncated")
    if header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise MediaCheckError(f"{name}: no MPEG audio frame at byte {offset}: the file is damaged or cut")
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer_bits == 0 or bitrate_index == 15 or rate_index == 3:
        raise MediaCheckError(f"{name}: an invalid MPEG audio frame header at byte {offset}")
    if bitrate_index == 0:
        raise MediaCheckError(f"{name}: free-format MPEG audio (at byte {offset}) cannot be checked")
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MP3_SAMPLE_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    if layer == 3 and not mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def _vbr_header(data: bytes, offset: int) -> tuple[int | None, int | None] | None:
    """(frames, bytes) a Xing/Info or VBRI header in the frame at `offset` announces, or None."""
    mpeg1 = (data[offset + 1] >> 3) & 3 == 3
    mono = data[offset + 3] >> 6 == 3
    side_info = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    xing = offset + 4 + side_info
    if data[xing : xing + 4] in (b"Xing", b"Info") and xing + 8 <= len(data):
        (flags,) = struct.unpack_from(">I", data, xing + 4)
        fields = xing + 8
        frames = count = None
        if flags & 1 and fields + 4 <= len(data):
            (frames,) = struct.unpack_from(">I", data, fields)
            fields += 4
        if flags & 2 and fields + 4 <= len(data):
            (count,) = struct.unpack_from(">I", data, fields)
        return frames, count
    vbri = offset + 4 + 32
    if data[vbri : vbri + 4] == b"VBRI" and vbri + 18 <= len(data):
        count, frames = struct.unpack_from(">II", data, vbri + 10)
        return frames, count
    return None
