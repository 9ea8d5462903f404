"""A release as one streamed ZIP: cover, tracks in order with clean names, manifest with checksums."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile

import pytest

from pressplant.catalogue.actions import ingest_tree
from pressplant.catalogue.models import Release, Track
from pressplant.delivery import cache
from pressplant.delivery.albums import clean_file_name, stream_release_zip, zip_file_name
from pressplant.delivery.models import Rendition
from tests.catalogue.masters import tag, write_sine
from tests.independent import decoded_samples


@pytest.mark.parametrize(("text", "name"), [
    ("AC/DC - Back: In Black?", "AC DC - Back In Black"),
    ("..hidden", "hidden"),
    ("Кино - Группа крови", "Кино - Группа крови"),
    ("\x00\x01", "untitled"),
])
def test_clean_file_names(text, name):
    assert clean_file_name(text) == name


@pytest.mark.django_db(transaction=True)
def test_an_album_zip_streams_cover_tracks_in_order_and_a_manifest(tracks, tmp_path):
    release = Release.objects.get()
    blob = b"".join(stream_release_zip(release, "mp3-128", workers=2))
    archive = zipfile.ZipFile(io.BytesIO(blob))
    names = archive.namelist()
    assert names[0] == "cover.jpg" and names[-1] == "manifest.json"
    assert names[1:-1] == ["01 The Encoders - One.mp3", "02 The Encoders - Two.mp3", "03 The Encoders - Six.mp3"]
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        data = archive.read(entry["file"])
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size_bytes"] == len(data)
        assert entry["encoder_settings"].startswith("LAME")
        out = tmp_path / entry["file"]
        out.write_bytes(data)
        assert decoded_samples(out) == 44_100
    assert zip_file_name(release, "mp3-128") == "The Encoders - Cache Songs (mp3-128).zip"


@pytest.mark.django_db(transaction=True)
def test_without_a_cover_the_zip_starts_before_the_first_track_is_encoded(tracks, monkeypatch):
    Release.objects.update(cover_key="")  # a release without artwork
    release = Release.objects.get()
    encoded = threading.Event()
    real = cache.transcode

    def held_back(master, fmt, out, tags=None, cover=None):  # the real encode, once the test lets it
        encoded.wait(30)
        return real(master, fmt, out, tags=tags, cover=cover)

    monkeypatch.setattr(cache, "transcode", held_back)
    stream = stream_release_zip(release, "mp3-128", workers=2)
    try:
        first = next(stream)
        nothing_ready = not Rendition.objects.ready().exists()
    finally:
        encoded.set()
    archive = zipfile.ZipFile(io.BytesIO(first + b"".join(stream)))

    assert nothing_ready and first.startswith(b"PK\x03\x04") and b"01 The Encoders - One.mp3" in first
    assert archive.testzip() is None
    assert archive.namelist() == ["01 The Encoders - One.mp3", "02 The Encoders - Two.mp3",
                                  "03 The Encoders - Six.mp3", "manifest.json"]


@pytest.fixture
def uneven_tracks(tmp_path) -> list[Track]:
    """Four tracks of 0.5, 0.5, 0.25 and 0.75 seconds: the last two are encoded longest first."""
    for number, seconds in enumerate((0.5, 0.5, 0.25, 0.75), start=1):
        path = write_sine(tmp_path / "Uneven" / f"{number}.flac", seconds=seconds, freq_hz=200.0 * number)
        tag(path, title=f"Part {number}", artist="The Encoders", tracknumber=str(number), album="Uneven",
            albumartist="The Encoders", date="2026")
    assert ingest_tree(tmp_path / "Uneven").tracks_added == 4
    return list(Track.objects.order_by("position"))


@pytest.mark.django_db(transaction=True)
def test_the_last_tracks_are_encoded_longest_first_and_still_zipped_in_order(uneven_tracks, monkeypatch):
    started: list[str] = []
    real = cache.transcode

    def noted(master, fmt, out, tags=None, cover=None):
        started.append(tags.title)
        return real(master, fmt, out, tags=tags, cover=cover)

    monkeypatch.setattr(cache, "transcode", noted)
    blob = b"".join(stream_release_zip(Release.objects.get(), "mp3-128", workers=1))
    archive = zipfile.ZipFile(io.BytesIO(blob))

    assert started == ["Part 1", "Part 2", "Part 4", "Part 3"]
    assert archive.namelist() == ["01 The Encoders - Part 1.mp3", "02 The Encoders - Part 2.mp3",
                                  "03 The Encoders - Part 3.mp3", "04 The Encoders - Part 4.mp3", "manifest.json"]
    assert archive.testzip() is None
