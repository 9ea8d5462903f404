"""encode_mp3(): gapless MP3 with a LAME tag, checked by readers that share no code with it.

FFmpeg decodes (and trims by the LAME tag), mp3val and MediaInfo inspect, a small reader here parses
the tag with its own CRC. One test compares the whole file with what LAME writes when it makes its own
tag, and one compares the audio with the FFmpeg CLI's libmp3lame at the same settings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from pressplant.audio.errors import EncodeError
from pressplant.audio.formats import FORMATS, LAME_ENCODER_DELAY
from pressplant.audio.mp3 import Mp3Result, _Lame, encode_mp3

FFMPEG, FFPROBE = shutil.which("ffmpeg"), shutil.which("ffprobe")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None or FFPROBE is None, reason="ffmpeg CLI not installed")
needs_mp3val = pytest.mark.skipif(shutil.which("mp3val") is None, reason="mp3val not installed")
needs_mediainfo = pytest.mark.skipif(shutil.which("mediainfo") is None, reason="mediainfo not installed")

_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)


# --- helpers: synthesized audio, frames, an independent reader of MP3 frames and the LAME tag --------

def _music(samples: int, rate_hz: int, channels: int, seed: int = 7) -> np.ndarray:
    """Chords of decaying harmonics, noise bursts on the beat, a little stereo spread: int16 (n, ch)."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / rate_hz
    out = np.zeros((samples, 2))
    chord = int(rate_hz * 0.5)
    for start in range(0, samples, chord):
        tt = t[start:start + chord] - t[start]
        root = 110 * 2 ** (rng.integers(0, 24) / 12)
        for k, ratio in enumerate((1, 1.26, 1.5, 2, 3, 4.02, 5.01, 7.1)):
            for ch, detune in enumerate((1.0, 1.003)):
                out[start:start + chord, ch] += (0.15 / (k + 1) * np.exp(-tt * rng.uniform(0.5, 3))
                                                 * np.sin(2 * np.pi * root * ratio * detune * tt + rng.uniform(0, 6)))
    beat = int(rate_hz * 0.125)
    envelope = np.exp(-(np.arange(samples) % beat) / rate_hz * 40) * np.where(np.arange(samples) // beat % 2, 0.5, 0.2)
    out += 0.3 * rng.standard_normal((samples, 2)) * envelope[:, None]
    out *= 0.9 / np.abs(out).max()
    pcm = (out * 32767).astype("<i2")
    return np.ascontiguousarray(pcm[:, :channels])


def _frames(pcm: np.ndarray, rate_hz: int, blocks: tuple[int, ...] = (4096,)) -> list[av.AudioFrame]:
    """Packed s16 frames of `pcm`, cut into pieces of the `blocks` sizes in turn."""
    layout = "stereo" if pcm.shape[1] == 2 else "mono"
    frames, at, i = [], 0, 0
    while at < len(pcm):
        piece = np.ascontiguousarray(pcm[at:at + blocks[i % len(blocks)]])
        frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = rate_hz
        frames.append(frame)
        at, i = at + len(piece), i + 1
    return frames


def _encode(path: Path, pcm: np.ndarray, rate_hz: int, fmt_name: str,
            blocks: tuple[int, ...] = (4096,)) -> Mp3Result:
    with path.open("wb") as fh:
        return encode_mp3(_frames(pcm, rate_hz, blocks), fh, FORMATS[fmt_name], rate_hz, pcm.shape[1])


def _decode(path: Path, channels: int) -> np.ndarray:
    pcm = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(pcm, dtype="<i2").reshape(-1, channels)


def _lag(reference: np.ndarray, decoded: np.ndarray) -> int:
    """How many samples `decoded` runs late against `reference`: the cross-correlation's peak."""
    a, b = reference[:, 0].astype(float), decoded[:, 0].astype(float)
    n = len(a) + len(b)
    correlation = np.fft.irfft(np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n)), n)
    peak = int(np.argmax(correlation))
    return peak if peak < len(b) else peak - n


