"""Loudness values as tags carry them: ReplayGain 2.0 texts and Opus R128 gains."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from pressplant.audio.metadata import Gapless, Loudness


def test_replaygain_is_relative_to_minus_18_lufs():
    loudness = Loudness(integrated_lufs=-11.5, true_peak_dbtp=-0.4)
    assert loudness.replaygain_texts() == ("-6.50 dB", "0.954993")


def test_opus_r128_gain_is_q7_8_relative_to_minus_23_lufs():
    assert Loudness(integrated_lufs=-14.0, true_peak_dbtp=-1.0).r128_gain_q78 == -9 * 256


def test_a_positive_gain_never_pushes_the_true_peak_over_full_scale():
    quiet_with_transients = Loudness(integrated_lufs=-30.0, true_peak_dbtp=-4.0)
    assert quiet_with_transients.replaygain_gain_db == 4.0
    assert quiet_with_transients.r128_gain_q78 == 4 * 256
    assert Loudness.silent().replaygain_gain_db == 52.0  # silence has no peak to clip


@given(st.floats(-70, 0), st.floats(-60, 3))
def test_gains_stay_clip_safe_and_in_range(integrated, peak):
    loudness = Loudness(integrated_lufs=integrated, true_peak_dbtp=peak)
    gain = loudness.replaygain_gain_db
    assert gain <= -18.0 - integrated + 1e-9
    assert gain <= 0 or gain + peak <= 1e-9
    assert -32768 <= loudness.r128_gain_q78 <= 32767
    assert math.isfinite(gain)


def test_itunsmpb_text_has_apples_layout():
    text = Gapless(delay_samples=1024, padding_samples=820, valid_samples=132_300).itunsmpb()
    words = text.split()
    assert len(words) == 12 and text.startswith(" 00000000 00000400 00000334 00000000000204CC")
