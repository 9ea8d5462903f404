"""The format matrix: every format from a 16/44.1 and a 24/96 master, as independent readers see it.

Readers: ffprobe/ffmpeg (stream parameters, tags, decoded length after gapless trimming), mutagen (tags,
cover), `flac -t`, `mp3val`, `opusinfo`. Each tool's check skips, saying why, when it is not installed.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import mutagen
import pytest
from PIL import Image

from pressplant.audio.formats import FORMATS, output_rate_hz
from pressplant.audio.metadata import Loudness, TrackTags
from pressplant.audio.transcode import transcode
from pressplant.demo import MasterSpec, write_master
from tests.independent import audio_stream, decode_pcm, decoded_samples, ffprobe, tool_output

SECONDS = 3
MASTERS = {"cd": MasterSpec(seed=11, seconds=SECONDS), "hires": MasterSpec(seed=12, seconds=SECONDS,
                                                                           rate_hz=96_000, bits=24)}
TAGS = TrackTags(
    title="Песня о ветре", artists=("Кино", "坂本龍一"), album_artist="Кино", album="Группа крови",
    track_number=3, track_total=12, disc_number=1, disc_total=2, date="1988-01-05", genre="Post-punk",
    isrc="GBAYE8800123", barcode="5012345678900", label="Melodiya", copyright="1988 Melodiya",
    track_loudness=Loudness(integrated_lufs=-11.5, true_peak_dbtp=-0.4),
    album_loudness=Loudness(integrated_lufs=-12.0, true_peak_dbtp=-0.2),
)
CASES = [(m, f) for m in MASTERS for f in FORMATS]


@pytest.fixture(scope="module")
def cover() -> bytes:
    image = Image.new("RGB", (1600, 1600), (200, 40, 90))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, cover: bytes) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("matrix")
    masters = {key: write_master(folder / f"{key}.flac", spec) for key, spec in MASTERS.items()}
    files = {("master", key): path for key, path in masters.items()}
    for master_key, name in CASES:
        out = folder / f"{master_key}-{name}.{FORMATS[name].extension}"
        info = transcode(masters[master_key], name, out, TAGS, cover)
        assert info.path == out and out.stat().st_size == info.size_bytes
        files[(master_key, name)] = out
    return files


def _expected(master_key: str, name: str) -> tuple[int, int | None, int]:
    spec = MASTERS[master_key]
    fmt = FORMATS[name]
    rate = output_rate_hz(fmt, spec.rate_hz)
    bits = None if not fmt.is_lossless else (16 if name == "flac-cd" else spec.bits)
    return rate, bits, SECONDS * rate


@pytest.mark.parametrize(("master_key", "name"), CASES)
def test_stream_parameters_and_gapless_length(rendered, master_key, name):
    path = rendered[(master_key, name)]
    rate, bits, samples = _expected(master_key, name)
    stream = audio_stream(ffprobe(path))
    assert int(stream["sample_rate"]) == rate
    assert stream["channels"] == 2
    if bits:
        depth = int(stream.get("bits_per_raw_sample") or stream.get("bits_per_sample") or 0)
        assert depth == bits, f"{name}: {depth}-bit, expected {bits}-bit"
    if FORMATS[name].codec == "aac":
        _assert_mp4_gapless(path, samples)
    else:
        assert decoded_samples(path) == samples, "gapless: the decoded length must equal the master's"


def _assert_mp4_gapless(path: Path, samples: int) -> None:
    """M4A: the edit list and iTunSMPB both say exactly `samples`.

    FFmpeg applies the edit list's start but not its end when decoding (it keeps the last packet's padding),
    so its decoded length must be the master's plus exactly the padding that iTunSMPB declares.
    """
    smpb = mutagen.File(path).tags["----:com.apple.iTunes:iTunSMPB"][0].decode().split()  # type: ignore[attr-defined]
    delay, padding, valid = int(smpb[1], 16), int(smpb[2], 16), int(smpb[3], 16)
    assert valid == samples
    assert int(audio_stream(ffprobe(path))["duration_ts"]) == samples, "the edit list must be sample-exact"
    media = json.loads(tool_output("mediainfo", "--Output=JSON", str(path)).stdout)
    audio = next(t for t in media["media"]["track"] if t["@type"] == "Audio")
    assert int(audio["SamplingCount"]) == samples
    assert decoded_samples(path) == samples + padding
    assert delay == 1024


@pytest.mark.parametrize("name", [n for n, f in FORMATS.items() if f.bitrate_bps and f.codec == "mp3"])
def test_cbr_mp3_bitrate_is_within_5_percent(rendered, name):
    stream = audio_stream(ffprobe(rendered[("cd", name)]))
    assert abs(int(stream["bit_rate"]) - FORMATS[name].bitrate_bps) <= 0.05 * FORMATS[name].bitrate_bps


@pytest.mark.parametrize("name", [n for n, f in FORMATS.items() if f.is_lossless])
@pytest.mark.parametrize("master_key", list(MASTERS))
def test_lossless_renditions_decode_to_the_masters_samples(rendered, master_key, name):
    if name == "flac-cd" and master_key == "hires":
        pytest.skip("flac-cd of a 24/96 master is resampled and dithered, not bit-identical by design")
    master = decode_pcm(rendered[("master", master_key)])
    copy = decode_pcm(rendered[(master_key, name)])
    assert hashlib.sha256(copy).hexdigest() == hashlib.sha256(master).hexdigest()


def _mutagen_text(path: Path) -> str:
    """Every tag value mutagen sees, as one text: independent of the engine's own reader."""
    tags = mutagen.File(path).tags  # type: ignore[attr-defined]
    pairs = tags.as_dict().items() if hasattr(tags, "as_dict") else ((key, tags[key]) for key in tags.keys())  # noqa: SIM118
    values: list[str] = []
    for key, value in pairs:
        for item in value if isinstance(value, list) else [value]:
            values.append(f"{key}={item}")
    return "\n".join(values)