def _crc16_arc(data: bytes) -> int:
    """CRC-16/ARC bit by bit (poly 0x8005 reflected = 0xA001, init 0): LAME's and FFmpeg's tag CRC."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _frame_headers(data: bytes) -> list[bytes]:
    """The 4-byte headers of the MPEG-1 Layer III frames that make up `data`, walking frame by frame."""
    headers, at = [], 0
    while at < len(data):
        header = data[at:at + 4]
        assert header[0] == 0xFF and header[1] & 0xFE == 0xFA, f"no MPEG-1 Layer III frame at {at}"
        headers.append(header)
        at += 144_000 * _KBPS[header[2] >> 4] // _RATES[header[2] >> 2 & 3] + (header[2] >> 1 & 1)
    assert at == len(data)
    return headers


@dataclass(frozen=True)
class _Tag:
    header: bytes
    size: int
    side_info: bytes
    id: bytes
    flags: int
    frames: int
    bytes: int
    toc: list[int]
    quality: int
    encoder: bytes
    method: int
    delay: int
    padding: int
    music_length: int
    music_crc: int
    tag_crc: int
    tag_crc_computed: int
    music_crc_computed: int
    rest: bytes


def _read_tag(data: bytes) -> _Tag:
    """The Xing frame and its LAME tag, read as the LAME tag specification lays them out."""
    header = data[:4]
    size = 144_000 * _KBPS[header[2] >> 4] // _RATES[header[2] >> 2 & 3]
    xing = 4 + (17 if header[3] >> 6 == 3 else 32)

    def number(at: int, width: int) -> int:
        return int.from_bytes(data[xing + at:xing + at + width], "big")

    return _Tag(header=header, size=size, side_info=data[4:xing], id=data[xing:xing + 4], flags=number(4, 4),
                frames=number(8, 4), bytes=number(12, 4), toc=list(data[xing + 16:xing + 116]),
                quality=number(116, 4), encoder=data[xing + 120:xing + 129], method=number(129, 1) & 15,
                delay=number(141, 3) >> 12, padding=number(141, 3) & 4095, music_length=number(148, 4),
                music_crc=number(152, 2), tag_crc=number(154, 2), tag_crc_computed=_crc16_arc(data[:xing + 154]),
                music_crc_computed=_crc16_arc(data[size:]), rest=data[xing + 156:size])


# --- gapless: what a decoder gives back -------------------------------------------------------------

@needs_ffmpeg
@pytest.mark.parametrize(("fmt_name", "rate_hz", "channels", "samples"), [
    ("mp3-320", 44100, 2, 1152 * 40),  # a whole number of MPEG frames
    ("mp3-320", 44100, 2, 57_331),
    ("mp3-v0", 48000, 2, 48_123),
    ("mp3-v2", 44100, 2, 44_100),
    ("mp3-128", 44100, 1, 44_100),
    ("mp3-256", 48000, 1, 4_800),  # 0.1 s
    ("mp3-192", 32000, 2, 3_200),  # 0.1 s
])
def test_ffmpeg_gives_back_exactly_the_samples_fed_in_and_in_place(tmp_path: Path, fmt_name: str, rate_hz: int,
                                                                    channels: int, samples: int) -> None:
    pcm = _music(samples, rate_hz, channels)

    result = _encode(tmp_path / "out.mp3", pcm, rate_hz, fmt_name)

    decoded = _decode(tmp_path / "out.mp3", channels)
    assert result.samples == samples
    assert result.size_bytes == (tmp_path / "out.mp3").stat().st_size
    assert decoded.shape == (samples, channels)
    assert _lag(pcm, decoded) == 0
    similarity = np.corrcoef(pcm[:, 0].astype(float), decoded[:, 0].astype(float))[0, 1]
    assert similarity > 0.95


@needs_ffmpeg
def test_the_encoder_delay_in_the_tag_is_the_one_lame_really_has(tmp_path: Path) -> None:
    """Without the Xing frame FFmpeg trims nothing: the audio is late by LAME's delay plus the
    decoder's own 529 samples (FFmpeg's mp3dec adds 528 + 1 to the tag's delay)."""
    pcm = _music(44_100, 44100, 2)
    _encode(tmp_path / "tagged.mp3", pcm, 44100, "mp3-320")
    data = (tmp_path / "tagged.mp3").read_bytes()
    (tmp_path / "bare.mp3").write_bytes(data[_read_tag(data).size:])

    decoded = _decode(tmp_path / "bare.mp3", 2)

    assert _lag(pcm, decoded) - 529 == LAME_ENCODER_DELAY == _read_tag(data).delay == 576


