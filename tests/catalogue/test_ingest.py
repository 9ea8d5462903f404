"""Ingesting a label's folder: what ends up in the catalogue, and what the report tells the user."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError
from PIL import Image

from pressplant.catalogue import actions
from pressplant.catalogue.actions import ingest_tree
from pressplant.catalogue.ingest import FileStatus
from pressplant.catalogue.models import Artist, Label, Master, Release, Track
from tests.catalogue.masters import tag, write_sine

pytestmark = pytest.mark.django_db

GOOD_FILES = ("First Light/a-closing.flac", "First Light/b-opening.flac", "First Light/c-middle.wav",
              "Deep Rates/deep.flac", "Deep Rates/wide.aiff")


def _stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Artist, Label, Master, Release, Track)}


def test_two_albums_go_in_with_their_tracks_in_order(label_tree):
    report = ingest_tree(label_tree)

    assert sorted(report.releases_added) == ["Hi Res - Deep Rates", "The Sines - First Light"]
    assert report.tracks_added == 5
    first = Release.objects.get(title="First Light")
    tracks = list(first.tracks.all())
    assert [(t.position, t.title, t.duration_ms) for t in tracks] == [
        (1, "Opening", 1000), (2, "Middle", 1500), (3, "Closing", 2000)]
    assert [t.isrc for t in tracks] == ["GBABC2400001", "GBABC2400002", "GBABC2400003"]
    assert (first.artist_display, first.upc, first.label.name, first.release_date, first.genre) == (
        "The Sines", "0012345678905", "Pressplant Test Records", datetime.date(2024, 3, 1), "Ambient")
    assert first.release_type == Release.Type.SINGLE  # three tracks, under ten minutes
    deep = Track.objects.get(title="Deep")
    assert (deep.master.sample_rate_hz, deep.master.bit_depth, deep.master.codec) == (96_000, 24, "FLAC")
    assert deep.release.year == 2025 and deep.release.release_date is None


def test_masters_are_stored_content_addressed_and_measured(label_tree, media_storage):
    ingest_tree(label_tree)

    for name in GOOD_FILES:
        sha256 = hashlib.sha256((label_tree / name).read_bytes()).hexdigest()
        master = Master.objects.get(sha256=sha256)
        assert master.storage_key == f"masters/{sha256[:2]}/{sha256}{Path(name).suffix}"
        assert default_storage.open(master.storage_key).read() == (label_tree / name).read_bytes()
        assert master.original_name == name
        # A -6 dBFS stereo sine: about -6 LUFS (BS.1770 sums the channels, K-weighting takes a little
        # below 1 kHz) and a -6 dBTP peak.
        assert -7.5 < master.integrated_lufs < -5.5 and -6.5 < master.true_peak_dbtp < -5.5
    release = Release.objects.get(title="First Light")
    assert release.album_loudness is not None and -7.5 < release.album_integrated_lufs < -5.5


def test_cover_comes_from_the_folder_or_the_embedded_picture(label_tree):
    ingest_tree(label_tree)

    covers = {r.title: Image.open(BytesIO(r.cover_bytes())) for r in Release.objects.all()}
    assert (covers["First Light"].format, covers["First Light"].size) == ("JPEG", (300, 300))
    assert (covers["Deep Rates"].format, covers["Deep Rates"].size) == ("PNG", (200, 200))
    first = Release.objects.get(title="First Light")
    assert first.cover_sha256 == hashlib.sha256(first.cover_bytes()).hexdigest()


def test_each_bad_file_is_reported_with_its_reason_and_nothing_is_stored_for_it(label_tree, media_storage):
    report = ingest_tree(label_tree)

    reasons = {f.path: (f.status, f.reason) for f in report.files}
    assert reasons["broken/noise.flac"][0] is FileStatus.FAILED
    assert reasons["broken/noise.flac"][1].startswith("noise.flac: not a")
    assert reasons["broken/truncated.flac"][0] is FileStatus.FAILED
    assert "truncated.flac" in reasons["broken/truncated.flac"][1]
    assert "damaged" in reasons["broken/truncated.flac"][1] or "truncated:" in reasons["broken/truncated.flac"][1]
    assert reasons["broken/really-an-mp3.flac"] == (
        FileStatus.FAILED, "really-an-mp3.flac: named .flac but it is MP3 audio in a mp3 file")
    assert reasons["broken/empty.flac"] == (FileStatus.FAILED, "empty.flac: the file is empty")
    assert reasons["broken/preview.mp3"][0] is FileStatus.SKIPPED
    assert reasons["broken/preview.mp3"][1].startswith("lossy, not a master: preview.mp3: MP3 is lossy")
    assert "broken/notes.txt" not in reasons
    assert report.counts() == {"added": 5, "unchanged": 0, "failed": 4, "skipped": 1}
    stored = _stored_files(media_storage / "masters")
    assert len(stored) == Master.objects.count() == 5
    assert {p.name.split(".")[0] for p in stored} == set(Master.objects.values_list("sha256", flat=True))


def test_a_placeholder_isrc_quarantines_its_release_and_only_that_one(label_tree):
    report = ingest_tree(label_tree)

    deep = Release.objects.get(title="Deep Rates")
    assert deep.status == Release.Status.QUARANTINED
    assert deep.quarantine_reason == "track 2 'Wide': ISRC 'ISRC_Woot' is not a valid ISRC"
    assert [(q.release, q.reason) for q in report.quarantined] == [("Hi Res - Deep Rates", deep.quarantine_reason)]
    assert list(Release.objects.on_sale().values_list("title", flat=True)) == ["First Light"]
    assert deep.tracks.get(position=2).isrc == ""  # the bad value is in the reason, never in the catalogue


def test_missing_identifiers_are_allowed_but_reported(label_tree):
    report = ingest_tree(label_tree)

    assert "Hi Res - Deep Rates: no UPC/EAN" in report.warnings
    assert not any("First Light" in w for w in report.warnings)


def test_a_second_ingest_changes_nothing(label_tree, media_storage):
    ingest_tree(label_tree)
    rows, files = _row_counts(), _stored_files(media_storage)

    again = ingest_tree(label_tree)

    assert _row_counts() == rows and _stored_files(media_storage) == files
    assert again.releases_added == [] and again.tracks_added == 0
    assert again.counts() == {"added": 0, "unchanged": 5, "failed": 4, "skipped": 1}
    assert again.outcome("First Light/b-opening.flac").reason == "already in the catalogue"


def test_progress_is_reported_for_every_audio_file(label_tree):
    calls: list[tuple[int, int, str]] = []

    ingest_tree(label_tree, progress=lambda done, total, name: calls.append((done, total, name)))

    assert [(done, total) for done, total, _ in calls] == [(n, 10) for n in range(1, 11)]
    assert calls[0][2] == "Deep Rates/deep.flac" and "broken/notes.txt" not in {name for _, _, name in calls}


def test_report_is_json(label_tree):
    data = json.loads(json.dumps(ingest_tree(label_tree).as_dict()))

    assert data["counts"]["added"] == 5
    assert {"path": "broken/empty.flac", "status": "failed", "reason": "empty.flac: the file is empty",
            "release": ""} in data["files"]


def test_a_release_that_cannot_be_written_leaves_no_rows_and_no_files(label_tree, media_storage, monkeypatch):
    original = actions._add_track

    def failing(release, plan, master):
        if plan.title == "Middle":
            raise DatabaseError("disk full")
        return original(release, plan, master)

    monkeypatch.setattr(actions, "_add_track", failing)
    report = ingest_tree(label_tree)

    assert list(Release.objects.values_list("title", flat=True)) == ["Deep Rates"]
    assert Master.objects.count() == 2 and len(_stored_files(media_storage / "masters")) == 2
    assert report.outcome("First Light/b-opening.flac").status is FileStatus.FAILED
    assert "disk full" in report.outcome("First Light/b-opening.flac").reason


def test_a_track_added_later_joins_its_release(label_tree, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(label_tree / "First Light", tree / "First Light")
    (tree / "First Light" / "a-closing.flac").rename(tmp_path / "later.flac")
    ingest_tree(tree)
    before = Release.objects.get().album_integrated_lufs

    (tmp_path / "later.flac").rename(tree / "First Light" / "a-closing.flac")
    report = ingest_tree(tree)

    assert report.releases_extended == ["The Sines - First Light"] and report.tracks_added == 1
    release = Release.objects.get()
    assert [t.title for t in release.tracks.all()] == ["Opening", "Middle", "Closing"]
    assert release.album_integrated_lufs != before


def test_track_tags_are_read_from_the_catalogue(label_tree):
    ingest_tree(label_tree)

    middle = Track.objects.get(title="Middle")
    tags = middle.track_tags()

    assert (tags.title, tags.artists, tags.album_artist, tags.album) == (
        "Middle", ("The Sines",), "The Sines", "First Light")
    assert (tags.track_number, tags.track_total, tags.disc_number, tags.disc_total) == (2, 3, 1, 1)
    assert (tags.date, tags.genre, tags.isrc, tags.barcode, tags.label) == (
        "2024-03-01", "Ambient", "GBABC2400002", "0012345678905", "Pressplant Test Records")
    assert tags.track_loudness == middle.master.loudness
    assert tags.album_loudness == middle.release.album_loudness


def test_several_artists_keep_their_credit_order(tmp_path):
    tag(write_sine(tmp_path / "duet.flac"), title="Duet", artist=["Zed", "Amy"], album="Together",
        tracknumber="1")

    report = ingest_tree(tmp_path)

    track = Track.objects.get()
    assert (track.artist_display, track.release.artist_display) == ("Zed, Amy", "Zed, Amy")
    assert track.track_tags().artists == ("Zed", "Amy")
    assert "Zed, Amy - Together: no cover" in report.warnings
    assert "Zed, Amy - Together: track 1 'Duet': no ISRC" in report.warnings


def test_unnumbered_tracks_follow_the_numbered_and_a_taken_place_is_refused(tmp_path):
    album = {"album": "Slots", "artist": "Counter"}
    tag(write_sine(tmp_path / "x.flac"), title="First", tracknumber="1", **album)
    tag(write_sine(tmp_path / "y.flac", freq_hz=500), title="Also first", tracknumber="1", **album)
    tag(write_sine(tmp_path / "z.flac", freq_hz=600), title="Unnumbered", **album)

    report = ingest_tree(tmp_path)

    assert [(t.position, t.title) for t in Track.objects.all()] == [(1, "First"), (2, "Unnumbered")]
    assert report.outcome("y.flac").status is FileStatus.FAILED
    assert report.outcome("y.flac").reason == "disc 1 track 1 is already x.flac"


def test_the_summary_says_what_was_not_taken_and_why(label_tree):
    report = ingest_tree(label_tree)

    lines = report.summary().splitlines()
    assert lines[0] == ("5 added, 0 unchanged, 4 failed, 1 skipped; 2 releases added, 0 extended, "
                        "5 tracks added")
    assert "failed: broken/empty.flac: empty.flac: the file is empty" in lines
    assert ("quarantined: Hi Res - Deep Rates: track 2 'Wide': ISRC 'ISRC_Woot' is not a valid ISRC"
            in lines)
    assert [f.path for f in report.failed] == [
        "broken/empty.flac", "broken/noise.flac", "broken/really-an-mp3.flac", "broken/truncated.flac"]


def test_a_single_file_can_be_ingested(label_tree):
    report = ingest_tree(label_tree / "Deep Rates" / "deep.flac")

    assert report.counts()["added"] == 1 and report.files[0].path == "deep.flac"
    assert Track.objects.get().title == "Deep"
