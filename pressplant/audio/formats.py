"""The formats table: every sellable format is one row, and code looks rows up instead of branching.

A row says what a buyer gets (codec, container, bitrate or quality, extension, media type) and how the
master is brought to it (sample-rate policy, bit-depth policy). The size estimate lives here too, because
per-megabyte prices are quoted from it before anything is encoded.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace

from pressplant.audio.errors import UnknownFormat


class RatePolicy(enum.Enum):
    """Values are the short texts the formats table shows."""

    KEEP = "master's"
    MAX_48K = "master's, at most 48 kHz"  # 88.2/176.4 kHz -> 44.1 kHz, 96/192 kHz -> 48 kHz
    CD = "44.1 kHz"
    OPUS = "48 kHz"


class DepthPolicy(enum.Enum):
    KEEP = "master's (16 or 24 bit)"
    CD = "16 bit, dithered"
    LOSSY = "lossy"


class Encoder(enum.Enum):
    """Which engine turns PCM into packets: LAME through lameenc, or one of FFmpeg's encoders via PyAV."""

    LAME = "lame"
    FFMPEG = "ffmpeg"


class TagKind(enum.Enum):
    ID3 = "ID3v2.4 at the start of the file"
    MP4 = "MP4 ilst atoms"
    FLAC = "Vorbis comment and PICTURE blocks"
    OGG = "Vorbis comment with METADATA_BLOCK_PICTURE"
    ID3_CHUNK = "ID3v2.4 in an 'id3 ' chunk"

    @property
    def leads_file(self) -> bool:
        """Whether the tag stands before the audio, so it is best written before the audio is."""
        return self is TagKind.ID3


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    title: str
    codec: str
    encoder: Encoder
    container: str
    extension: str
    media_type: str
    rate_policy: RatePolicy
    depth_policy: DepthPolicy
    tag_kind: TagKind
    is_lossless: bool = False
    bitrate_bps: int | None = None
    vbr_quality: int | None = None
    nominal_bitrate_bps: int | None = None
    """Average bitrate used for size estimates of VBR formats (LAME's documented averages)."""
    estimate_error: float = 0.02
    """Documented bound of |estimate - actual| / actual for the size estimate."""
    excerpt_seconds: float | None = None
    """Set for previews: the rendition is this long an excerpt of the track (see excerpt_window)."""

    @property
    def is_vbr(self) -> bool:
        return self.vbr_quality is not None

    def settings_text(self) -> str:
        """The encoder settings written into the file's tags and the album manifest."""
        if self.encoder is Encoder.LAME:
            mode = f"-V {self.vbr_quality}" if self.is_vbr else f"-b {self.bitrate_kbps} --cbr"
            return f"LAME {mode} -q 3"
        if self.bitrate_bps:
            return f"{self.codec} {self.bitrate_kbps} kb/s"
        return self.codec

    @property
    def bitrate_kbps(self) -> int:
        """The CBR/ABR bitrate in kb/s; 0 for VBR and lossless rows."""
        return (self.bitrate_bps or 0) // 1000


def _mp3(name: str, title: str, *, bitrate_bps: int | None = None, vbr_quality: int | None = None,
         nominal_bitrate_bps: int | None = None) -> Format:
    return Format(
        name=name, title=title, codec="mp3", encoder=Encoder.LAME, container="mp3", extension="mp3",
        media_type="audio/mpeg", rate_policy=RatePolicy.MAX_48K, depth_policy=DepthPolicy.LOSSY,
        tag_kind=TagKind.ID3, bitrate_bps=bitrate_bps, vbr_quality=vbr_quality,
        nominal_bitrate_bps=nominal_bitrate_bps or bitrate_bps,
        estimate_error=0.02 if vbr_quality is None else 0.25,
    )


def _ffmpeg(name: str, title: str, codec: str, container: str, extension: str, media_type: str,
            rate: RatePolicy, depth: DepthPolicy, tags: TagKind, **extra: object) -> Format:
    return Format(name=name, title=title, codec=codec, encoder=Encoder.FFMPEG, container=container,
                  extension=extension, media_type=media_type, rate_policy=rate, depth_policy=depth,
                  tag_kind=tags, **extra)  # type: ignore[arg-type]


_LOSSY = {"rate": RatePolicy.MAX_48K, "depth": DepthPolicy.LOSSY}

