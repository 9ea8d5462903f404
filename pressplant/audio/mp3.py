"""MP3 renditions: LAME encodes the audio; the Xing/Info frame with its LAME tag is written here.

Which LAME, and why through ctypes: the lameenc wheel bundles a LAME build (LAME 4.0 in lameenc 1.9)
that is ~3x faster than the one in PyAV's wheels, and exports LAME's whole C API. Its Python
`Encoder`, though, forces plain L/R stereo above 128 kb/s and cannot be told otherwise, while FFmpeg's
`-c:a libmp3lame` (and LAME's own default) use joint stereo. L/R stereo encodes 8-13% faster, so a
benchmark against the FFmpeg CLI would compare unequal settings. So we call the same library through
ctypes with FFmpeg's settings: joint stereo (mono for one channel); algorithm quality 3 (FFmpeg leaves
it unset and lame_init_params() then takes LAME_DEFAULT_QUALITY, 3; for VBR LAME turns anything below
5 into 0); the bit reservoir on; LAME's own tag off; VBR by vbr_mtrh (FFmpeg's vbr_default, `lame -V`).
The PCM is read in place from the frames' buffers (no copy on the way in), and ctypes lets go of the
GIL while LAME works, so encodes in threads run in parallel.

Gapless: with LAME's tag off the stream holds only audio frames (as in FFmpeg). We write a placeholder
frame, stream LAME's output while reading every frame header, then write the Xing frame ("Xing" for
VBR, "Info" for CBR) laid out as LAME's VbrTag.c does, with the values LAME would put there: the
frame equals, byte for byte, the one lame_get_lametag_frame() returns (the tests check this).
LAME's encoder delay (576 samples) goes in the tag; decoders add their own 529 and trim both.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt

from pressplant.audio.errors import EncodeError
from pressplant.audio.formats import MP3_RATES_HZ, Encoder, Format, mp3_samples_per_frame

_JOINT_STEREO, _MONO, _VBR_OFF, _VBR_MTRH = 1, 3, 0, 4  # LAME's MPEG_mode and vbr_mode values
_ALGORITHM_QUALITY = 3
_STEREO_MODE_CODE = {0: 1, 1: 3, 2: 2, 3: 0}  # LAME tag: mono 0, stereo 1, dual 2, joint 3 (4: forced M/S)
_VBR_METHOD_CODE = (1, 5, 3, 2, 4, 0, 3)  # LAME tag revision 0 method, indexed by LAME's vbr_mode
_LAME_ERRORS = {-1: "output buffer too small", -2: "out of memory", -3: "not initialised",
                -4: "psychoacoustic model"}

# MPEG audio header tables, by the 2-bit version field (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5).
_RATES_HZ = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_KBPS_MPEG1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_KBPS_MPEG2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_XING_VBR_KBPS = {3: 128, 2: 64, 0: 32}  # VbrTag.c XING_BITRATE1/2/25: the Xing frame's own bitrate
# Side information bytes by (is MPEG-1, is mono): where "Xing" starts after the 4-byte header.
_SIDE_INFO_BYTES = {(True, False): 32, (True, True): 17, (False, False): 17, (False, True): 9}
_LAME_TAG_BYTES = 156  # "Xing" up to the tag CRC: VbrTag.c LAMEHEADERSIZE
_TOC_BAGS = 400  # VbrTag.c keeps at most 400 running sums for the seek table
_WRITE_BYTES = 1 << 20  # LAME's output is written (and CRC'd) in blocks of this size


@dataclass(frozen=True, slots=True)
class Mp3Result:
    samples: int
    """PCM samples per channel fed in: what a gapless decoder gives back."""
    frames: int
    """MPEG audio frames, the Xing/Info frame not counted."""
    size_bytes: int
    """Bytes written to `out`, the Xing/Info frame included."""


@dataclass(frozen=True, slots=True)
class LameTag:
    """The encoder's side of the LAME tag: what LAME knows about its own settings."""

    encoder: bytes  # 9 bytes, e.g. b"LAME3.100"
    quality: int  # Xing "VBR scale": 100 - 10 * VBR_q - quality
    vbr_method: int
    lowpass_hz: int
    ath_type: int
    is_safe_joint: bool
    bitrate_kbps: int  # CBR: the bitrate; VBR: the minimum
    delay_samples: int
    noise_shaping: int
    stereo_mode: int
    preset: int


