"""Masters made for tests: short sines written with PyAV, tagged with mutagen, covers drawn with Pillow."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TSRC, TXXX
from mutagen.wave import WAVE
from PIL import Image

# suffix -> (muxer, encoder, sample format for 16 bits, sample format for 24 bits)
_CODECS = {
    ".flac": ("flac", "flac", "s16", "s32"),
    ".wav": ("wav", "pcm_s16le", "s16", "s32"),
    ".aiff": ("aiff", "pcm_s16be", "s16", "s32"),
    ".mp3": ("mp3", "libmp3lame", "fltp", "fltp"),
}
_ID3_FRAMES = {"title": TIT2, "artist": TPE1, "albumartist": TPE2, "album": TALB, "date": TDRC,
               "genre": TCON, "isrc": TSRC, "tracknumber": TRCK, "discnumber": TPOS}


def write_sine(path: Path, *, seconds: float = 1.0, rate_hz: int = 44_100, bits: int = 16,
               freq_hz: float = 440.0) -> Path:
    """A stereo sine at -6 dBFS, `seconds` long, in the container the suffix names."""
    muxer, codec, fmt16, fmt24 = _CODECS[path.suffix]
    sample_format = fmt16 if bits == 16 else fmt24
    path.parent.mkdir(parents=True, exist_ok=True)
    total = round(seconds * rate_hz)
    wave = 0.5 * np.sin(2 * np.pi * freq_hz * np.arange(total) / rate_hz)
    with av.open(str(path), "w", format=muxer) as out:
        stream = out.add_stream(codec, rate=rate_hz, layout="stereo")
        stream.codec_context.format = sample_format
        for start in range(0, total, 4096):
            frame = _frame(wave[start:start + 4096], sample_format, rate_hz, start)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _frame(chunk: np.ndarray, sample_format: str, rate_hz: int, pts: int) -> av.AudioFrame:
    if sample_format == "fltp":
        data = np.stack([chunk, chunk]).astype(np.float32)
    else:
        scale, dtype = (32767, np.int16) if sample_format == "s16" else (2**31 - 1, np.int32)
        data = np.stack([chunk, chunk], axis=1).reshape(1, -1)
        data = (data * scale).astype(dtype)
    frame = av.AudioFrame.from_ndarray(data, format=sample_format, layout="stereo")
    frame.sample_rate, frame.pts, frame.time_base = rate_hz, pts, Fraction(1, rate_hz)
    return frame


def tag(path: Path, picture: bytes | None = None, **fields: str | list[str]) -> Path:
    """Write tags as a tagger would: Vorbis comments in FLAC, an ID3 chunk in WAV and AIFF."""
    if path.suffix == ".flac":
        audio = FLAC(path)
        for key, value in fields.items():
            audio[key.upper()] = value
        if picture:
            pic = Picture()
            pic.type, pic.mime, pic.data = 3, "image/png", picture
            audio.add_picture(pic)
        audio.save()
        return path
    audio = WAVE(path) if path.suffix == ".wav" else AIFF(path)
    audio.add_tags()
    for key, value in fields.items():
        frame = _ID3_FRAMES.get(key)
        audio.tags.add(frame(encoding=3, text=value) if frame else TXXX(encoding=3, desc=key.upper(), text=value))
    if picture:
        audio.tags.add(APIC(encoding=3, mime="image/png", type=3, desc="", data=picture))
    audio.save()
    return path


def image_bytes(fmt: str = "JPEG", size_px: int = 64, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size_px, size_px), colour).save(out, fmt)
    return out.getvalue()