FORMATS: dict[str, Format] = {f.name: f for f in (
    _mp3("mp3-320", "MP3 320 kb/s", bitrate_bps=320_000),
    _mp3("mp3-256", "MP3 256 kb/s", bitrate_bps=256_000),
    _mp3("mp3-192", "MP3 192 kb/s", bitrate_bps=192_000),
    _mp3("mp3-128", "MP3 128 kb/s", bitrate_bps=128_000),
    _mp3("mp3-v0", "MP3 V0 (VBR ~245 kb/s)", vbr_quality=0, nominal_bitrate_bps=245_000),
    _mp3("mp3-v2", "MP3 V2 (VBR ~190 kb/s)", vbr_quality=2, nominal_bitrate_bps=190_000),
    _ffmpeg("aac-256", "AAC 256 kb/s (M4A)", "aac", "ipod", "m4a", "audio/mp4", RatePolicy.MAX_48K,
            DepthPolicy.LOSSY, TagKind.MP4, bitrate_bps=256_000, estimate_error=0.15),
    _ffmpeg("aac-128", "AAC 128 kb/s (M4A)", "aac", "ipod", "m4a", "audio/mp4", RatePolicy.MAX_48K,
            DepthPolicy.LOSSY, TagKind.MP4, bitrate_bps=128_000, estimate_error=0.15,
            nominal_bitrate_bps=134_000),  # FFmpeg's AAC encoder averages ~5% above 128 kb/s
    _ffmpeg("opus-160", "Opus 160 kb/s", "libopus", "ogg", "opus", "audio/ogg; codecs=opus",
            RatePolicy.OPUS, DepthPolicy.LOSSY, TagKind.OGG, bitrate_bps=160_000, estimate_error=0.05),
    _ffmpeg("opus-96", "Opus 96 kb/s", "libopus", "ogg", "opus", "audio/ogg; codecs=opus",
            RatePolicy.OPUS, DepthPolicy.LOSSY, TagKind.OGG, bitrate_bps=96_000, estimate_error=0.05),
    _ffmpeg("flac", "FLAC (master's resolution)", "flac", "flac", "flac", "audio/flac", RatePolicy.KEEP,
            DepthPolicy.KEEP, TagKind.FLAC, is_lossless=True, estimate_error=0.5),
    _ffmpeg("flac-cd", "FLAC 16-bit/44.1 kHz", "flac", "flac", "flac", "audio/flac", RatePolicy.CD,
            DepthPolicy.CD, TagKind.FLAC, is_lossless=True, estimate_error=0.5),
    _ffmpeg("alac", "Apple Lossless (M4A)", "alac", "ipod", "m4a", "audio/mp4", RatePolicy.KEEP,
            DepthPolicy.KEEP, TagKind.MP4, is_lossless=True, estimate_error=0.5),
    _ffmpeg("wav", "WAV (master's resolution)", "pcm", "wav", "wav", "audio/wav", RatePolicy.KEEP,
            DepthPolicy.KEEP, TagKind.ID3_CHUNK, is_lossless=True, estimate_error=0.01),
    _ffmpeg("aiff", "AIFF (master's resolution)", "pcm", "aiff", "aiff", "audio/aiff", RatePolicy.KEEP,
            DepthPolicy.KEEP, TagKind.ID3_CHUNK, is_lossless=True, estimate_error=0.01),
)}

PREVIEW = replace(_mp3("preview", "Preview (30 s, MP3 96 kb/s)", bitrate_bps=96_000), excerpt_seconds=30.0)
"""The low-bitrate excerpt the release page plays: made like any rendition, never sold."""
PREVIEW_FORMATS: dict[str, Format] = {PREVIEW.name: PREVIEW}

MP3_RATES_HZ = (32_000, 44_100, 48_000)
_EXCERPT_FADE_SECONDS = 1.0


def get_format(name: str) -> Format:
    """A sellable format, or the preview format, by name."""
    found = FORMATS.get(name) or PREVIEW_FORMATS.get(name)
    if found is None:
        known = ", ".join(FORMATS)
        raise UnknownFormat(f"unknown format {name!r}; known formats: {known}")
    return found


