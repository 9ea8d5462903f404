"""Independent readers: Debian's ffmpeg/ffprobe, flac, mp3val, opusinfo, mediainfo, run as a user would.

Each check skips, saying why, when its tool is not installed; `.ci/run` installs them all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian package; .ci/run installs it)")
    return path


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [require("ffprobe"), "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


def audio_stream(info: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in info["streams"] if s["codec_type"] == "audio")


def decoded_samples(path: Path) -> int:
    """Samples per channel that FFmpeg's decoder gives back, after gapless trimming."""
    pcm = decode_pcm(path, channels=1)
    return len(pcm) // 4


def decode_pcm(path: Path, *, channels: int | None = None, sample_format: str = "s32le") -> bytes:
    command = [require("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path)]
    if channels:
        command += ["-ac", str(channels)]
    command += ["-f", sample_format, "-"]
    result = subprocess.run(command, capture_output=True, check=True)
    assert result.stderr == b"", result.stderr.decode(errors="replace")
    return result.stdout


def tool_output(*command: str) -> subprocess.CompletedProcess[str]:
    require(command[0])
    return subprocess.run(list(command), capture_output=True, text=True)
