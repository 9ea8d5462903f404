"""MPEG audio frames: the header tables, and the writer that reads every header of LAME's output."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import BinaryIO

from pressplant.audio.errors import EncodeError
from pressplant.audio.mp3.crc import BLOCK_BYTES, MusicCrc

# By the header's 2-bit version field: 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (1 is reserved).
MPEG1 = 3
RATES_HZ = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_KBPS_MPEG1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_KBPS_MPEG2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
KBPS = {3: _KBPS_MPEG1, 2: _KBPS_MPEG2, 0: _KBPS_MPEG2}  # by version, then the 4-bit bitrate index
CHANNEL_MODE_MONO = 3  # the header's 2-bit channel mode: stereo 0, joint 1, dual 2, mono 3


def version_of(rate_hz: int) -> int:
    return next(version for version, rates in RATES_HZ.items() if rate_hz in rates)


def frame_bytes(kbps: int, rate_hz: int, padding_bytes: int = 0) -> int:
    """A Layer III frame's size: 1152 (MPEG-1) or 576 samples at `kbps`, plus the padding slot."""
    return (144 if version_of(rate_hz) == MPEG1 else 72) * kbps * 1000 // rate_hz + padding_bytes


class Stream:
    """LAME's output on its way to `out`: every frame header read, every byte CRC'd and written.

    LAME hands back pieces cut anywhere, headers included. The headers give the frame count and,
    through `on_frame_kbps`, each frame's bitrate (for the Xing seek table); the stream must keep
    its version, rate and channel mode.
    """

    def __init__(self, out: BinaryIO, on_frame_kbps: Callable[[int], None]) -> None:
        self.frames = self.size_bytes = 0
        self.first_header = self.last_header = b""
        self.music_crc = MusicCrc()
        self._out = out
        self._on_frame_kbps = on_frame_kbps
        self._pending = bytearray()  # written in whole blocks of BLOCK_BYTES, the rest by finish()
        self._next_at = 0  # stream offset of the next frame header
        self._partial = b""  # the start of a header cut off by the end of the previous piece

    def feed(self, data: memoryview) -> None:
        start, self.size_bytes = self.size_bytes, self.size_bytes + len(data)
        self._pending += data
        while self._next_at < self.size_bytes:
            at = max(self._next_at - start, 0)
            header = self._partial + bytes(data[at:at + 4 - len(self._partial)])
            if len(header) < 4:
                self._partial = header
                break
            self._partial = b""
            self._next_at += self._read(header)
        if len(self._pending) >= BLOCK_BYTES:
            self._write(len(self._pending) // BLOCK_BYTES * BLOCK_BYTES)

    def finish(self) -> None:
        if self._next_at != self.size_bytes or not self.frames:
            raise EncodeError(f"MP3: LAME's output ends inside a frame ({self.size_bytes} bytes)")
        self._write(len(self._pending))

    def _read(self, header: bytes) -> int:
        """Take in one frame's 4-byte header; its size in bytes."""
        kbps, size_bytes = _parse_header(header[0] << 16 | header[1] << 8 | header[2])
        if not self.frames:
            self.first_header = header
        elif (header[1], header[2] & 0x0C, header[3] >> 6) != (
                self.first_header[1], self.first_header[2] & 0x0C, self.first_header[3] >> 6):
            raise EncodeError(f"MP3: frame {self.frames} changes version, rate or channel mode")
        self.last_header = header
        self.frames += 1
        self._on_frame_kbps(kbps)
        return size_bytes

    def _write(self, count: int) -> None:
        with memoryview(self._pending) as pending:
            for at in range(0, count, BLOCK_BYTES):
                self.music_crc.update(pending[at:min(count, at + BLOCK_BYTES)])
            self._out.write(pending[:count])
        del self._pending[:count]


@functools.lru_cache(maxsize=256)
def _parse_header(head: int) -> tuple[int, int]:
    """(kb/s, bytes) of the frame whose header starts with the 3 bytes `head`: Layer III, no CRC."""
    version, layer, has_no_crc = head >> 11 & 3, head >> 9 & 3, head >> 8 & 1
    bitrate_index, rate_index, padding_bytes = head >> 4 & 15, head >> 2 & 3, head >> 1 & 1
    if head >> 13 != 0x7FF or version == 1 or layer != 1 or not has_no_crc or bitrate_index in (0, 15) \
            or rate_index == 3:
        raise EncodeError(f"MP3: LAME wrote a frame header that is not MPEG Layer III: {head:06x}")
    kbps = KBPS[version][bitrate_index]
    return kbps, frame_bytes(kbps, RATES_HZ[version][rate_index], padding_bytes)