def excerpt_window(fmt: Format, duration_samples: int, rate_hz: int) -> tuple[int, int] | None:
    """(first sample, number of samples) of a preview: `excerpt_seconds` from a third of the way in,
    moved earlier so it ends with the track; the whole track when it is shorter. None: not an excerpt."""
    if fmt.excerpt_seconds is None:
        return None
    length = min(duration_samples, round(fmt.excerpt_seconds * rate_hz))
    start = min(duration_samples // 3, duration_samples - length)
    return start, length


def excerpt_fades(length_samples: int, rate_hz: int) -> tuple[float, float]:
    """(fade-in, fade-out) seconds of an excerpt: a second each, less for a very short one."""
    fade = min(_EXCERPT_FADE_SECONDS, length_samples / rate_hz / 4)
    return fade, fade


def output_rate_hz(fmt: Format, master_rate_hz: int) -> int:
    """The sample rate a rendition of `fmt` has when made from a master at `master_rate_hz`."""
    policy = fmt.rate_policy
    if policy is RatePolicy.KEEP:
        return master_rate_hz
    if policy is RatePolicy.CD:
        return 44_100
    if policy is RatePolicy.OPUS:
        return 48_000
    if master_rate_hz in MP3_RATES_HZ:
        return master_rate_hz
    return 44_100 if master_rate_hz % 11_025 == 0 else 48_000


def output_depth_bits(fmt: Format, master_depth_bits: int) -> int | None:
    """Bits per sample of the rendition; None where a lossy encoder decides."""
    policy = fmt.depth_policy
    if policy is DepthPolicy.LOSSY:
        return None
    if policy is DepthPolicy.CD:
        return 16
    return 16 if master_depth_bits <= 16 else 24


@dataclass(frozen=True, slots=True)
class SourceAudio:
    """What the size estimate needs to know of a master (all of it comes from probe())."""

    duration_samples: int
    rate_hz: int
    channels: int
    bit_depth: int
    compressed_bytes: int | None = None
    """Audio bytes of a losslessly compressed master (FLAC/ALAC); None for PCM masters."""

    @property
    def seconds(self) -> float:
        return self.duration_samples / self.rate_hz


@dataclass(frozen=True, slots=True)
class SizeEstimate:
    size_bytes: int
    max_error: float
    """The documented bound of the relative error: 0.02 means within 2% of the real size, give or take
    METADATA_SLACK_BYTES for the tags and padding (which matter only for very short tracks)."""

    def admits(self, actual_bytes: int) -> bool:
        """Whether a real file of `actual_bytes` is within this estimate's documented bound."""
        return abs(self.size_bytes - actual_bytes) <= self.max_error * actual_bytes + METADATA_SLACK_BYTES


METADATA_SLACK_BYTES = 4_096


# Lossless sizes are predicted from the master's own compressed bits per sample when it is FLAC or ALAC:
# FLAC at the master's resolution within 5%; with fewer bits or another rate, or as ALAC (whose 24-bit
# compression is weaker), less closely. From a PCM master only a typical ratio is known (within 50%).
_LOSSLESS_TYPICAL_RATIO = 0.6
_LOSSLESS_CODEC_FACTOR = {("flac", 16): 1.0, ("flac", 24): 1.0, ("alac", 16): 1.06, ("alac", 24): 1.3}
_LOSSLESS_ERROR = {"same": 0.05, "converted": 0.25, "alac": 0.4}
_CONTAINER_OVERHEAD_BYTES = {"mp3": 0, "ipod": 2_000, "ogg": 0, "flac": 8_300, "wav": 44, "aiff": 54}
_OGG_OVERHEAD_PER_SECOND = 80  # page headers: ~one 27-byte header plus lacing per ~0.5 s packet batch
_MP4_OVERHEAD_PER_SECOND = 150  # sample tables (stsz, stco) of ~43 packets a second


def estimate_size_bytes(fmt: Format, source: SourceAudio, metadata_bytes: int = 0) -> SizeEstimate:
    """A deterministic estimate of a rendition's size, before encoding, from the master's probe.

    `metadata_bytes` is the size of the tags and cover that will be embedded (the caller knows the
    cover's size); it is added as is.
    """
    rate = output_rate_hz(fmt, source.rate_hz)
    out_samples = math.ceil(source.seconds * rate)
    overhead = _CONTAINER_OVERHEAD_BYTES[fmt.container] + metadata_bytes
    error = fmt.estimate_error
    if fmt.encoder is Encoder.LAME:
        audio = _mp3_stream_bytes(fmt, out_samples, rate)
    elif fmt.codec == "pcm":
        audio = out_samples * source.channels * (output_depth_bits(fmt, source.bit_depth) or 16) // 8
    elif fmt.is_lossless:
        audio, error = _lossless_bytes(fmt, source, out_samples)
    else:
        per_second = _OGG_OVERHEAD_PER_SECOND if fmt.container == "ogg" else _MP4_OVERHEAD_PER_SECOND
        bitrate = fmt.nominal_bitrate_bps or fmt.bitrate_bps or 0
        audio = round(source.seconds * (bitrate / 8 + per_second))
    return SizeEstimate(size_bytes=audio + overhead, max_error=error)


def _lossless_bytes(fmt: Format, source: SourceAudio, out_samples: int) -> tuple[int, float]:
    depth = output_depth_bits(fmt, source.bit_depth) or 16
    values = out_samples * source.channels
    if not source.compressed_bytes:
        return round(values * depth / 8 * _LOSSLESS_TYPICAL_RATIO), fmt.estimate_error
    bits_per_value = source.compressed_bytes * 8 / (source.duration_samples * source.channels)
    bits_per_value *= depth / max(depth, source.bit_depth)
    is_same = depth == source.bit_depth and out_samples == source.duration_samples
    error = _LOSSLESS_ERROR["alac" if fmt.codec == "alac" else "same" if is_same else "converted"]
    factor = _LOSSLESS_CODEC_FACTOR.get((fmt.codec, depth), 1.0)
    return round(values * bits_per_value / 8 * factor), error


LAME_ENCODER_DELAY = 576
"""Samples LAME puts before the first sample of the input; written into the LAME tag."""


def mp3_samples_per_frame(rate_hz: int) -> int:
    return 1152 if rate_hz >= 32_000 else 576


def _mp3_stream_bytes(fmt: Format, out_samples: int, rate_hz: int) -> int:
    spf = mp3_samples_per_frame(rate_hz)
    frames = math.ceil((out_samples + LAME_ENCODER_DELAY + 288) / spf) + 1
    bitrate = fmt.nominal_bitrate_bps or 0
    frame_bytes = spf / 8 * bitrate / rate_hz
    return round(frames * frame_bytes)
