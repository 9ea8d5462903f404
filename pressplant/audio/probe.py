"""probe(): what an audio file really is, whatever its name says, and whether it can be a master."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
import av.container
import mutagen
import mutagen.flac

from pressplant.audio.errors import LossyMaster, UnreadableMaster

LOSSLESS_CODECS = {
    "flac": "FLAC",
    "alac": "ALAC",
    "pcm_s16le": "PCM", "pcm_s24le": "PCM", "pcm_s32le": "PCM",
    "pcm_s16be": "PCM", "pcm_s24be": "PCM", "pcm_s32be": "PCM",
    "pcm_f32le": "PCM", "pcm_f32be": "PCM", "pcm_f64le": "PCM", "pcm_f64be": "PCM",
    "wavpack": "WavPack",
}
LOSSY_CODECS = {
    "mp3": "MP3", "mp3float": "MP3", "mp2": "MP2", "aac": "AAC", "aac_latm": "AAC", "opus": "Opus",
    "libopus": "Opus", "vorbis": "Vorbis", "libvorbis": "Vorbis", "wmav1": "WMA", "wmav2": "WMA",
    "ac3": "AC-3", "eac3": "E-AC-3", "amrnb": "AMR", "amrwb": "AMR",
}
# What a file's extension promises, as FFmpeg names the container it finds.
EXTENSION_CONTAINERS = {
    ".flac": {"flac"}, ".wav": {"wav"}, ".wave": {"wav"}, ".aif": {"aiff"}, ".aiff": {"aiff"},
    ".aifc": {"aiff"}, ".mp3": {"mp3"}, ".m4a": {"mov", "mp4", "m4a"}, ".mp4": {"mov", "mp4", "m4a"},
    ".ogg": {"ogg"}, ".oga": {"ogg"}, ".opus": {"ogg"}, ".wv": {"wv"},
}
PCM_BITS = {"pcm_s16": 16, "pcm_s24": 24, "pcm_s32": 32, "pcm_f32": 32, "pcm_f64": 64}
# How far before the end the completeness check starts decoding, and how many samples short of the
# declared length a file may end (less than one FLAC block) before it counts as truncated.
_TAIL_SECONDS = 2
_TRUNCATION_TOLERANCE_SAMPLES = 4608


@dataclass(frozen=True, slots=True)
class PictureInfo:
    mime: str
    width_px: int
    height_px: int


@dataclass(frozen=True, slots=True)
class ProbeResult:
    path: str
    codec: str
    codec_name: str
    container: str
    is_lossless: bool
    sample_rate_hz: int
    bit_depth: int | None
    channels: int
    duration_samples: int
    bitrate_bps: int | None
    size_bytes: int
    audio_bytes: int
    """Bytes of audio data: the file less its headers, tags and pictures (the size estimates' reference)."""
    tags: dict[str, str] = field(default_factory=dict)
    pictures: tuple[PictureInfo, ...] = ()

    @property
    def duration_ms(self) -> int:
        return self.duration_samples * 1000 // self.sample_rate_hz

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_ms"] = self.duration_ms
        return data


def probe(path: Path | str, *, master: bool = True) -> ProbeResult:
    """Read what `path` holds. With `master` (the default), refuse anything that cannot be a master.

    A master is lossless, complete, and what its name says it is. Errors name the file and the reason.
    """
    path = Path(path)
    size_bytes = _size_or_raise(path)
    try:
        container = av.open(str(path), metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise UnreadableMaster(f"{path.name}: not an audio file that can be read ({_reason(exc)})") from None
    with container:
        result = _describe(path, container, size_bytes)
        if master:
            _refuse_as_master(path, result)
            _check_complete(path, container, result)
            _check_declared_length(path, result)
    return result


def _size_or_raise(path: Path) -> int:
    if not path.is_file():
        raise UnreadableMaster(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableMaster(f"{path.name}: the file is empty")
    return size


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).rstrip(".")


def _describe(path: Path, container: av.container.InputContainer, size_bytes: int) -> ProbeResult:
    if not container.streams.audio:
        raise UnreadableMaster(f"{path.name}: the file has no audio stream")
    stream = container.streams.audio[0]
    codec = stream.codec_context.name
    rate = stream.codec_context.sample_rate or stream.rate or 0
    channels = stream.codec_context.channels
    if rate <= 0 or channels <= 0:
        raise UnreadableMaster(f"{path.name}: not a readable audio stream (no sample rate or channels)")
    duration_samples = _duration_samples(stream, container, rate)
    pictures = tuple(
        PictureInfo(mime=_picture_mime(s.codec_context.name), width_px=s.codec_context.width,
                    height_px=s.codec_context.height)
        for s in container.streams.video
    )
    return ProbeResult(
        path=str(path), codec=LOSSLESS_CODECS.get(codec) or LOSSY_CODECS.get(codec) or codec, codec_name=codec,
        container=container.format.name.split(",")[0], is_lossless=codec in LOSSLESS_CODECS,
        sample_rate_hz=rate, bit_depth=_bit_depth(path, codec), channels=channels,
        duration_samples=duration_samples, bitrate_bps=container.bit_rate or None, size_bytes=size_bytes,
        audio_bytes=_audio_bytes(path, codec, size_bytes),
        tags={k.lower(): v for k, v in container.metadata.items()}, pictures=pictures,
    )


def _duration_samples(stream: av.audio.stream.AudioStream, container: av.container.InputContainer,
                      rate: int) -> int:
    if stream.duration and stream.time_base:
        samples = round(stream.duration * stream.time_base * rate)
    elif container.duration:
        samples = round(container.duration * rate / av.time_base)
    else:
        samples = 0
    if samples <= 0:
        raise UnreadableMaster(f"{Path(container.name).name}: the audio stream is empty (no samples)")
    return samples


def _bit_depth(path: Path, codec: str) -> int | None:
    """Bits per sample of lossless audio: from the codec for PCM, from the stream header otherwise."""
    for prefix, bits in PCM_BITS.items():
        if codec.startswith(prefix):
            return bits
    if codec not in LOSSLESS_CODECS:
        return None
    try:
        info = mutagen.File(str(path))
    except mutagen.MutagenError:
        return None
    declared = getattr(getattr(info, "info", None), "bits_per_sample", None)
    return int(declared) if declared else None


def _audio_bytes(path: Path, codec: str, size_bytes: int) -> int:
    """The file's size less its FLAC metadata blocks (tags, pictures, padding); other files as they are."""
    if codec != "flac":
        return size_bytes
    try:
        blocks = mutagen.flac.FLAC(str(path)).metadata_blocks  # type: ignore[no-untyped-call]
    except mutagen.MutagenError:
        return size_bytes
    return size_bytes - 4 - sum(4 + len(block.write()) for block in blocks)


def _picture_mime(codec: str) -> str:
    return {"mjpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}.get(
        codec, f"image/{codec}"
    )


def _refuse_as_master(path: Path, result: ProbeResult) -> None:
    expected = EXTENSION_CONTAINERS.get(path.suffix.lower())
    if expected is not None and result.container not in expected:
        raise UnreadableMaster(
            f"{path.name}: named {path.suffix} but it is {result.codec} audio in a {result.container} file"
        )
    if not result.is_lossless:
        raise LossyMaster(
            f"{path.name}: {result.codec} is lossy; a master must be lossless (FLAC, WAV, AIFF or ALAC)"
        )


def _check_complete(path: Path, container: av.container.InputContainer, result: ProbeResult) -> None:
    """Decode the last seconds: a truncated file ends (or fails) before the length its header declares."""
    stream = container.streams.audio[0]
    rate = result.sample_rate_hz
    start_samples = max(0, result.duration_samples - _TAIL_SECONDS * rate)
    end_samples = 0
    try:
        if start_samples and stream.time_base:
            container.seek(int(start_samples / rate / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.pts is not None and frame.time_base is not None:
                end_samples = max(end_samples, round(frame.pts * frame.time_base * rate) + frame.samples)
    except av.error.FFmpegError as exc:
        raise UnreadableMaster(f"{path.name}: the audio is damaged near the end ({_reason(exc)})") from None
    if end_samples + _TRUNCATION_TOLERANCE_SAMPLES < result.duration_samples:
        raise UnreadableMaster(
            f"{path.name}: truncated: the header promises {_clock(result.duration_samples, rate)}, "
            f"the audio stops at {_clock(end_samples, rate)}"
        )


def _clock(samples: int, rate: int) -> str:
    ms = samples * 1000 // rate
    return f"{ms // 60000}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


# RIFF (WAV) is little-endian with the audio in "data"; AIFF is big-endian with it in "SSND".
_CHUNKED_CONTAINERS = {b"RIFF": ("little", b"data"), b"FORM": ("big", b"SSND")}


def _check_declared_length(path: Path, result: ProbeResult) -> None:
    """A WAV or AIFF whose audio chunk declares more bytes than the file holds was cut short.

    FFmpeg quietly reports the length of what is there, so the header is read here.
    """
    with path.open("rb") as fh:
        magic = fh.read(4)
        if magic not in _CHUNKED_CONTAINERS:
            return
        order, audio_id = _CHUNKED_CONTAINERS[magic]
        fh.seek(12)
        while header := fh.read(8):
            if len(header) < 8:
                break
            chunk_id, size = header[:4], int.from_bytes(header[4:], order)  # type: ignore[arg-type]
            if chunk_id == audio_id:
                missing = fh.tell() + size - result.size_bytes
                if missing > 0:
                    raise UnreadableMaster(
                        f"{path.name}: truncated: the {chunk_id.decode()} chunk declares {size} bytes "
                        f"but the file ends {missing} bytes early"
                    )
                return
            fh.seek(size + (size & 1), 1)
