"""transcode(): a master in, one sellable format out, streamed frame by frame and verified.

decode -> (resample, dither, re-block) -> encode -> mux, into `out.part`; then tags, then a probe of
the result, then the rename. Nothing but whole, verified files ever appears under the final name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.filter

from pressplant.audio.cover import prepare_cover
from pressplant.audio.errors import AudioError, EncodeError
from pressplant.audio.formats import (
    Encoder,
    Format,
    excerpt_fades,
    excerpt_window,
    get_format,
    output_depth_bits,
    output_rate_hz,
)
from pressplant.audio.metadata import Gapless, TrackTags
from pressplant.audio.mp3 import encode_mp3
from pressplant.audio.probe import ProbeResult, probe
from pressplant.audio.tags import write_tags

ENGINE_VERSION = "1"
"""Bumped whenever a change to the engine changes the bytes it writes (it is part of cache keys)."""

# (codec of the row, output bits) -> (FFmpeg encoder, sample format it is fed). None bits: lossy.
_ENCODERS: dict[tuple[str, int | None], tuple[str, str]] = {
    ("mp3", None): ("lame", "s16"),
    ("aac", None): ("aac", "fltp"),
    ("libopus", None): ("libopus", "flt"),
    ("flac", 16): ("flac", "s16"),
    ("flac", 24): ("flac", "s32"),
    ("alac", 16): ("alac", "s16p"),
    ("alac", 24): ("alac", "s32p"),
}
_PCM_ENCODERS: dict[tuple[str, int], tuple[str, str]] = {
    ("wav", 16): ("pcm_s16le", "s16"),
    ("wav", 24): ("pcm_s24le", "s32"),
    ("aiff", 16): ("pcm_s16be", "s16"),
    ("aiff", 24): ("pcm_s24be", "s32"),
}
# Encoder options beyond bitrate: constrained VBR keeps Opus files within a few percent of their nominal
# size, so per-megabyte quotes made before encoding hold.
ENCODER_OPTIONS: dict[str, dict[str, str]] = {"libopus": {"vbr": "constrained"}}
# Encoders whose priming samples FFmpeg does not announce through the codec context.
_PRIMING_SAMPLES = {"aac": 1024}
# swr at a longer filter than its default (32 taps): a cleaner high-quality resampler for lowering the rate.
_RESAMPLER = "filter_size=64:phase_shift=10:cutoff=0.97:exact_rational=1"
# Triangular high-pass dither whenever the sample format loses bits (24 -> 16).
_DITHER = "dither_method=triangular_hp"


@dataclass(frozen=True, slots=True)
class RenditionInfo:
    path: Path
    format: Format
    size_bytes: int
    duration_samples: int
    sample_rate_hz: int
    bit_depth: int | None
    channels: int
    encoder_settings: str


@dataclass(frozen=True, slots=True)
class _Target:
    encoder: str
    sample_format: str
    rate_hz: int
    layout: str
    bits: int | None
    excerpt: tuple[int, int] | None = None
    """(first sample, samples) of the master to take, for previews; None: all of it."""

    def output_samples(self, source: ProbeResult) -> int:
        taken = self.excerpt[1] if self.excerpt else source.duration_samples
        return taken * self.rate_hz // source.sample_rate_hz


def transcode(master: Path | str, fmt: Format | str, out: Path | str, tags: TrackTags | None = None,
              cover: bytes | None = None) -> RenditionInfo:
    """Encode `master` as `fmt` into `out`, tagged with `tags` and `cover`, and verify the result.

    On any failure no file is left at `out` or `out.part`, and EncodeError (or UnreadableMaster for a
    bad master, BadCover for a bad picture) says why.
    """
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    master, out = Path(master), Path(out)
    source = probe(master)
    target = _target(fmt, source)
    prepared_cover = prepare_cover(cover) if cover else None
    settings = fmt.settings_text()
    full_tags = (tags or TrackTags(title=master.stem)).with_encoder(settings)
    part = out.with_name(out.name + ".part")
    try:
        if fmt.tag_kind.leads_file:  # tag first, audio appended: the audio is never moved to make room
            part.write_bytes(b"")
            write_tags(part, fmt, full_tags, prepared_cover)
            _encode(master, part, fmt, target)
        else:
            gapless = _encode(master, part, fmt, target)
            write_tags(part, fmt, full_tags, prepared_cover, gapless)
        size_bytes = _verify(part, fmt, target, source)
        part.replace(out)
    except AudioError:
        part.unlink(missing_ok=True)
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        part.unlink(missing_ok=True)
        raise EncodeError(f"{master.name} -> {fmt.name}: {exc}") from exc
    return RenditionInfo(path=out, format=fmt, size_bytes=size_bytes,
                         duration_samples=target.output_samples(source),
                         sample_rate_hz=target.rate_hz, bit_depth=target.bits, channels=source.channels
                         if source.channels <= 2 or fmt.is_lossless else 2, encoder_settings=settings)


def _target(fmt: Format, source: ProbeResult) -> _Target:
    bits = output_depth_bits(fmt, source.bit_depth or 16)
    table_key = (fmt.container, bits or 0)
    encoder, sample_format = (
        _PCM_ENCODERS[table_key] if fmt.codec == "pcm" else _ENCODERS[(fmt.codec, bits)]
    )
    channels = source.channels if fmt.is_lossless else min(source.channels, 2)
    layout = {1: "mono", 2: "stereo"}.get(channels) or av.AudioLayout(f"{channels}c").name
    return _Target(encoder=encoder, sample_format=sample_format, rate_hz=output_rate_hz(fmt, source.sample_rate_hz),
                   layout=layout, bits=bits,
                   excerpt=excerpt_window(fmt, source.duration_samples, source.sample_rate_hz))


def _encode(master: Path, part: Path, fmt: Format, target: _Target) -> Gapless | None:
    with av.open(str(master)) as source:
        stream = source.streams.audio[0]
        if fmt.encoder is Encoder.LAME:
            with part.open("r+b" if part.exists() else "wb") as fh:
                fh.seek(0, 2)
                encode_mp3(_converted(source, stream, target, encoder_converts=False), fh, fmt, target.rate_hz,
                           av.AudioLayout(target.layout).nb_channels)
            return None
        return _encode_ffmpeg(source, stream, part, fmt, target)


def _encode_ffmpeg(source: av.container.InputContainer, stream: av.audio.stream.AudioStream, part: Path,
                   fmt: Format, target: _Target) -> Gapless | None:
    # bitexact: no "Lavf" vendor tags (a WAV would get a LIST/INFO chunk ahead of its data, which readers
    # prefer to our ID3), no timestamps: the same master and tags always give the same bytes.
    options = {"fflags": "+bitexact"}
    if fmt.container == "ipod":
        options["movie_timescale"] = str(target.rate_hz)  # a sample-exact edit list
    with av.open(str(part), "w", format=fmt.container, options=options) as output:
        out_stream = output.add_stream(target.encoder, rate=target.rate_hz)
        assert isinstance(out_stream, av.audio.stream.AudioStream)
        context = out_stream.codec_context
        context.layout = target.layout
        context.format = target.sample_format
        if fmt.bitrate_bps:
            context.bit_rate = fmt.bitrate_bps
        context.options = ENCODER_OPTIONS.get(target.encoder, {})
        context.open()
        samples = 0
        packets = 0
        time_base = Fraction(1, target.rate_hz)
        # Frames go in as the decoder and resampler make them; PyAV cuts them to the encoder's frame size
        # in C, which is faster than handing it many small frames from Python.
        for frame in _converted(source, stream, target, encoder_converts=True):
            frame.pts, frame.time_base = samples, time_base
            samples += frame.samples
            encoded = out_stream.encode(frame)
            packets += len(encoded)
            output.mux(encoded)
        encoded = out_stream.encode(None)
        packets += len(encoded)
        output.mux(encoded)
    priming = _PRIMING_SAMPLES.get(target.encoder)
    if priming is None:
        return None
    return Gapless(delay_samples=priming, padding_samples=packets * context.frame_size - priming - samples,
                   valid_samples=samples)


def _converted(source: av.container.InputContainer, stream: av.audio.stream.AudioStream, target: _Target,
               *, encoder_converts: bool) -> Iterator[av.AudioFrame]:
    """The master's frames in the target's rate, layout and sample format (frames of any length).

    With `encoder_converts` (PyAV's encoders convert and re-block what they are given), a change of
    sample format that loses nothing (s16 -> s16p, s16 -> fltp, s32 -> s32p) is left to the encoder.
    """
    context = stream.codec_context
    same_shape = (context.sample_rate, context.layout.name) == (target.rate_hz, target.layout)
    source_format, target_format = context.format, av.AudioFormat(target.sample_format)
    is_exact = source_format.name == target_format.name or (
        encoder_converts and target_format.bytes >= source_format.bytes)
    if same_shape and is_exact and target.excerpt is None:
        yield from source.decode(stream)
        return
    graph = _conversion_graph(stream, target)
    stop_at = sum(target.excerpt) if target.excerpt else None
    for frame in source.decode(stream):
        graph.push(frame)
        yield from _drain(graph)
        if stop_at is not None and _starts_after(frame, stop_at, context.sample_rate):
            break  # an excerpt needs nothing past its end
    graph.push(None)
    yield from _drain(graph)


def _conversion_graph(stream: av.audio.stream.AudioStream, target: _Target) -> av.filter.Graph:
    graph = av.filter.Graph()
    context = stream.codec_context
    nodes = [graph.add_abuffer(sample_rate=context.sample_rate, format=context.format.name,
                               layout=context.layout.name, time_base=Fraction(1, context.sample_rate))]
    options = [f"osr={target.rate_hz}", f"osf={target.sample_format}", f"ochl={target.layout}", _RESAMPLER]
    if target.sample_format.startswith("s16"):
        options.append(_DITHER)
    nodes += _excerpt_filters(graph, target, context.sample_rate)
    nodes.append(graph.add("aresample", ":".join(options)))
    nodes.append(graph.add("abuffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


def _starts_after(frame: av.AudioFrame, sample: int, rate_hz: int) -> bool:
    if frame.pts is None or frame.time_base is None:
        return False
    return bool(frame.pts * frame.time_base * rate_hz > sample)


def _excerpt_filters(graph: av.filter.Graph, target: _Target, rate_hz: int) -> list[av.filter.context.FilterContext]:
    """Cut a preview out of the master, sample-exact, with a fade in and out."""
    if target.excerpt is None:
        return []
    start, length = target.excerpt
    fade_in, fade_out = excerpt_fades(length, rate_hz)
    return [
        graph.add("atrim", f"start_sample={start}:end_sample={start + length}"),
        graph.add("asetpts", "PTS-STARTPTS"),
        graph.add("afade", f"t=in:d={fade_in:.3f}"),
        graph.add("afade", f"t=out:st={length / rate_hz - fade_out:.3f}:d={fade_out:.3f}"),
    ]


def _drain(graph: av.filter.Graph) -> Iterator[av.AudioFrame]:
    while True:
        try:
            frame = graph.pull()
        except (BlockingIOError, av.error.EOFError):
            return
        assert isinstance(frame, av.AudioFrame)
        yield frame


def _verify(part: Path, fmt: Format, target: _Target, source: ProbeResult) -> int:
    """Probe the new file as an independent reader would; return its size in bytes."""
    result = probe(part, master=False)
    expected_samples = target.output_samples(source)
    tolerance = 0 if fmt.is_lossless else target.rate_hz // 10
    problems = []
    if result.sample_rate_hz != target.rate_hz:
        problems.append(f"rate {result.sample_rate_hz} Hz, expected {target.rate_hz} Hz")
    if abs(result.duration_samples - expected_samples) > tolerance:
        problems.append(f"{result.duration_samples} samples, expected {expected_samples}")
    if target.bits and result.bit_depth and result.bit_depth != target.bits:
        problems.append(f"{result.bit_depth} bits, expected {target.bits}")
    if problems:
        raise EncodeError(f"{part.name}: the encoded file does not verify: {'; '.join(problems)}")
    return result.size_bytes
