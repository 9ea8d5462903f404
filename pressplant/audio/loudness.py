"""EBU R128 integrated loudness and true peak of a master, or of a whole release for album gain.

The measuring is FFmpeg's `ebur128` filter (BS.1770-4 K-weighting and gating; true peak by
oversampling to 192 kHz), run through PyAV's filter graph; nothing here re-implements BS.1770. What
this module adds is how the filter is fed and read:

- With `metadata=1` the filter re-cuts the audio into 100 ms frames and tags each with running
  values. `lavfi.r128.I` is the integrated loudness of everything seen so far (gated over all the
  400 ms blocks completed), and `lavfi.r128.true_peak` / `sample_peak` are running maxima over the
  channels (`true_peaks_chN` holds each channel's), so the last tagged frame holds the answer.
- The filter writes every value into the metadata with three decimals ("%.3f"), peaks as linear
  amplitudes: 0.0005 of full scale is the step, so a -40 dBTP peak would be off by up to 0.4 dB and
  anything under -66 dBTP would read as zero. The peaks are therefore read from a second `ebur128`
  fed a copy raised by exactly 2**20 (a power of two: the scaling is exact). Its loudness is not
  used: a raised signal would pass the -70 LUFS absolute gate where the real one does not. The copy
  is padded with 100 ms of zeros at the end, because the filter tags only frames that complete a
  100 ms step, and the peaks of a last partial frame would otherwise never be reported.
- The reported peak is the larger of the true peak and the sample peak: above 192 kHz the filter's
  "oversampling" is a downsampling and would understate the peak.

A programme in which no 400 ms block passes the -70 LUFS absolute gate (digital silence, or anything
shorter than one block, such as a 0.2 s blip) reads -70 LUFS, as ebur128 and `Loudness.silent()` say;
its peak is still measured (-inf dBTP for digital silence). A mono master is measured as dual mono
(ebur128's `dualmono`): players send it to both speakers, and ReplayGain scanners (rsgain, foobar2000)
measure it so, which keeps a mono track level with its stereo neighbours.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import av
import av.error
import av.filter
from av.audio.frame import AudioFrame
from av.filter.context import FilterContext

from pressplant.audio.errors import UnreadableMaster
from pressplant.audio.metadata import Loudness

PEAK_GAIN = 2.0**20
"""Exact gain of the peak branch, so that three printed decimals hold nine of the real peak."""

MEASURED_SAMPLE_FORMAT = "dblp"
"""ebur128's own sample format: audio is converted to it once, before the graph splits."""

_INTEGRATED_KEY = "lavfi.r128.I"
_TRUE_PEAK_KEY = "lavfi.r128.true_peak"
_SAMPLE_PEAK_KEY = "lavfi.r128.sample_peak"


class LoudnessMeter:
    """Feed decoded frames (any sample format/rate/layout the decoder gives) one at a time; .result().

    Every frame must have the rate, layout and sample format given here (FFmpeg refuses a change on
    the fly). `add()` hands the frame to FFmpeg by reference and copies nothing itself; inside the
    graph the audio is converted to double once, re-cut into 100 ms blocks, and raised for the peaks.
    """

    def __init__(self, rate_hz: int, layout: str, sample_format: str) -> None:
        self._graph = av.filter.Graph()
        self._source = self._graph.add_abuffer(sample_rate=rate_hz, format=sample_format, layout=layout)
        to_double = self._graph.add("aformat", f"sample_fmts={MEASURED_SAMPLE_FORMAT}")
        split = self._graph.add("asplit", "2")
        self._source.link_to(to_double)
        to_double.link_to(split)
        raise_peaks = [f"volume={PEAK_GAIN:.0f}:precision=double", f"apad=pad_len={max(rate_hz // 10, 1)}"]
        self._reads = (
            (self._chain(split, 0, ["ebur128=metadata=1" + (":dualmono=true" if layout == "mono" else "")]),
             (_INTEGRATED_KEY,)),
            (
                self._chain(split, 1, [*raise_peaks, "ebur128=metadata=1:peak=true+sample"]),
                (_TRUE_PEAK_KEY, _SAMPLE_PEAK_KEY),
            ),
        )
        self._graph.configure()
        self._last: dict[str, float] = {}
        self._result: Loudness | None = None

    @classmethod
    def for_frame(cls, frame: AudioFrame) -> LoudnessMeter:
        """A meter for frames shaped like this one (the first a decoder gives)."""
        return cls(frame.sample_rate, frame.layout.name, frame.format.name)

    def _chain(self, split: FilterContext, output: int, specs: list[str]) -> FilterContext:
        """Link `name=args` filters after the split's output and end them in a sink."""
        previous, previous_output = split, output
        for spec in specs:
            name, _, args = spec.partition("=")
            context = self._graph.add(name, args or None)
            previous.link_to(context, previous_output, 0)
            previous, previous_output = context, 0
        sink = self._graph.add("abuffersink")
        previous.link_to(sink, previous_output, 0)
        return sink

    def add(self, frame: AudioFrame) -> None:
        if self._result is not None:
            raise RuntimeError("this meter has given its result; start a new one")
        self._source.push(frame)
        self._drain()

    def result(self) -> Loudness:
        """Ends the programme (later calls give the same value)."""
        if self._result is None:
            self._source.push(None)
            self._drain()
            self._result = Loudness(integrated_lufs=self._integrated_lufs(), true_peak_dbtp=self._peak_dbtp())
        return self._result

    def _drain(self) -> None:
        """Pull every frame the filters have ready, keeping the latest running values.

        Pulling is what keeps memory flat: frames left in a sink would pile up for the whole file.
        """
        for sink, keys in self._reads:
            for metadata in _pulled_metadata(sink):
                self._last.update((key, float(metadata[key])) for key in keys if key in metadata)

    def _integrated_lufs(self) -> float:
        return self._last.get(_INTEGRATED_KEY, Loudness.silent().integrated_lufs)

    def _peak_dbtp(self) -> float:
        raised = max(self._last.get(_TRUE_PEAK_KEY, 0.0), self._last.get(_SAMPLE_PEAK_KEY, 0.0))
        return 20 * math.log10(raised / PEAK_GAIN) if raised > 0 else -math.inf


