"""The formats table and the size estimates that per-megabyte prices are quoted from."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressplant.audio.errors import UnknownFormat
from pressplant.audio.formats import (
    FORMATS,
    SourceAudio,
    estimate_size_bytes,
    get_format,
    output_depth_bits,
    output_rate_hz,
)
from pressplant.audio.metadata import TrackTags
from pressplant.audio.probe import probe
from pressplant.audio.transcode import transcode
from pressplant.demo import MasterSpec, write_master

REQUIRED = ("mp3-320", "mp3-256", "mp3-192", "mp3-128", "mp3-v0", "mp3-v2", "aac-256", "aac-128", "opus-160",
            "opus-96", "flac", "flac-cd", "alac", "wav", "aiff")


def test_every_required_format_has_a_complete_row():
    assert set(REQUIRED) <= set(FORMATS)
    for fmt in FORMATS.values():
        assert fmt.codec and fmt.container and fmt.extension and fmt.media_type.startswith("audio/")
        assert fmt.is_lossless or fmt.bitrate_bps or fmt.vbr_quality is not None


def test_an_unknown_format_is_a_clear_error():
    with pytest.raises(UnknownFormat, match="unknown format 'mp3-999'; known formats: mp3-320"):
        get_format("mp3-999")


@pytest.mark.parametrize(("name", "master_rate", "rate"), [
    ("mp3-320", 44_100, 44_100), ("mp3-320", 48_000, 48_000), ("mp3-320", 96_000, 48_000),
    ("mp3-v0", 88_200, 44_100), ("aac-256", 192_000, 48_000), ("opus-96", 44_100, 48_000),
    ("flac", 96_000, 96_000), ("flac-cd", 96_000, 44_100), ("flac-cd", 48_000, 44_100), ("alac", 88_200, 88_200),
])
def test_sample_rate_policy(name, master_rate, rate):
    assert output_rate_hz(FORMATS[name], master_rate) == rate


@pytest.mark.parametrize(("name", "master_bits", "bits"), [
    ("flac", 24, 24), ("flac", 16, 16), ("flac-cd", 24, 16), ("alac", 24, 24), ("wav", 24, 24),
    ("aiff", 16, 16), ("mp3-320", 24, None), ("opus-160", 24, None),
])
def test_bit_depth_policy(name, master_bits, bits):
    assert output_depth_bits(FORMATS[name], master_bits) == bits


@pytest.fixture(scope="module")
def sized(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, int, int, float]]:
    """(master, format, actual bytes, estimated bytes, documented bound) for 30 s masters."""
    folder = tmp_path_factory.mktemp("sizes")
    rows = []
    for key, spec in {"cd": MasterSpec(seed=31, seconds=30),
                      "hires": MasterSpec(seed=32, seconds=30, rate_hz=96_000, bits=24)}.items():
        master = write_master(folder / f"{key}.flac", spec)
        probed = probe(master)
        source = SourceAudio(probed.duration_samples, probed.sample_rate_hz, probed.channels,
                             probed.bit_depth or 16, probed.audio_bytes)
        for name, fmt in FORMATS.items():
            info = transcode(master, name, folder / f"{key}-{name}.{fmt.extension}", TrackTags(title="Size"))
            estimate = estimate_size_bytes(fmt, source)
            rows.append((key, name, info.size_bytes, estimate.size_bytes, estimate.max_error))
    return rows


def test_cbr_estimates_are_within_2_percent(sized):
    cbr = [row for row in sized if FORMATS[row[1]].codec == "mp3" and not FORMATS[row[1]].is_vbr]
    assert len(cbr) == 8
    for key, name, actual, estimate, bound in cbr:
        assert bound == 0.02
        assert abs(estimate - actual) <= 0.02 * actual, (key, name, actual, estimate)


def test_other_estimates_are_within_their_documented_bounds(sized):
    """VBR MP3 is documented for typical music; the synthesized masters are sparser, so it is left out."""
    for key, name, actual, estimate, bound in sized:
        if FORMATS[name].is_vbr:
            continue
        assert abs(estimate - actual) <= bound * actual, (key, name, actual, estimate, bound)


def test_the_estimate_is_deterministic(sized):
    source = SourceAudio(duration_samples=1_323_000, rate_hz=44_100, channels=2, bit_depth=16,
                         compressed_bytes=5_000_000)
    for fmt in FORMATS.values():
        assert estimate_size_bytes(fmt, source) == estimate_size_bytes(fmt, source)


def test_a_24_bit_wav_master_estimates_pcm_exactly(tmp_path: Path):
    master = write_master(tmp_path / "m.wav", MasterSpec(seed=3, seconds=5, bits=24))
    probed = probe(master)
    source = SourceAudio(probed.duration_samples, probed.sample_rate_hz, probed.channels, 24, None)
    info = transcode(master, "wav", tmp_path / "out.wav", TrackTags(title="W"))
    estimate = estimate_size_bytes(FORMATS["wav"], source)
    assert abs(estimate.size_bytes - info.size_bytes) <= 0.01 * info.size_bytes
