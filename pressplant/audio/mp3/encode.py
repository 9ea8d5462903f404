"""encode_mp3(): LAME's audio frames behind a Xing/Info frame written here, gapless.

With LAME's tag off the stream holds only audio frames (as in FFmpeg). We write a placeholder frame,
stream LAME's output while reading every frame header, then write the Xing frame ("Xing" for VBR,
"Info" for CBR) in the placeholder's place. LAME's encoder delay (576 samples) goes in its tag;
decoders add their own 529 and trim both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import av

from pressplant.audio.errors import EncodeError
from pressplant.audio.formats import MP3_RATES_HZ, Encoder, Format, mp3_samples_per_frame
from pressplant.audio.mp3.frames import Stream, frame_bytes
from pressplant.audio.mp3.lame import Lame
from pressplant.audio.mp3.xing import SeekSums, xing_frame, xing_kbps

_PADDING_LIMIT_SAMPLES = 1 << 12  # the LAME tag holds the end padding in 12 bits


@dataclass(frozen=True, slots=True)
class Mp3Result:
    samples: int
    """PCM samples per channel fed in: what a gapless decoder gives back."""
    frames: int
    """MPEG audio frames, the Xing/Info frame not counted."""
    size_bytes: int
    """Bytes written to `out`, the Xing/Info frame included."""


def encode_mp3(frames: Iterable[av.AudioFrame], out: BinaryIO, fmt: Format, rate_hz: int,
               channels: int) -> Mp3Result:
    """Encode packed s16 `frames` at `rate_hz` as `fmt` into the seekable `out`, gapless.

    Writes from out's position (0 for a bare MP3). After an EncodeError the bytes written are
    garbage; the caller writes to a .part file and removes it.
    """
    _check_request(fmt, rate_hz, channels)
    start = out.tell()
    kbps = xing_kbps(fmt.bitrate_bps, rate_hz)
    xing_bytes = frame_bytes(kbps, rate_hz)
    out.write(bytes(xing_bytes))  # the placeholder: the Xing frame needs the whole stream's totals
    seek_sums = SeekSums()
    stream = Stream(out, on_frame_kbps=seek_sums.add)
    with Lame(fmt, rate_hz, channels) as lame:
        samples = _feed(lame, stream, frames, rate_hz, channels)
        tag, lame_padding = lame.tag(), lame.padding_samples()
    stream.finish()
    padding = stream.frames * mp3_samples_per_frame(rate_hz) - tag.delay_samples - samples
    if padding != lame_padding or not 0 <= padding < _PADDING_LIMIT_SAMPLES:
        raise EncodeError(f"MP3: {stream.frames} frames for {samples} samples, but LAME pads {lame_padding}")
    out.seek(start)
    out.write(xing_frame(stream, seek_sums, tag, padding, kbps))
    out.seek(start + xing_bytes + stream.size_bytes)
    return Mp3Result(samples=samples, frames=stream.frames, size_bytes=xing_bytes + stream.size_bytes)


def _check_request(fmt: Format, rate_hz: int, channels: int) -> None:
    if fmt.encoder is not Encoder.LAME or not (fmt.bitrate_bps or fmt.vbr_quality is not None):
        raise EncodeError(f"{fmt.name} is not an MP3 format")
    if rate_hz not in MP3_RATES_HZ:
        raise EncodeError(f"MP3 takes {', '.join(map(str, MP3_RATES_HZ))} Hz, not {rate_hz} Hz")
    if channels not in (1, 2):
        raise EncodeError(f"MP3 takes 1 or 2 channels, not {channels}")


def _feed(lame: Lame, stream: Stream, frames: Iterable[av.AudioFrame], rate_hz: int, channels: int) -> int:
    """Encode all of `frames` into `stream`, LAME flushed; the samples per channel fed in."""
    samples = 0
    for frame in frames:
        address, count = _pcm(frame, rate_hz, channels)
        if count:
            stream.feed(lame.encode(address, count))
            samples += count
    if not samples:
        raise EncodeError("MP3: no audio samples to encode")
    stream.feed(lame.flush())
    return samples


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
