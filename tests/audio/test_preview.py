"""Previews: a 30-second low-bitrate excerpt from a third of the way in, faded, tagged, never sold."""

from __future__ import annotations

import numpy as np
import pytest

from pressplant.audio.formats import FORMATS, PREVIEW, excerpt_window, get_format
from pressplant.audio.metadata import TrackTags
from pressplant.audio.transcode import transcode
from pressplant.demo import MasterSpec, write_master
from tests.independent import audio_stream, decode_pcm, decoded_samples, ffprobe


@pytest.mark.parametrize(("seconds", "rate", "out_rate", "expected_seconds"), [
    (45.0, 44_100, 44_100, 30.0), (12.0, 44_100, 44_100, 12.0), (40.0, 96_000, 48_000, 30.0)])
def test_a_preview_is_30_seconds_or_the_whole_short_track(tmp_path, seconds, rate, out_rate, expected_seconds):
    master = write_master(tmp_path / "m.flac", MasterSpec(seed=3, seconds=seconds, rate_hz=rate,
                                                          bits=16 if rate == 44_100 else 24))
    info = transcode(master, "preview", tmp_path / "p.mp3", TrackTags(title="Превью", isrc="GBAYE2600001"))
    assert decoded_samples(info.path) == round(expected_seconds * out_rate) == info.duration_samples
    stream = audio_stream(ffprobe(info.path))
    assert int(stream["sample_rate"]) == out_rate and abs(int(stream["bit_rate"]) - 96_000) < 3_000
    assert ffprobe(info.path)["format"]["tags"]["title"] == "Превью"


def test_the_preview_starts_a_third_in_and_fades(tmp_path):
    master = write_master(tmp_path / "m.flac", MasterSpec(seed=4, seconds=60.0))
    preview = transcode(master, "preview", tmp_path / "p.mp3").path
    ours = np.frombuffer(decode_pcm(preview, channels=1, sample_format="s16le"), np.int16).astype(float)
    whole = np.frombuffer(decode_pcm(master, channels=1, sample_format="s16le"), np.int16).astype(float)
    start, length = excerpt_window(PREVIEW, len(whole), 44_100)
    assert (start, length) == (20 * 44_100, 30 * 44_100)
    middle = slice(5 * 44_100, 25 * 44_100)  # clear of both fades
    correlation = np.corrcoef(ours[middle], whole[start:start + length][middle])[0, 1]
    assert correlation > 0.95
    assert np.abs(ours[:441]).max() < 0.05 * np.abs(ours[middle]).max()  # faded in
    assert np.abs(ours[-441:]).max() < 0.05 * np.abs(ours[middle]).max()  # faded out


def test_the_preview_is_not_a_sellable_format():
    assert "preview" not in FORMATS and get_format("preview") is PREVIEW
