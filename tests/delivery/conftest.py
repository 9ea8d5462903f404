"""A small release in the catalogue, ready to be rendered, and empty storage per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressplant.catalogue.actions import ingest_tree
from pressplant.catalogue.models import Track
from tests.catalogue.conftest import media_storage  # noqa: F401  (the same per-test storage)
from tests.catalogue.masters import image_bytes, tag, write_sine

ALBUM = {"album": "Cache Songs", "albumartist": "The Encoders", "date": "2026-01-02",
         "barcode": "5710261026118", "label": "Cache Records"}


@pytest.fixture(scope="session")
def album_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three one-second tracks, the same length so that their CBR renditions are the same size."""
    root = tmp_path_factory.mktemp("album")
    for number, title in enumerate(("One", "Two", "Six"), start=1):
        path = write_sine(root / "Cache Songs" / f"{number}.flac", seconds=1.0, freq_hz=220.0 * number)
        tag(path, picture=image_bytes("JPEG", 120) if number == 1 else None, title=title,
            artist="The Encoders", tracknumber=str(number), isrc=f"GBXYZ260000{number}", **ALBUM)
    return root


@pytest.fixture
def tracks(album_tree: Path) -> list[Track]:
    report = ingest_tree(album_tree)
    assert report.tracks_added == 3, report.as_dict()
    return list(Track.objects.select_related("release", "master").order_by("position"))