def encode_mp3(frames: Iterable[av.AudioFrame], out: BinaryIO, fmt: Format, rate_hz: int,
               channels: int) -> Mp3Result:
    """Encode packed s16 `frames` at `rate_hz` as `fmt` into the seekable `out`, gapless.

    Writes from out's position (0 for a bare MP3). After an EncodeError the bytes written are
    garbage; the caller writes to a .part file and removes it.
    """
    _check_request(fmt, rate_hz, channels)
    start = out.tell()
    xing_kbps = fmt.bitrate_bps // 1000 if fmt.bitrate_bps else _XING_VBR_KBPS[_version_of(rate_hz)]
    xing_bytes = _frame_bytes(xing_kbps, rate_hz)
    out.write(bytes(xing_bytes))
    stream = _Stream(out)
    samples = 0
    with _Lame(fmt, rate_hz, channels) as lame:
        for frame in frames:
            address, count = _pcm(frame, rate_hz, channels)
            if count:
                stream.feed(lame.encode(address, count))
                samples += count
        if not samples:
            raise EncodeError("MP3: no audio samples to encode")
        stream.feed(lame.flush())
        tag, lame_padding = lame.tag(), lame.padding_samples()
    stream.finish()
    padding = stream.frames * mp3_samples_per_frame(rate_hz) - tag.delay_samples - samples
    if padding != lame_padding or not 0 <= padding < 4096:
        raise EncodeError(f"MP3: {stream.frames} frames for {samples} samples, but LAME pads {lame_padding}")
    out.seek(start)
    out.write(_xing_frame(stream, tag, padding, xing_kbps))
    out.seek(start + xing_bytes + stream.size_bytes)
    return Mp3Result(samples=samples, frames=stream.frames, size_bytes=xing_bytes + stream.size_bytes)


def _check_request(fmt: Format, rate_hz: int, channels: int) -> None:
    if fmt.encoder is not Encoder.LAME or not (fmt.bitrate_bps or fmt.vbr_quality is not None):
        raise EncodeError(f"{fmt.name} is not an MP3 format")
    if rate_hz not in MP3_RATES_HZ:
        raise EncodeError(f"MP3 takes {', '.join(map(str, MP3_RATES_HZ))} Hz, not {rate_hz} Hz")
    if channels not in (1, 2):
        raise EncodeError(f"MP3 takes 1 or 2 channels, not {channels}")


def _pcm(frame: av.AudioFrame, rate_hz: int, channels: int) -> tuple[int, int]:
    """(address, samples per channel) of the frame's interleaved s16 PCM: LAME reads it in place."""
    got = (frame.format.name, frame.layout.nb_channels, frame.sample_rate)
    if got != ("s16", channels, rate_hz):
        raise EncodeError(f"MP3 encoder wants s16 frames, {channels} channels at {rate_hz} Hz; got "
                          f"{got[0]}, {got[1]} channels at {got[2]} Hz")
    plane = frame.planes[0]
    if plane.buffer_size < frame.samples * channels * 2:
        raise EncodeError(f"audio frame holds {plane.buffer_size} bytes for {frame.samples} samples")
    return plane.buffer_ptr, frame.samples


def _version_of(rate_hz: int) -> int:
    return next(version for version, rates in _RATES_HZ.items() if rate_hz in rates)


def _frame_bytes(kbps: int, rate_hz: int, padding: int = 0) -> int:
    return (144 if _version_of(rate_hz) == 3 else 72) * kbps * 1000 // rate_hz + padding


# --- LAME, through the C API the lameenc wheel exports ---------------------------------------------

