"""A folder tree as a label would hand it over: two albums, and the usual broken files beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalogue.masters import image_bytes, tag, write_sine

FIRST_ALBUM = {"album": "First Light", "albumartist": "The Sines", "date": "2024-03-01", "genre": "Ambient",
               "label": "Pressplant Test Records", "barcode": "0012345678905"}
SECOND_ALBUM = {"album": "Deep Rates", "albumartist": "Hi Res", "date": "2025"}


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path: Path) -> Path:
    """Each test gets empty local storage and scratch space."""
    media = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}}
    settings.RENDITION_WORK_DIR = tmp_path / "work"
    return media


@pytest.fixture(scope="session")
def label_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """First Light: 3 tracks (FLAC 16/44.1, WAV, FLAC), file names out of track order, cover.jpg.
    Deep Rates: FLAC 24/96 with an embedded cover and AIFF; its track 2 has a placeholder ISRC.
    broken/: random bytes, a truncated FLAC, an MP3 named .flac, an empty file, a real MP3, a text file."""
    root = tmp_path_factory.mktemp("label") / "delivery"
    first = root / "First Light"
    tag(write_sine(first / "a-closing.flac", seconds=2.0, freq_hz=330), title="Closing", artist="The Sines",
        tracknumber="3", isrc="GB-ABC-24-00003", **FIRST_ALBUM)
    tag(write_sine(first / "b-opening.flac", seconds=1.0), title="Opening", artist="The Sines",
        tracknumber="1", isrc="GBABC2400001", **FIRST_ALBUM)
    tag(write_sine(first / "c-middle.wav", seconds=1.5, freq_hz=550), title="Middle",
        artist="The Sines", tracknumber="2", isrc="gbabc2400002", **FIRST_ALBUM)
    (first / "cover.jpg").write_bytes(image_bytes("JPEG", 300))
    second = root / "Deep Rates"
    tag(write_sine(second / "deep.flac", seconds=1.0, rate_hz=96_000, bits=24), picture=image_bytes("PNG", 200),
        title="Deep", artist="Hi Res", tracknumber="1", isrc="USRC17607839", **SECOND_ALBUM)
    tag(write_sine(second / "wide.aiff", seconds=1.0, freq_hz=220), title="Wide", artist="Hi Res",
        tracknumber="2", isrc="ISRC_Woot", **SECOND_ALBUM)
    _broken_files(root / "broken", tmp_path_factory.mktemp("sources"))
    return root


def _broken_files(folder: Path, sources: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "noise.flac").write_bytes(bytes(range(256)) * 64)
    whole = tag(write_sine(sources / "whole.flac", seconds=3.0), title="Cut", album="Cut", artist="X").read_bytes()
    (folder / "truncated.flac").write_bytes(whole[: len(whole) // 2])
    (folder / "really-an-mp3.flac").write_bytes(write_sine(sources / "song.mp3").read_bytes())
    (folder / "empty.flac").write_bytes(b"")
    write_sine(folder / "preview.mp3")
    (folder / "notes.txt").write_text("not audio")
