"""EBU R128 loudness and true peak: against what BS.1770 predicts, and against Debian's ffmpeg CLI.

The CLI is an independent build of the same ebur128 filter (a different FFmpeg version, linked against
Debian's libraries) whose summary prints I and the true peak to 0.1; the tolerances below allow for
that rounding and nothing more.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from pressplant.audio.errors import UnreadableMaster
from pressplant.audio.loudness import LoudnessMeter, measure_album_loudness, measure_loudness
from pressplant.audio.metadata import Loudness

LU_TOLERANCE = 0.1
PEAK_TOLERANCE_DB = 0.2
FRAME_SAMPLES = 4096

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="the ffmpeg CLI (the independent checker) is not installed"
)


# Given: signals synthesized with numpy, written as FLAC by PyAV.


def sine(
    freq_hz: float, dbfs: float, seconds: float, rate_hz: int, channels: int = 2, phase: float = 0.0
) -> np.ndarray:
    """A tone with 10 ms raised-cosine fades: an abrupt start would ring above the tone's own peak."""
    t = np.arange(round(seconds * rate_hz)) / rate_hz
    wave = 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq_hz * t + phase)
    ramp = np.sin(np.linspace(0, np.pi / 2, round(0.01 * rate_hz))) ** 2
    wave[: ramp.size] *= ramp
    wave[wave.size - ramp.size :] *= ramp[::-1]
    return np.tile(wave, (channels, 1))


