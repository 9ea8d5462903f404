"""LAME, through the C API the lameenc wheel exports, set up as FFmpeg's libmp3lame sets it up.

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
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
from dataclasses import dataclass
from typing import Any

from pressplant.audio.errors import EncodeError
from pressplant.audio.formats import Format

_JOINT_STEREO, _MONO, _VBR_OFF, _VBR_MTRH = 1, 3, 0, 4  # LAME's MPEG_mode and vbr_mode values
_ALGORITHM_QUALITY = 3
_STEREO_MODE_CODE = {0: 1, 1: 3, 2: 2, 3: 0}  # LAME tag: mono 0, stereo 1, dual 2, joint 3 (4: forced M/S)
_VBR_METHOD_CODE = (1, 5, 3, 2, 4, 0, 3)  # LAME tag revision 0 method, indexed by LAME's vbr_mode
_LAME_ERRORS = {-1: "output buffer too small", -2: "out of memory", -3: "not initialised",
                -4: "psychoacoustic model"}
_FLUSH_BYTES = 16384  # lame.h asks for at least 7200 bytes; the last frames and reservoir fit easily


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

    @property
    def is_cbr(self) -> bool:
        """Constant bitrate: VbrTag.c then names the frame "Info" rather than "Xing"."""
        return self.vbr_method == _VBR_METHOD_CODE[_VBR_OFF]


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


def _settings(fmt: Format, rate_hz: int, channels: int, lame_writes_tag: bool) -> list[tuple[str, float]]:
    """The lame_set_* calls, in order, that make LAME encode `fmt` as FFmpeg's libmp3lame would."""
    rate_control = ([("lame_set_VBR", _VBR_MTRH), ("lame_set_VBR_quality", float(fmt.vbr_quality))]
                    if fmt.vbr_quality is not None
                    else [("lame_set_brate", fmt.bitrate_kbps)])
    return [("lame_set_num_channels", channels), ("lame_set_in_samplerate", rate_hz),
            ("lame_set_out_samplerate", rate_hz),
            ("lame_set_mode", _MONO if channels == 1 else _JOINT_STEREO),
            ("lame_set_quality", _ALGORITHM_QUALITY), ("lame_set_bWriteVbrTag", int(lame_writes_tag)),
            *rate_control]


class Lame:
    """One LAME encoder set up for `fmt`. `lame_writes_tag` is for tests: LAME's own tag as reference."""

    def __init__(self, fmt: Format, rate_hz: int, channels: int, *, lame_writes_tag: bool = False) -> None:
        self._lib = _liblame()
        self._gfp: int | None = self._lib.lame_init()
        self._channels = channels
        self._buffer = ctypes.create_string_buffer(0)
        calls = _settings(fmt, rate_hz, channels, lame_writes_tag)
        failed = not self._gfp or any(getattr(self._lib, name)(self._gfp, value) < 0 for name, value in calls)
        if failed or self._lib.lame_init_params(self._gfp) < 0:
            self.close()
            raise EncodeError(f"MP3: LAME refused the settings of {fmt.name} at {rate_hz} Hz, {channels} ch")

    def __enter__(self) -> Lame:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._gfp:
            self._lib.lame_close(self._gfp)
            self._gfp = None

    def encode(self, address: int, samples: int) -> memoryview:
        """MP3 bytes for `samples` more s16 samples per channel at `address`; valid until the next call."""
        size = samples * 5 // 4 + 7200  # lame.h: the most one call can return
        buffer = self._out(size)
        count = (self._lib.lame_encode_buffer_interleaved(self._gfp, address, samples, buffer, size)
                 if self._channels == 2 else  # mono: LAME reads only the first (left) buffer
                 self._lib.lame_encode_buffer(self._gfp, address, address, samples, buffer, size))
        return self._result(count)

    def flush(self) -> memoryview:
        return self._result(self._lib.lame_encode_flush(self._gfp, self._out(_FLUSH_BYTES), _FLUSH_BYTES))

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
        """The address of a reusable output buffer of at least `size` bytes."""
        if len(self._buffer) < size:
            self._buffer = ctypes.create_string_buffer(size)
        return ctypes.addressof(self._buffer)

    def _result(self, count: int) -> memoryview:
        if count < 0:
            raise EncodeError(f"MP3: LAME failed: {_LAME_ERRORS.get(count, count)}")
        return memoryview(self._buffer).cast("B")[:count]