_P, _I = ctypes.c_void_p, ctypes.c_int
_SETTERS = ("num_channels", "in_samplerate", "out_samplerate", "mode", "quality", "bWriteVbrTag", "VBR",
            "brate")
_GETTERS = ("VBR", "VBR_q", "quality", "lowpassfreq", "ATHtype", "exp_nspsytune", "mode", "force_ms",
            "brate", "VBR_min_bitrate_kbps", "encoder_delay", "encoder_padding", "sfscale")
_SIGNATURES: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "lame_init": (_P, ()),
    "lame_close": (_I, (_P,)),
    "lame_init_params": (_I, (_P,)),
    "lame_set_VBR_quality": (_I, (_P, ctypes.c_float)),
    "lame_encode_buffer": (_I, (_P, _P, _P, _I, _P, _I)),
    "lame_encode_buffer_interleaved": (_I, (_P, _P, _I, _P, _I)),
    "lame_encode_flush": (_I, (_P, _P, _I)),
    "lame_get_lametag_frame": (ctypes.c_size_t, (_P, _P, ctypes.c_size_t)),
    "get_lame_very_short_version": (ctypes.c_char_p, ()),
    **{f"lame_set_{name}": (_I, (_P, _I)) for name in _SETTERS},
    **{f"lame_get_{name}": (_I, (_P,)) for name in _GETTERS},
}


@functools.cache
def _liblame() -> ctypes.CDLL:
    spec = importlib.util.find_spec("lameenc")
    try:
        lib = ctypes.CDLL(spec.origin if spec and spec.origin else "lameenc")
        for name, (result, arguments) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = result, arguments
    except (OSError, AttributeError) as exc:
        raise EncodeError(f"MP3: the LAME library of the lameenc package is not usable: {exc}") from exc
    return lib


