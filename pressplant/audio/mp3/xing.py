"""The Xing/Info frame: a silent Layer III frame holding the stream's totals, seek table and LAME tag.

Laid out as LAME's VbrTag.c lays it out, with the values LAME would put there, so that it equals,
byte for byte, the frame lame_get_lametag_frame() returns.
"""

from __future__ import annotations

import struct

import numpy as np

from pressplant.audio.errors import EncodeError
from pressplant.audio.mp3.crc import crc16_arc
from pressplant.audio.mp3.frames import CHANNEL_MODE_MONO, KBPS, MPEG1, RATES_HZ, Stream, frame_bytes, version_of
from pressplant.audio.mp3.lame import LameTag

_VBR_KBPS = {3: 128, 2: 64, 0: 32}  # VbrTag.c XING_BITRATE1/2/25: a VBR stream's Xing frame bitrate
# Side information bytes by (is MPEG-1, is mono): where "Xing" starts after the 4-byte header.
_SIDE_INFO_BYTES = {(True, False): 32, (True, True): 17, (False, False): 17, (False, True): 9}
_LAME_TAG_BYTES = 156  # "Xing" up to the tag CRC: VbrTag.c LAMEHEADERSIZE
_TOC_BAGS = 400  # VbrTag.c keeps at most 400 running sums for the seek table


def xing_kbps(bitrate_bps: int | None, rate_hz: int) -> int:
    """The Xing frame's own bitrate: a CBR stream's (`bitrate_bps`), else VbrTag.c's for the version."""
    return bitrate_bps // 1000 if bitrate_bps else _VBR_KBPS[version_of(rate_hz)]


class SeekSums:
    """VbrTag.c's seek table: running sums of frame bitrates in at most 400 bags, as LAME keeps it."""

    def __init__(self) -> None:
        self.total = self._seen = 0
        self._want = 1  # frames per bag: doubles each time the bags are halved
        self._bags: list[int] = []

    def add(self, kbps: int) -> None:
        self.total += kbps
        self._seen += 1
        if self._seen < self._want:
            return
        self._bags.append(self.total)
        self._seen = 0
        if len(self._bags) == _TOC_BAGS:
            self._bags = self._bags[1::2]
            self._want *= 2

    def toc(self) -> bytes:
        """Xing_seek_table(): entry i, in 256ths of the stream, is where i% of the frames have passed."""
        count, points = len(self._bags), bytearray(100)
        for i in range(1, 100 if count else 1):
            fraction = np.float32(i) / np.float32(100)  # single precision, as LAME computes it
            bag = self._bags[min(int(np.floor(fraction * np.float32(count))), count - 1)]
            points[i] = min(255, int(256.0 * float(np.float32(bag)) / float(np.float32(self.total))))
        return bytes(points)


def xing_frame(stream: Stream, seek_sums: SeekSums, tag: LameTag, padding_samples: int, kbps: int) -> bytes:
    """VbrTag.c's frame: a Layer III frame with zero side info, then Xing fields, TOC and LAME tag."""
    first, last = stream.first_header, stream.last_header
    version = first[1] >> 3 & 3
    rate_hz = RATES_HZ[version][first[2] >> 2 & 3]
    size_bytes = frame_bytes(kbps, rate_hz)
    # Rate and private bit from the stream, no padding; mode, mode extension and flags of its last frame.
    header = bytes((0xFF, first[1], KBPS[version].index(kbps) << 4 | first[2] & 0x0D, last[3]))
    side_info_bytes = _SIDE_INFO_BYTES[version == MPEG1, last[3] >> 6 == CHANNEL_MODE_MONO]
    if size_bytes < 4 + side_info_bytes + _LAME_TAG_BYTES:
        raise EncodeError(f"MP3: a {size_bytes}-byte frame cannot hold the LAME tag")
    stream_bytes = size_bytes + stream.size_bytes
    xing = (b"Info" if tag.is_cbr else b"Xing") + struct.pack(
        ">III100sI", 0x0F, stream.frames, stream_bytes, seek_sums.toc(), tag.quality)
    body = (header + bytes(side_info_bytes) + xing
            + _lame_extension(tag, padding_samples, rate_hz, stream_bytes, stream.music_crc.value))
    body += struct.pack(">H", crc16_arc(body))
    return body + bytes(size_bytes - len(body))


def _lame_extension(tag: LameTag, padding_samples: int, rate_hz: int, stream_bytes: int,
                    music_crc: int) -> bytes:
    """PutLameVBR(): version, method, lowpass, ReplayGain (none), flags, bitrate, delays, misc, sizes."""
    lowpass = min(255, int(tag.lowpass_hz / 100 + 0.5))
    flags = tag.ath_type | 0x10 | (0x20 if tag.is_safe_joint else 0)  # ATH type, nspsytune, safe joint
    is_nonoptimal = rate_hz <= 32000  # LAME's only "nonoptimal" condition our settings can meet
    # LAME's source rate code: 0 up to 32 kHz, 1 for 44.1, 2 for 48 (3, above 48 kHz, is no MPEG rate).
    source_rate = 0 if rate_hz <= 32000 else 2 if rate_hz == 48000 else 1
    misc = tag.noise_shaping | tag.stereo_mode << 2 | is_nonoptimal << 5 | source_rate << 6
    head = struct.pack(">9sBBIHHBB", tag.encoder, tag.vbr_method, lowpass, 0, 0, 0, flags,
                       min(255, tag.bitrate_kbps))  # the zeros: peak, radio and audiophile ReplayGain
    delays = (tag.delay_samples << 12 | padding_samples).to_bytes(3, "big")
    return head + delays + struct.pack(">BBHIH", misc, 0, tag.preset, stream_bytes, music_crc)