def _pulled_metadata(sink: FilterContext) -> Iterator[dict[str, str]]:
    """The metadata of each frame the sink has ready now (ebur128 tags one frame per 100 ms step)."""
    while True:
        try:
            frame = sink.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        yield frame.metadata


def measure_loudness(path: Path) -> Loudness:
    """Integrated loudness and true peak of one master, decoded frame by frame (never whole in memory)."""
    with _reading(path):
        frames = _decoded_frames(path)
        first = next(frames)
        meter = LoudnessMeter.for_frame(first)
        for frame in itertools.chain([first], frames):
            meter.add(frame)
        return meter.result()


def measure_album_loudness(paths: Sequence[Path]) -> Loudness:
    """The release as one programme: the tracks back to back, gated as one (ReplayGain 2.0 album gain).

    Tracks are brought to the highest rate and the widest layout among them (mono upmixed at -3 dB
    a side, which keeps its BS.1770 loudness but lowers its peak by 3 dB in the album figure).
    """
    if not paths:
        raise ValueError("an album needs at least one track")
    rate_hz, layout = _common_shape(paths)
    meter = LoudnessMeter(rate_hz, layout, MEASURED_SAMPLE_FORMAT)
    for path in paths:
        with _reading(path):
            resampler = av.AudioResampler(format=MEASURED_SAMPLE_FORMAT, layout=layout, rate=rate_hz)
            for frame in _decoded_frames(path):
                _add_all(meter, resampler.resample(frame))
            _add_all(meter, resampler.resample(None))
    return meter.result()


def _add_all(meter: LoudnessMeter, frames: list[AudioFrame]) -> None:
    for frame in frames:
        meter.add(frame)


def _common_shape(paths: Sequence[Path]) -> tuple[int, str]:
    """(rate, layout) every track can be brought to without losing anything: the highest, the widest."""
    shapes = [_stream_shape(path) for path in paths]
    rate_hz = max(rate for rate, _, _ in shapes)
    _, layout, _ = max(shapes, key=lambda shape: shape[2])
    return rate_hz, layout


def _stream_shape(path: Path) -> tuple[int, str, int]:
    """(rate, layout name, channels) of the file's first audio stream, as the container declares it."""
    with _reading(path), av.open(path) as container:
        stream = _audio_stream(container, path)
        return stream.rate, stream.layout.name, stream.channels


def _decoded_frames(path: Path) -> Iterator[AudioFrame]:
    """The file's audio, frame by frame; at least one frame, or UnreadableMaster."""
    with av.open(path) as container:
        frames = container.decode(_audio_stream(container, path))
        first = next(frames, None)
        if first is None:
            raise UnreadableMaster(f"{path.name}: the audio stream holds no samples")
        yield first
        yield from frames


def _audio_stream(container: av.container.InputContainer, path: Path) -> av.audio.stream.AudioStream:
    streams = container.streams.audio
    if not streams or streams[0].rate <= 0 or streams[0].channels <= 0:
        raise UnreadableMaster(f"{path.name}: the file has no readable audio stream")
    return streams[0]


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn FFmpeg's and the OS's errors about a file into UnreadableMaster, naming the file."""
    try:
        yield
    except (av.error.FFmpegError, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UnreadableMaster(f"{path.name}: not an audio file that can be read ({reason})") from error
