"""WAV LIST/INFO chunks: the tags DAWs and FFmpeg put in WAV files, read from masters and dropped on write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mutagen._riff import RiffFile


def info_chunks(fileobj: Any) -> list[Any]:
    """The LIST chunks of type INFO at the top level of the RIFF file open as `fileobj`."""
    riff = RiffFile(fileobj)  # type: ignore[no-untyped-call]
    return [chunk for chunk in riff.root.subchunks() if chunk.id == "LIST" and chunk.name == "INFO"]


def drop_info(path: Path) -> None:
    """Remove WAV LIST/INFO chunks (FFmpeg's muxer writes one holding only "Lavf..."): readers such
    as FFmpeg show INFO instead of ID3 when both are there, so it would hide every tag we wrote."""
    with path.open("r+b") as fileobj:
        for chunk in info_chunks(fileobj):
            chunk.delete()


def info_index(path: Path) -> dict[str, list[str]]:
    """Every INFO text of the WAV file at `path`, by its chunk id in upper case."""
    with path.open("rb") as fileobj:
        return {sub.id.upper(): [_info_text(sub.read())] for chunk in info_chunks(fileobj)
                for sub in chunk.subchunks()}


def _info_text(data: bytes) -> str:
    """INFO texts have no declared encoding: UTF-8 when they decode as such, else Latin-1."""
    raw = data.split(b"\0", 1)[0]
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()
