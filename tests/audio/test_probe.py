"""probe(): every bad master gets its own clear reason; good ones are described as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressplant.audio.errors import LossyMaster, UnreadableMaster
from pressplant.audio.probe import probe
from pressplant.audio.transcode import transcode
from pressplant.demo import MasterSpec, write_master
from tests.independent import require


@pytest.fixture(scope="module")
def masters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("probe")
    return {
        "cd": write_master(folder / "cd.flac", MasterSpec(seed=1, seconds=3)),
        "hires": write_master(folder / "hires.flac", MasterSpec(seed=2, seconds=3, rate_hz=96_000, bits=24)),
        "wav": write_master(folder / "w.wav", MasterSpec(seed=3, seconds=3, bits=24)),
        "aiff": write_master(folder / "a.aiff", MasterSpec(seed=4, seconds=3)),
        "mono": write_master(folder / "mono.flac", MasterSpec(seed=5, seconds=2, channels=1)),
    }


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory, masters: dict[str, Path]) -> Path:
    return transcode(masters["cd"], "mp3-128", tmp_path_factory.mktemp("lossy") / "lossy.mp3").path


@pytest.mark.parametrize(("key", "codec", "rate", "bits", "channels", "samples"), [
    ("cd", "FLAC", 44_100, 16, 2, 132_300),
    ("hires", "FLAC", 96_000, 24, 2, 288_000),
    ("wav", "PCM", 44_100, 24, 2, 132_300),
    ("aiff", "PCM", 44_100, 16, 2, 132_300),
    ("mono", "FLAC", 44_100, 16, 1, 88_200),
])
def test_probe_describes_lossless_masters(masters, key, codec, rate, bits, channels, samples):
    result = probe(masters[key])
    assert (result.codec, result.sample_rate_hz, result.bit_depth, result.channels) == (codec, rate, bits, channels)
    assert result.duration_samples == samples
    assert result.duration_ms == samples * 1000 // rate
    assert result.is_lossless


def test_a_lossy_file_is_refused_as_a_master(mp3):
    with pytest.raises(LossyMaster, match=r"lossy.mp3: MP3 is lossy; a master must be lossless"):
        probe(mp3)
    assert probe(mp3, master=False).codec == "MP3"


def test_an_mp3_named_flac_is_refused_as_mislabelled(mp3, tmp_path):
    fake = tmp_path / "master.flac"
    fake.write_bytes(mp3.read_bytes())
    with pytest.raises(UnreadableMaster, match=r"master.flac: named .flac but it is MP3 audio"):
        probe(fake)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty"),
    (b"fLaC" + bytes(30), "not"),
    (b"hello, I am not audio at all\n" * 20, "not"),
])
def test_empty_and_garbage_files_are_refused(tmp_path, content, reason):
    bad = tmp_path / "bad.flac"
    bad.write_bytes(content)
    with pytest.raises(UnreadableMaster, match=rf"bad\.flac: .*{reason}"):
        probe(bad)


@pytest.mark.parametrize("key", ["hires", "wav", "aiff"])
def test_truncated_masters_are_refused(masters, tmp_path, key):
    source = masters[key]
    cut = tmp_path / f"cut{source.suffix}"
    cut.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    with pytest.raises(UnreadableMaster, match=r"cut\.\w+: (truncated|the audio is damaged)"):
        probe(cut)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(UnreadableMaster, match=r"nothing\.flac: no such file"):
        probe(tmp_path / "nothing.flac")


def test_a_bad_master_leaves_no_output_behind(masters, tmp_path):
    cut = tmp_path / "cut.flac"
    cut.write_bytes(masters["hires"].read_bytes()[:50_000])
    out = tmp_path / "out.mp3"
    with pytest.raises(UnreadableMaster):
        transcode(cut, "mp3-320", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.flac"]


def test_ffprobe_agrees_on_the_masters(masters):
    require("ffprobe")
    from tests.independent import audio_stream, ffprobe

    stream = audio_stream(ffprobe(masters["hires"]))
    assert (int(stream["sample_rate"]), stream["bits_per_raw_sample"]) == (96_000, "24")