@pytest.mark.parametrize(("master_key", "name"), CASES)
def test_tags_round_trip_in_every_format(rendered, master_key, name):
    path = rendered[(master_key, name)]
    seen = _mutagen_text(path)
    for value in ("Песня о ветре", "Кино", "坂本龍一", "Группа крови", "GBAYE8800123", "5012345678900",
                  "Melodiya", "1988", "Post-punk"):
        assert value in seen, f"{name}: {value!r} missing from the tags"
    ffmpeg_tags = {k.lower(): v for k, v in ffprobe(path)["format"].get("tags", {}).items()}
    ffmpeg_tags |= {k.lower(): v for k, v in audio_stream(ffprobe(path)).get("tags", {}).items()}
    assert ffmpeg_tags.get("title") == "Песня о ветре"
    assert "Группа крови" in ffmpeg_tags.get("album", "")
    if FORMATS[name].codec == "libopus":
        assert "R128_TRACK_GAIN=" + str(TAGS.track_loudness.r128_gain_q78) in seen.upper().replace(" ", "")
    else:
        assert "-6.50 dB" in seen, f"{name}: ReplayGain track gain missing"


@pytest.mark.parametrize(("master_key", "name"), CASES)
def test_cover_is_embedded_scaled_to_1400_px(rendered, master_key, name):
    from pressplant.audio.tags import read_tags

    pictures = read_tags(rendered[(master_key, name)]).pictures
    assert len(pictures) == 1
    image = Image.open(io.BytesIO(pictures[0].data))
    assert image.format == "JPEG" and max(image.size) == 1400


@pytest.mark.parametrize("master_key", list(MASTERS))
def test_independent_validators_accept_the_files(rendered, master_key):
    for name, fmt in FORMATS.items():
        path = rendered[(master_key, name)]
        if fmt.codec == "flac":
            result = tool_output("flac", "-t", "-s", str(path))
            assert result.returncode == 0, result.stderr
        elif fmt.codec == "mp3":
            result = tool_output("mp3val", str(path))
            problems = [line for line in result.stdout.splitlines() if line.startswith(("WARNING", "ERROR"))]
            assert problems == [], problems
        elif fmt.codec == "libopus":
            result = tool_output("opusinfo", str(path))
            assert result.returncode == 0 and "WARNING" not in result.stdout, result.stdout


def test_24_bit_flac_stays_24_bit_and_flac_cd_is_16_bit_44k(rendered):
    info = mutagen.File(rendered[("hires", "flac")]).info  # type: ignore[attr-defined]
    assert (info.bits_per_sample, info.sample_rate) == (24, 96_000)
    info = mutagen.File(rendered[("hires", "flac-cd")]).info  # type: ignore[attr-defined]
    assert (info.bits_per_sample, info.sample_rate) == (16, 44_100)


def test_encoder_settings_are_in_the_tags(rendered):
    seen = _mutagen_text(rendered[("cd", "mp3-v0")])
    assert "LAME -V 0" in seen
