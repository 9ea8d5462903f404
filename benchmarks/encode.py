"""Encode throughput: the engine against FFmpeg's command line, same master, same settings, one core.

    python benchmarks/encode.py [--seconds 300] [--repeat 3] [--formats mp3-320,flac]

For every format the engine's transcode() (decode, resample/dither, encode, mux, tags, verification)
and `ffmpeg -threads 1` with the equivalent encoder settings run alternately on the same synthesized
master, both pinned to one CPU; the best of --repeat runs of each is kept. The table gives both speeds
in x realtime (audio seconds per wall second) and their ratio (engine / ffmpeg; target >= 1.0). Then
two engine encodes run at once on two cores against one alone (target >= 1.8x the throughput).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pressplant.audio.formats import FORMATS, Format
from pressplant.audio.metadata import TrackTags
from pressplant.audio.transcode import _RESAMPLER, transcode
from pressplant.demo import MasterSpec, write_master

# FFmpeg CLI arguments that give the same encoder settings as the engine's row.
_CLI_CODEC = {
    "mp3": lambda f: ["-c:a", "libmp3lame"] + (["-q:a", str(f.vbr_quality)] if f.is_vbr else ["-b:a", _kbps(f)]),
    "aac": lambda f: ["-c:a", "aac", "-b:a", _kbps(f), "-f", "ipod"],
    # The engine resamples to 48 kHz in float and feeds Opus float samples (no re-quantisation to 16 bits
    # without dither); left alone, the CLI would resample and encode in s16.
    "libopus": lambda f: ["-c:a", "libopus", "-b:a", _kbps(f), "-vbr", "constrained", "-sample_fmt", "flt"],
    "flac": lambda f: ["-c:a", "flac"],
    "alac": lambda f: ["-c:a", "alac", "-f", "ipod"],
    "pcm": lambda f: ["-c:a", "pcm_s16le" if f.container == "wav" else "pcm_s16be"],
}


def _kbps(fmt: Format) -> str:
    return f"{(fmt.bitrate_bps or 0) // 1000}k"


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _engine_once(master: Path, fmt_name: str, out: Path) -> float:
    started = time.perf_counter()
    transcode(master, fmt_name, out, TrackTags(title="Benchmark", artists=("Pressplant",)))
    return time.perf_counter() - started


def _ffmpeg_once(ffmpeg: str, master: Path, fmt: Format, out: Path, cpu: int) -> float:
    resample = ["-af", "aresample=48000:" + _RESAMPLER] if fmt.codec == "libopus" else []
    command = [ffmpeg, "-nostdin", "-v", "error", "-y", "-threads", "1", "-i", str(master), *resample,
               *_CLI_CODEC[fmt.codec](fmt), str(out)]
    started = time.perf_counter()
    subprocess.run(command, check=True, preexec_fn=lambda: _pin(cpu))
    return time.perf_counter() - started


def _pinned_engine(args: tuple[int, Path, str, Path]) -> float:
    cpu, master, fmt_name, out = args
    _pin(cpu)
    return _engine_once(master, fmt_name, out)


def _parallel(master: Path, fmt_name: str, work: Path, repeat: int) -> tuple[float, float]:
    """(seconds for one encode alone, seconds for two at once on two cores): best of `repeat`."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        one = min(pool.submit(_pinned_engine, (0, master, fmt_name, work / "p1.mp3")).result()
                  for _ in range(repeat))
        two = []
        for _ in range(repeat):
            started = time.perf_counter()
            jobs = [pool.submit(_pinned_engine, (cpu, master, fmt_name, work / f"p{cpu}.{fmt_name}"))
                    for cpu in (0, 1)]
            for job in jobs:
                job.result()
            two.append(time.perf_counter() - started)
    return one, min(two)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the master (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the best is kept")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated format names")
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg CLI not found: install Debian's ffmpeg for the baseline", file=sys.stderr)
        return 2
    names = [n for n in args.formats.split(",") if n]
    with tempfile.TemporaryDirectory(prefix="pressplant-bench-") as tmp:
        work = Path(tmp)
        master = write_master(work / "master.flac", MasterSpec(seed=7, seconds=args.seconds))
        _print_machine(ffmpeg, args.seconds)
        _pin(0)
        print(f"{'format':<10}{'engine x':>11}{'ffmpeg x':>11}{'ratio':>8}  target >= 1.000")
        worst = float("inf")
        for name in names:
            fmt = FORMATS[name]
            out_engine, out_cli = work / f"engine.{fmt.extension}", work / f"cli.{fmt.extension}"
            engine, cli = [], []
            for _ in range(args.repeat):
                engine.append(_engine_once(master, name, out_engine))
                cli.append(_ffmpeg_once(ffmpeg, master, fmt, out_cli, 0))
            e_x, c_x = args.seconds / min(engine), args.seconds / min(cli)
            worst = min(worst, e_x / c_x)
            print(f"{name:<10}{e_x:>10.1f}x{c_x:>10.1f}x{e_x / c_x:>8.3f}  {'ok' if e_x >= c_x else 'BELOW'}")
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1))) if hasattr(os, "sched_setaffinity") else None
        one, two = _parallel(master, "mp3-320", work, args.repeat)
        scaling = 2 * one / two
        print(f"parallel mp3-320: one encode {one:.2f} s, two at once {two:.2f} s -> "
              f"{scaling:.2f}x the throughput of one (target >= 1.8)")
        print(f"worst ratio {worst:.3f}")
    return 0


def _print_machine(ffmpeg: str, seconds: float) -> None:
    version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
          f"{platform.python_version()}; baseline: {version}")
    print(f"master: synthesized {seconds:.0f} s, FLAC 16-bit/44.1 kHz stereo; one core each\n")


if __name__ == "__main__":
    sys.exit(main())