# --- the Xing frame and LAME tag ------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt_name", "rate_hz", "channels", "header_kbps", "tag_id", "quality"), [
    ("mp3-320", 44100, 2, 320, b"Info", 57),  # LAME: 100 - 10 * VBR_q (4, unused) - quality 3
    ("mp3-v0", 48000, 1, 128, b"Xing", 100),  # V0, and LAME's VBR turns quality 3 into 0
    ("mp3-v2", 32000, 2, 128, b"Xing", 80),
])
def test_the_tag_describes_the_stream(tmp_path: Path, fmt_name: str, rate_hz: int, channels: int,
                                      header_kbps: int, tag_id: bytes, quality: int) -> None:
    samples = rate_hz * 2 + 77
    result = _encode(tmp_path / "out.mp3", _music(samples, rate_hz, channels), rate_hz, fmt_name)

    data = (tmp_path / "out.mp3").read_bytes()
    tag = _read_tag(data)
    audio_headers = _frame_headers(data[tag.size:])
    assert tag.header[:2] == b"\xff\xfb"  # MPEG-1 Layer III, no CRC
    assert _KBPS[tag.header[2] >> 4] == header_kbps and not tag.header[2] & 0x02  # no padding slot
    assert tag.header[2] & 0x0C == audio_headers[0][2] & 0x0C  # same sample rate
    assert tag.header[3] >> 6 == audio_headers[0][3] >> 6 == (1 if channels == 2 else 3)  # joint stereo, mono
    assert tag.side_info == bytes(17 if channels == 1 else 32)
    assert (tag.id, tag.flags, tag.quality) == (tag_id, 0x0F, quality)  # frames, bytes, TOC, quality
    assert tag.method == (1 if tag_id == b"Info" else 4)  # CBR; VBR method 4 (mtrh)
    assert tag.frames == result.frames == len(audio_headers)
    assert tag.bytes == tag.music_length == len(data) == result.size_bytes
    assert tag.toc[0] == 0 and tag.toc == sorted(tag.toc) and 200 < tag.toc[-1] < 256
    assert tag.encoder.startswith(b"LAME") and len(tag.encoder) == 9
    assert tag.delay == LAME_ENCODER_DELAY
    assert tag.padding == result.frames * 1152 - LAME_ENCODER_DELAY - samples
    assert tag.music_crc == tag.music_crc_computed
    assert tag.tag_crc == tag.tag_crc_computed
    assert tag.rest == bytes(len(tag.rest))


@pytest.mark.parametrize(("fmt_name", "rate_hz", "channels", "seconds"), [
    ("mp3-320", 44100, 2, 30),  # > 400 frames (the seek table's bags halve) and > 1 MiB (CRC blocks)
    ("mp3-v0", 48000, 2, 2),
    ("mp3-128", 32000, 1, 1),
])
def test_the_file_is_the_one_lame_writes_with_its_own_tag(tmp_path: Path, fmt_name: str, rate_hz: int,
                                                         channels: int, seconds: int) -> None:
    pcm = _music(rate_hz * seconds + 5, rate_hz, channels)
    _encode(tmp_path / "out.mp3", pcm, rate_hz, fmt_name)

    lame_stream = bytearray()  # the reference: LAME writes a placeholder, then fills in its own frame
    with _Lame(FORMATS[fmt_name], rate_hz, channels, lame_writes_tag=True) as lame:
        for frame in _frames(pcm, rate_hz):
            lame_stream += lame.encode(frame.planes[0].buffer_ptr, frame.samples)
        lame_stream += lame.flush()
        lame_frame = lame.lametag_frame()

    assert (tmp_path / "out.mp3").read_bytes() == lame_frame + lame_stream[len(lame_frame):]


def test_the_output_does_not_depend_on_how_the_input_is_cut(tmp_path: Path) -> None:
    """Odd piece sizes make LAME hand back frames cut anywhere, headers included."""
    pcm = _music(44_100 * 2, 44100, 2)
    whole = _encode(tmp_path / "whole.mp3", pcm, 44100, "mp3-v0")

    pieces = _encode(tmp_path / "pieces.mp3", pcm, 44100, "mp3-v0", blocks=(1, 7, 333, 1152, 5000, 2))

    assert pieces == whole
    assert (tmp_path / "pieces.mp3").read_bytes() == (tmp_path / "whole.mp3").read_bytes()


@needs_ffmpeg
def test_ffmpeg_accepts_the_tag_crc(tmp_path: Path) -> None:
    """FFmpeg exports the tag's encoder name only when the tag CRC matches its own."""
    _encode(tmp_path / "out.mp3", _music(44_100, 44100, 2), 44100, "mp3-v2")

    probe = subprocess.run([FFPROBE, "-v", "error", "-show_entries", "stream_tags=encoder:stream=duration_ts",
                            "-of", "json", str(tmp_path / "out.mp3")], capture_output=True, check=True, text=True)

    assert json.loads(probe.stdout)["streams"][0]["tags"]["encoder"].startswith("LAME")


# --- other readers, bitrates, settings ------------------------------------------------------------------

@needs_mp3val
@pytest.mark.parametrize(("fmt_name", "verdict"), [("mp3-320", "CBR"), ("mp3-v0", "Xing header")])
def test_mp3val_finds_nothing_wrong(tmp_path: Path, fmt_name: str, verdict: str) -> None:
    _encode(tmp_path / "out.mp3", _music(44_100, 44100, 2), 44100, fmt_name)

    report = subprocess.run(["mp3val", str(tmp_path / "out.mp3")], capture_output=True, text=True).stdout

    problems = [line for line in report.splitlines() if line.startswith(("WARNING", "ERROR"))
                and "No supported tags" not in line]  # tags are written after encoding, by tags.py
    assert problems == []
    assert f"MPEG frames (MPEG 1 Layer III), no tags, {verdict}" in report


