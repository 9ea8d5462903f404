"""A release as one streamed ZIP: cover, tracks in order with clean names, manifest with checksums."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from pressplant.catalogue.models import Release
from pressplant.delivery.albums import clean_file_name, stream_release_zip, zip_file_name
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