class _Lame:
    """One LAME encoder set up as FFmpeg's libmp3lame is for `fmt`. `lame_writes_tag` is for tests."""

    def __init__(self, fmt: Format, rate_hz: int, channels: int, *, lame_writes_tag: bool = False) -> None:
        self._lib = _liblame()
        self._gfp: int | None = self._lib.lame_init()
        self._channels = channels
        self._buffer = ctypes.create_string_buffer(0)
        rate_control = ([("lame_set_VBR", _VBR_MTRH), ("lame_set_VBR_quality", float(fmt.vbr_quality))]
                        if fmt.vbr_quality is not None
                        else [("lame_set_brate", fmt.bitrate_bps_or_zero // 1000)])
        calls = [("lame_set_num_channels", channels), ("lame_set_in_samplerate", rate_hz),
                 ("lame_set_out_samplerate", rate_hz),
                 ("lame_set_mode", _MONO if channels == 1 else _JOINT_STEREO),
                 ("lame_set_quality", _ALGORITHM_QUALITY), ("lame_set_bWriteVbrTag", int(lame_writes_tag)),
                 *rate_control]
        failed = not self._gfp or any(getattr(self._lib, name)(self._gfp, value) < 0 for name, value in calls)
        if failed or self._lib.lame_init_params(self._gfp) < 0:
            self.close()
            raise EncodeError(f"MP3: LAME refused the settings of {fmt.name} at {rate_hz} Hz, {channels} ch")

    def __enter__(self) -> _Lame:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._gfp:
            self._lib.lame_close(self._gfp)
            self._gfp = None

    def encode(self, address: int, samples: int) -> memoryview:
        """MP3 bytes for `samples` more samples per channel at `address`; valid until the next call."""
        size = samples * 5 // 4 + 7200  # lame.h: the most one call can return
        buffer = self._out(size)
        count = (self._lib.lame_encode_buffer_interleaved(self._gfp, address, samples, buffer, size)
                 if self._channels == 2 else
                 self._lib.lame_encode_buffer(self._gfp, address, address, samples, buffer, size))
        return self._result(count)

    def flush(self) -> memoryview:
        size = 16384  # lame.h asks for at least 7200 bytes; the last frames and reservoir fit easily
        return self._result(self._lib.lame_encode_flush(self._gfp, self._out(size), size))

    def tag(self) -> LameTag:
        """PutLameVBR()'s values, read back from LAME (after flush, for the final encoder state)."""
        get = self._get
        is_cbr, is_joint = get("VBR") == _VBR_OFF, get("mode") == _JOINT_STEREO
        return LameTag(
            encoder=(self._lib.get_lame_very_short_version() or b"LAME")[:9].ljust(9, b"\0"),
            quality=max(0, 100 - 10 * get("VBR_q") - get("quality")), vbr_method=_VBR_METHOD_CODE[get("VBR")],
            lowpass_hz=get("lowpassfreq"), ath_type=get("ATHtype"),
            is_safe_joint=bool(get("exp_nspsytune") & 2) and is_joint,
            bitrate_kbps=get("brate") if is_cbr else get("VBR_min_bitrate_kbps"),
            delay_samples=get("encoder_delay"),
            # Quality 0-6 always shapes noise (1); LAME's presets ask for 2 ("sfscale") at low bitrates.
            noise_shaping=2 if get("sfscale") else 1,
            stereo_mode=_STEREO_MODE_CODE[get("mode")] + int(is_joint and get("force_ms") > 0),
            # The preset LAME applied and records: the CBR bitrate, or 500 - 10 * V for VBR.
            preset=get("brate") if is_cbr else 500 - 10 * get("VBR_q"),
        )

    def padding_samples(self) -> int:
        """LAME's own count of the samples it added at the end (known after flush)."""
        return self._get("encoder_padding")

    def lametag_frame(self) -> bytes:
        """The frame LAME itself writes when asked to (lame_writes_tag=True): the reference for tests."""
        size = int(self._lib.lame_get_lametag_frame(self._gfp, None, 0))
        return bytes(self._result(int(self._lib.lame_get_lametag_frame(self._gfp, self._out(size), size))))

    def _get(self, name: str) -> int:
        return int(getattr(self._lib, f"lame_get_{name}")(self._gfp))

    def _out(self, size: int) -> int:
        if len(self._buffer) < size:
            self._buffer = ctypes.create_string_buffer(size)
        return ctypes.addressof(self._buffer)

    def _result(self, count: int) -> memoryview:
        if count < 0:
            raise EncodeError(f"MP3: LAME failed: {_LAME_ERRORS.get(count, count)}")
        return memoryview(self._buffer).cast("B")[:count]


# --- LAME's output on its way to the file --------------------------------------------------------

class _Stream:
    """Every frame header is read (count, bitrates for the seek table), every byte CRC'd and written."""

    def __init__(self, out: BinaryIO) -> None:
        self.frames = self.size_bytes = 0
        self.first_header = self.last_header = b""
        self.seek_sums = _SeekSums()
        self.crc = _MusicCrc()
        self._out = out
        self._pending = bytearray()
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
        if len(self._pending) >= _WRITE_BYTES:
            self._write(len(self._pending) // _WRITE_BYTES * _WRITE_BYTES)

    def finish(self) -> None:
        if self._next_at != self.size_bytes or not self.frames:
            raise EncodeError(f"MP3: LAME's output ends inside a frame ({self.size_bytes} bytes)")
        self._write(len(self._pending))

    def _read(self, header: bytes) -> int:
        kbps, size = _frame_of(header[0] << 16 | header[1] << 8 | header[2])
        if not self.frames:
            self.first_header = header
        elif (header[1], header[2] & 0x0C, header[3] >> 6) != (
                self.first_header[1], self.first_header[2] & 0x0C, self.first_header[3] >> 6):
            raise EncodeError(f"MP3: frame {self.frames} changes version, rate or channel mode")
        self.last_header = header
        self.frames += 1
        self.seek_sums.add(kbps)
        return size

    def _write(self, count: int) -> None:
        with memoryview(self._pending) as pending:
            for at in range(0, count, _WRITE_BYTES):
                self.crc.update(pending[at:min(count, at + _WRITE_BYTES)])
            self._out.write(pending[:count])
        del self._pending[:count]


@functools.lru_cache(maxsize=256)
def _frame_of(head: int) -> tuple[int, int]:
    """(kb/s, bytes) of the frame whose header starts with the 3 bytes `head`: Layer III, no CRC."""
    version, layer, has_no_crc = head >> 11 & 3, head >> 9 & 3, head >> 8 & 1
    bitrate_index, rate_index, padding = head >> 4 & 15, head >> 2 & 3, head >> 1 & 1
    if head >> 13 != 0x7FF or version == 1 or layer != 1 or not has_no_crc or bitrate_index in (0, 15) \
            or rate_index == 3:
        raise EncodeError(f"MP3: LAME wrote a frame header that is not MPEG Layer III: {head:06x}")
    kbps = (_KBPS_MPEG1 if version == 3 else _KBPS_MPEG2)[bitrate_index]
    return kbps, _frame_bytes(kbps, _RATES_HZ[version][rate_index], padding)


class _SeekSums:
    """VbrTag.c's seek table: running sums of frame bitrates in at most 400 bags, as LAME keeps it."""

    def __init__(self) -> None:
        self.total = self._seen = 0
        self._want = 1
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


# --- CRC-16/ARC (poly 0x8005 reflected, init 0): LAME's CRC_update_lookup, FFmpeg's AV_CRC_16_ANSI_LE

_CRC_LANES = 8192
_U16 = npt.NDArray[np.uint16]
_BitMatrix = tuple[int, ...]  # a 16x16 matrix over GF(2): the images of the 16 unit vectors


def crc16_arc(data: bytes, crc: int = 0) -> int:
    table = _crc_byte_table()
    for byte in data:
        crc = (crc >> 8) ^ int(table[(crc ^ byte) & 0xFF])
    return crc


class _MusicCrc:
    """CRC-16/ARC of the audio stream at numpy speed.

    A CRC that starts at 0 is linear: a block is cut into lanes whose CRCs run side by side, two
    bytes a step, and are folded pairwise, crc(a + b) = shift(crc(a), len(b)) ^ crc(b), where
    shift() is the register's response to zero bytes, a 16x16 bit matrix.
    """

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: memoryview) -> None:
        """Add `data`: a whole block of _WRITE_BYTES, or a shorter one as the stream's last."""
        count = len(data)
        if count < _WRITE_BYTES:  # leading zeros leave a CRC that starts at 0 unchanged
            data = memoryview(bytes(_WRITE_BYTES - count) + data)
        words = np.frombuffer(data, dtype="<u2").reshape(_CRC_LANES, -1)
        word_table, folds = _crc_tables()
        lanes = np.zeros(_CRC_LANES, dtype=np.uint16)
        for column in words.T:
            lanes = word_table[lanes ^ column]
        for low, high in folds:
            lanes = low[lanes[0::2] & 0xFF] ^ high[lanes[0::2] >> 8] ^ lanes[1::2]
        self.value = _apply(_zero_bytes(count), self.value) ^ int(lanes[0])


@functools.cache
def _crc_byte_table() -> _U16:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ 0xA001, table >> 1)
    return table.astype(np.uint16)


@functools.cache
def _crc_tables() -> tuple[_U16, list[tuple[_U16, _U16]]]:
    """The two-byte step, and for each fold level the shift over one lane's length, byte by byte."""
    table = _crc_byte_table()
    x = np.arange(65536, dtype=np.uint32)
    low = table[x & 0xFF].astype(np.uint32)
    word_table = ((low >> 8) ^ table[((x >> 8) ^ low) & 0xFF]).astype(np.uint16)
    folds, shift = [], _zero_bytes(_WRITE_BYTES // _CRC_LANES)
    for _ in range(_CRC_LANES.bit_length() - 1):
        folds.append((_byte_table(shift, 0), _byte_table(shift, 8)))
        shift = tuple(_apply(shift, column) for column in shift)
    return word_table, folds


@functools.lru_cache(maxsize=8)
def _zero_bytes(count: int) -> _BitMatrix:
    """The register's response to `count` zero bytes, by squaring the one-byte step."""
    table = _crc_byte_table()
    power: _BitMatrix = tuple((1 << i >> 8) ^ int(table[1 << i & 0xFF]) for i in range(16))
    result: _BitMatrix = tuple(1 << i for i in range(16))
    while count:
        if count & 1:
            result = tuple(_apply(power, column) for column in result)
        power = tuple(_apply(power, column) for column in power)
        count >>= 1
    return result


def _byte_table(matrix: _BitMatrix, shift: int) -> _U16:
    """`matrix` applied to each of the 256 values of one byte placed at bit `shift`."""
    byte, result = np.arange(256, dtype=np.uint16), np.zeros(256, dtype=np.uint16)
    for bit in range(8):
        result ^= np.where(byte >> bit & 1, np.uint16(matrix[bit + shift]), np.uint16(0))
    return result


def _apply(matrix: _BitMatrix, value: int) -> int:
    result = 0
    for bit, column in enumerate(matrix):
        if value >> bit & 1:
            result ^= column
    return result


# --- the Xing/Info frame ------------------------------------------------------------------------------

def _xing_frame(stream: _Stream, tag: LameTag, padding_samples: int, kbps: int) -> bytes:
    """VbrTag.c's frame: a Layer III frame with zero side info, then Xing fields, TOC and LAME tag."""
    first, last = stream.first_header, stream.last_header
    version = first[1] >> 3 & 3
    rate_hz = _RATES_HZ[version][first[2] >> 2 & 3]
    size_bytes = _frame_bytes(kbps, rate_hz)
    # Rate and private bit from the stream, no padding; mode, mode extension and flags of its last frame.
    bitrate_index = (_KBPS_MPEG1 if version == 3 else _KBPS_MPEG2).index(kbps)
    header = bytes((0xFF, first[1], bitrate_index << 4 | first[2] & 0x0D, last[3]))
    side_info_bytes = _SIDE_INFO_BYTES[version == 3, last[3] >> 6 == _MONO]
    if size_bytes < 4 + side_info_bytes + _LAME_TAG_BYTES:
        raise EncodeError(f"MP3: a {size_bytes}-byte frame cannot hold the LAME tag")
    stream_bytes = size_bytes + stream.size_bytes
    xing = (b"Info" if tag.vbr_method == _VBR_METHOD_CODE[_VBR_OFF] else b"Xing") + struct.pack(
        ">III100sI", 0x0F, stream.frames, stream_bytes, stream.seek_sums.toc(), tag.quality)
    body = (header + bytes(side_info_bytes) + xing
            + _lame_extension(tag, padding_samples, rate_hz, stream_bytes, stream.crc.value))
    body += struct.pack(">H", crc16_arc(body))
    return body + bytes(size_bytes - len(body))


def _lame_extension(tag: LameTag, padding_samples: int, rate_hz: int, stream_bytes: int,
                    music_crc: int) -> bytes:
    """PutLameVBR(): version, method, lowpass, ReplayGain (none), flags, bitrate, delays, misc, sizes."""
    lowpass = min(255, int(tag.lowpass_hz / 100 + 0.5))
    flags = tag.ath_type | 0x10 | (0x20 if tag.is_safe_joint else 0)  # ATH type, nspsytune, safe joint
    is_nonoptimal = rate_hz <= 32000  # LAME's only "nonoptimal" condition our settings can meet
    source_rate = 0 if rate_hz <= 32000 else 1 if rate_hz < 48000 else 2 if rate_hz == 48000 else 3
    misc = tag.noise_shaping | tag.stereo_mode << 2 | is_nonoptimal << 5 | source_rate << 6
    head = struct.pack(">9sBBIHHBB", tag.encoder, tag.vbr_method, lowpass, 0, 0, 0, flags,
                       min(255, tag.bitrate_kbps))  # the zeros: peak, radio and audiophile ReplayGain
    delays = (tag.delay_samples << 12 | padding_samples).to_bytes(3, "big")
    return head + delays + struct.pack(">BBHIH", misc, 0, tag.preset, stream_bytes, music_crc)