@needs_mediainfo
@pytest.mark.parametrize(("fmt_name", "mode", "settings"), [
    ("mp3-320", "CBR", ["-m j", "-q 3", "-lowpass 20.5"]),
    ("mp3-v0", "VBR", ["-m j", "-V 0", "-q 0", "--vbr-new"]),
])
def test_mediainfo_reads_the_lame_settings(tmp_path: Path, fmt_name: str, mode: str, settings: list[str]) -> None:
    _encode(tmp_path / "out.mp3", _music(44_100, 44100, 2), 44100, fmt_name)

    report = subprocess.run(["mediainfo", "--Output=JSON", str(tmp_path / "out.mp3")],
                            capture_output=True, check=True, text=True).stdout

    audio = next(track for track in json.loads(report)["media"]["track"] if track["@type"] == "Audio")
    assert audio["BitRate_Mode"] == mode
    assert audio["Format_Settings_Mode"] == "Joint stereo"
    assert audio["Encoded_Library"].startswith("LAME")
    assert all(setting in audio["Encoded_Library_Settings"] for setting in settings)


@pytest.mark.parametrize(("fmt_name", "low_bps", "high_bps"), [
    ("mp3-320", 320_000 * 0.99, 320_000 * 1.01),
    ("mp3-128", 128_000 * 0.99, 128_000 * 1.01),
    ("mp3-v0", 200_000, 300_000),
])
def test_bitrate(tmp_path: Path, fmt_name: str, low_bps: float, high_bps: float) -> None:
    result = _encode(tmp_path / "out.mp3", _music(44_100 * 4, 44100, 2), 44100, fmt_name)

    data = (tmp_path / "out.mp3").read_bytes()
    audio_bytes = len(data) - _read_tag(data).size
    bitrate_bps = audio_bytes * 8 / (result.frames * 1152 / 44100)
    assert low_bps < bitrate_bps < high_bps


@needs_ffmpeg
@pytest.mark.parametrize(("fmt_name", "cli"), [("mp3-320", ["-b:a", "320k"]), ("mp3-v0", ["-q:a", "0"])])
def test_same_settings_as_the_ffmpeg_cli(tmp_path: Path, fmt_name: str, cli: list[str]) -> None:
    """Same PCM through `ffmpeg -c:a libmp3lame`: the same frames, joint stereo, and the same size."""
    pcm = _music(44_100 * 3, 44100, 2)
    _encode(tmp_path / "ours.mp3", pcm, 44100, fmt_name)
    subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-f", "s16le", "-ar", "44100", "-ac", "2", "-i", "-",
                    "-c:a", "libmp3lame", *cli, "-write_xing", "0", "-id3v2_version", "0",
                    str(tmp_path / "cli.mp3")], input=pcm.tobytes(), check=True)

    ours = (tmp_path / "ours.mp3").read_bytes()
    ours = ours[_read_tag(ours).size:]
    cli_audio = (tmp_path / "cli.mp3").read_bytes()
    ours_headers, cli_headers = _frame_headers(ours), _frame_headers(cli_audio)
    assert len(ours_headers) == len(cli_headers)
    assert {h[3] >> 6 for h in ours_headers} == {h[3] >> 6 for h in cli_headers} == {1}  # joint stereo
    assert abs(len(ours) - len(cli_audio)) <= len(cli_audio) * 0.005


# --- refusals ------------------------------------------------------------------------------------------

def _float_frame() -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(np.zeros((2, 1152), dtype=np.float32), format="fltp", layout="stereo")
    frame.sample_rate = 44100
    return frame


@pytest.mark.parametrize(("frames", "fmt_name", "rate_hz", "channels", "message"), [
    (lambda: [_float_frame()], "mp3-320", 44100, 2, "wants s16 frames"),
    (lambda: _frames(_music(4096, 48000, 2), 48000), "mp3-320", 44100, 2, "at 48000 Hz"),
    (lambda: _frames(_music(4096, 44100, 1), 44100), "mp3-320", 44100, 2, "1 channels"),
    (lambda: _frames(_music(4096, 22050, 2), 22050), "mp3-320", 22050, 2, "not 22050 Hz"),
    (lambda: [], "mp3-v0", 44100, 2, "no audio samples"),
    (lambda: [], "mp3-320", 44100, 6, "not 6"),
    (lambda: [], "flac", 44100, 2, "not an MP3 format"),
])
def test_refuses_what_it_cannot_encode(tmp_path: Path, frames: Callable[[], list[av.AudioFrame]], fmt_name: str,
                                       rate_hz: int, channels: int, message: str) -> None:
    with (tmp_path / "out.mp3").open("wb") as fh, pytest.raises(EncodeError, match=message):
        encode_mp3(frames(), fh, FORMATS[fmt_name], rate_hz, channels)