def pink_noise(seconds: float, rate_hz: int, rms_dbfs: float, channels: int = 2, seed: int = 7) -> np.ndarray:
    """Independent channels of 1/f noise (white noise shaped in the frequency domain)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate_hz)
    spectrum = np.fft.rfft(rng.standard_normal((channels, n)), axis=1)
    freqs = np.fft.rfftfreq(n, 1 / rate_hz)
    spectrum[:, 1:] /= np.sqrt(freqs[1:])
    spectrum[:, 0] = 0
    noise = np.fft.irfft(spectrum, n, axis=1)
    return noise * 10 ** (rms_dbfs / 20) / np.sqrt(np.mean(noise**2))


def write_flac(path: Path, samples: np.ndarray, rate_hz: int, bits: int = 16) -> Path:
    """Write (channels, n) floats in [-1, 1] as 16- or 24-bit FLAC, frame by frame."""
    channels = samples.shape[0]
    layout = {1: "mono", 2: "stereo"}[channels]
    sample_format, dtype, full_scale = ("s16", np.int16, 2**15) if bits == 16 else ("s32", np.int32, 2**31)
    step = 2 ** (32 - bits) if bits == 24 else 1
    ints = np.clip(np.round(samples * full_scale / step), -full_scale // step, full_scale // step - 1) * step
    with av.open(path, "w") as container:
        stream = container.add_stream("flac", rate=rate_hz, layout=layout)
        stream.format = sample_format
        for start in range(0, ints.shape[1], FRAME_SAMPLES):
            block = ints[:, start : start + FRAME_SAMPLES].astype(dtype)
            frame = av.AudioFrame.from_ndarray(
                block.T.reshape(1, -1).copy(), format=sample_format, layout=layout
            )
            frame.sample_rate = rate_hz
            frame.pts = start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


# The independent checker.


def cli_measure(*inputs: Path, pre_filter: str = "", ebur128_options: str = "") -> Loudness:
    """(I, true peak) from the summary of `ffmpeg -af ebur128=peak=true`; several inputs are concatenated."""
    if len(inputs) == 1 and not pre_filter:
        graph = ["-af", f"ebur128=peak=true:framelog=verbose{ebur128_options}"]
    else:
        chains = "".join(f"[{i}:a]{pre_filter or 'anull'}[a{i}];" for i in range(len(inputs)))
        joined = "".join(f"[a{i}]" for i in range(len(inputs)))
        concat = f"concat=n={len(inputs)}:v=0:a=1,ebur128=peak=true:framelog=verbose"
        graph = ["-filter_complex", chains + joined + concat]
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-nostats"]
    command += [arg for path in inputs for arg in ("-i", str(path))] + graph + ["-f", "null", "-"]
    stderr = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stderr
    summary = stderr[stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return Loudness(float(integrated.group(1)), float(peak.group(1)))


def assert_matches_cli(measured: Loudness, cli: Loudness) -> None:
    assert measured.integrated_lufs == pytest.approx(cli.integrated_lufs, abs=LU_TOLERANCE)
    assert measured.true_peak_dbtp == pytest.approx(cli.true_peak_dbtp, abs=PEAK_TOLERANCE_DB)


# Tracks.


def test_997hz_sine_reads_the_loudness_bs1770_predicts(tmp_path):
    # BS.1770-4: a 0 dBFS 997 Hz sine in one front channel reads -3.01 LKFS; on both, 0 LKFS.
    master = write_flac(tmp_path / "sine.flac", sine(997, -20.0, 5, 48000), 48000, bits=24)

    measured = measure_loudness(master)

    assert measured.integrated_lufs == pytest.approx(-20.0, abs=LU_TOLERANCE)
    assert measured.true_peak_dbtp == pytest.approx(-20.0, abs=0.05)


@needs_ffmpeg
def test_997hz_sine_agrees_with_the_cli(tmp_path):
    master = write_flac(tmp_path / "sine.flac", sine(997, -12.0, 4, 44100), 44100)

    assert_matches_cli(measure_loudness(master), cli_measure(master))


@needs_ffmpeg
def test_pink_noise_agrees_with_the_cli(tmp_path):
    master = write_flac(tmp_path / "pink.flac", pink_noise(4, 44100, -21.0), 44100)

    measured = measure_loudness(master)

    assert -40 < measured.integrated_lufs < -10
    assert_matches_cli(measured, cli_measure(master))


@needs_ffmpeg
def test_24_bit_96khz_master_agrees_with_the_cli(tmp_path):
    signal = pink_noise(3, 96000, -24.0) + sine(3000, -18.0, 3, 96000)
    master = write_flac(tmp_path / "hires.flac", signal, 96000, bits=24)

    assert_matches_cli(measure_loudness(master), cli_measure(master))


@needs_ffmpeg
def test_mono_master_is_measured_as_dual_mono_like_the_cli(tmp_path):
    """Played on both speakers, a mono -20 dBFS sine is as loud as the same sine in stereo: -20 LUFS."""
    master = write_flac(tmp_path / "mono.flac", sine(997, -20.0, 4, 44100, channels=1), 44100)

    measured = measure_loudness(master)

    assert measured.integrated_lufs == pytest.approx(-20.0, abs=LU_TOLERANCE)
    assert_matches_cli(measured, cli_measure(master, ebur128_options=":dualmono=true"))


@needs_ffmpeg
def test_true_peak_sees_the_peak_between_samples(tmp_path):
    # A quarter-rate sine at 45 degrees: every sample is at 0.707 of the wave's peak (3 dB below it).
    master = write_flac(tmp_path / "isp.flac", sine(11025, -6.0, 2, 44100, phase=math.pi / 4), 44100, bits=24)

    measured = measure_loudness(master)

    assert measured.true_peak_dbtp == pytest.approx(-6.0, abs=PEAK_TOLERANCE_DB)
    assert_matches_cli(measured, cli_measure(master))


def test_quiet_peak_is_read_to_the_hundredth_of_a_db(tmp_path):
    # ebur128 prints peaks with three decimals (0.003 for this one, -50.5 dB): the meter must not lose it.
    master = write_flac(tmp_path / "quiet.flac", sine(997, -50.0, 2, 48000), 48000, bits=24)

    measured = measure_loudness(master)

    assert measured.true_peak_dbtp == pytest.approx(-50.0, abs=0.01)
    assert measured.replaygain_texts()[1] == "0.003162"


def test_digital_silence_is_silent(tmp_path):
    master = write_flac(tmp_path / "silence.flac", np.zeros((2, 3 * 44100)), 44100)

    assert measure_loudness(master) == Loudness.silent()


@needs_ffmpeg
def test_blip_shorter_than_a_gating_block_reads_the_gate_floor_with_its_peak(tmp_path):
    master = write_flac(tmp_path / "blip.flac", sine(997, -10.0, 0.2, 44100), 44100)

    measured = measure_loudness(master)

    assert measured.integrated_lufs == -70.0
    assert measured.true_peak_dbtp == pytest.approx(-10.0, abs=PEAK_TOLERANCE_DB)
    assert_matches_cli(measured, cli_measure(master))


def test_a_peak_in_the_last_partial_100ms_is_not_missed(tmp_path):
    signal = sine(997, -30.0, 2.05, 44100)
    signal[:, -200:] = 0.9  # a click in the last 50 ms, after the last full 100 ms step
    master = write_flac(tmp_path / "click.flac", signal, 44100)

    assert measure_loudness(master).true_peak_dbtp > 20 * math.log10(0.9) - 0.1


# The meter fed directly, as ingest does in its decode pass.


def test_meter_takes_frames_of_any_size_and_format_and_gives_the_same_result(tmp_path):
    signal = pink_noise(3, 44100, -20.0)
    master = write_flac(tmp_path / "pink.flac", signal, 44100, bits=24)
    meter = LoudnessMeter(44100, "stereo", "fltp")
    start = 0
    for size in [1, 4410, 999, 12345] * 100:
        block = signal[:, start : start + size].astype(np.float32)
        if block.shape[1] == 0:
            break
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout="stereo")
        frame.sample_rate = 44100
        meter.add(frame)
        start += size

    fed = meter.result()
    decoded = measure_loudness(master)

    assert fed.integrated_lufs == pytest.approx(decoded.integrated_lufs, abs=0.01)
    assert fed.true_peak_dbtp == pytest.approx(decoded.true_peak_dbtp, abs=0.01)
    assert meter.result() == fed
    with pytest.raises(RuntimeError):
        meter.add(frame)


# Albums.


@needs_ffmpeg
def test_album_of_two_levels_lies_between_them_and_matches_the_concatenation(tmp_path):
    loud = write_flac(tmp_path / "1.flac", pink_noise(3, 44100, -14.0, seed=1), 44100)
    quiet = write_flac(tmp_path / "2.flac", pink_noise(3, 44100, -26.0, seed=2), 44100)
    track_lufs = [measure_loudness(path).integrated_lufs for path in (loud, quiet)]

    album = measure_album_loudness([loud, quiet])

    assert min(track_lufs) + 1 < album.integrated_lufs < max(track_lufs) - 1
    assert album.true_peak_dbtp == pytest.approx(measure_loudness(loud).true_peak_dbtp, abs=0.01)
    assert_matches_cli(album, cli_measure(loud, quiet))


@needs_ffmpeg
def test_album_gates_over_the_whole_release_not_track_by_track(tmp_path):
    # A track 26 LU below the other falls under the album's relative gate (-10 LU): the album reads
    # near the loud track alone (the 400 ms blocks across the join still count), where averaging the
    # two tracks' energies would put it 3 LU lower.
    loud = write_flac(tmp_path / "1.flac", pink_noise(3, 44100, -14.0, seed=5), 44100)
    whisper = write_flac(tmp_path / "2.flac", pink_noise(3, 44100, -40.0, seed=6), 44100)
    loud_lufs = measure_loudness(loud).integrated_lufs

    album = measure_album_loudness([loud, whisper])

    assert album.integrated_lufs == pytest.approx(loud_lufs, abs=0.5)
    assert_matches_cli(album, cli_measure(loud, whisper))


@needs_ffmpeg
def test_album_of_different_rates_is_brought_to_one_rate_and_matches_the_cli(tmp_path):
    cd = write_flac(tmp_path / "1.flac", pink_noise(3, 44100, -16.0, seed=3), 44100)
    hires = write_flac(tmp_path / "2.flac", pink_noise(3, 96000, -24.0, seed=4), 96000, bits=24)
    track_lufs = [measure_loudness(path).integrated_lufs for path in (cd, hires)]

    album = measure_album_loudness([cd, hires])

    assert min(track_lufs) + 1 < album.integrated_lufs < max(track_lufs) - 1
    assert_matches_cli(album, cli_measure(cd, hires, pre_filter="aresample=96000"))


# Unreadable input.


def test_garbage_is_an_unreadable_master_naming_the_file(tmp_path):
    garbage = tmp_path / "track03.flac"
    garbage.write_bytes(b"fLaC but not really" + bytes(range(256)) * 8)

    with pytest.raises(UnreadableMaster, match=r"track03\.flac"):
        measure_loudness(garbage)


def test_missing_file_is_an_unreadable_master(tmp_path):
    with pytest.raises(UnreadableMaster, match=r"gone\.flac"):
        measure_loudness(tmp_path / "gone.flac")


def test_album_names_the_unreadable_track(tmp_path):
    good = write_flac(tmp_path / "1.flac", sine(997, -20.0, 1, 44100), 44100)
    bad = tmp_path / "2.flac"
    bad.write_bytes(b"")

    with pytest.raises(UnreadableMaster, match=r"2\.flac"):
        measure_album_loudness([good, bad])
