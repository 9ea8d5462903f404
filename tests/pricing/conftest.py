"""A small ingested release (three one-second FLAC tracks with a cover) and empty storage per test."""

from __future__ import annotations

from tests.catalogue.conftest import media_storage  # noqa: F401  (the same per-test storage)
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the same small album)
