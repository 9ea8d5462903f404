"""The DDEX drop folder: messages land with their files, are imported, and are filed in done/ or refused/."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from pressplant import cli
from pressplant.catalogue.models import Release, Track
from pressplant.rights import drop_folder
from pressplant.rights.drop_folder import process_folder
from pressplant.rights.imports import Outcome
from pressplant.rights.models import DdexMessage
from tests.catalogue.masters import write_sine
from tests.rights.ddex_messages import FileSpec, deliver, ern43, ern382, two_disc_album, write_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}}
    return media


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def age(path: Path, seconds: int) -> Path:
    """Make `path` look older, so the folder's oldest-first order is the test's order."""
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))
    return path


def test_each_message_is_imported_and_filed_with_its_files(drop: Path) -> None:
    masters = deliver(drop, two_disc_album())
    age(write_message(drop, "album.xml", ern382(masters.spec)), 60)
    write_message(drop, "broken.xml", b"<ern:NewReleaseMessage")

    dropped = process_folder(drop)

    assert [(d.name, d.result.outcome) for d in dropped] == [("album.xml", Outcome.IMPORTED),
                                                            ("broken.xml", Outcome.REFUSED)]
    assert files_under(drop) == [
        "done/album/album.xml", "done/album/resources/A1.flac", "done/album/resources/A2.flac",
        "done/album/resources/A3.flac", "done/album/resources/cover.jpg",
        "refused/broken/broken.reason.txt", "refused/broken/broken.xml"]
    assert (drop / "refused" / "broken" / "broken.reason.txt").read_text() == (
        "unreadable message: line 1: unclosed token\n")
    assert not (drop / "resources").exists()
    assert Track.objects.count() == 3
    assert DdexMessage.objects.get(outcome=Outcome.IMPORTED).via == "folder"


def test_a_second_pass_does_nothing_and_the_same_message_again_changes_nothing(drop: Path) -> None:
    masters = deliver(drop, two_disc_album())
    data = ern43(masters.spec)
    write_message(drop, "album.xml", data)
    process_folder(drop)

    assert process_folder(drop) == []
    write_message(drop, "album.xml", data)
    (again,) = process_folder(drop)

    assert again.result.is_repeat and again.result.outcome == Outcome.IMPORTED
    assert again.moved_to == drop / "done" / "album-2"
    assert (Release.objects.count(), Track.objects.count(), DdexMessage.objects.count()) == (1, 3, 1)


def test_a_message_without_its_master_is_refused_with_its_files_and_goes_in_when_dropped_again(drop: Path) -> None:
    masters = deliver(drop, two_disc_album())
    parked = masters.paths["A2"].rename(drop.parent / "A2.flac")
    data = ern382(masters.spec)
    write_message(drop, "album.xml", data)

    (refused,) = process_folder(drop)

    assert refused.moved_to == drop / "refused" / "album"
    assert files_under(refused.moved_to) == ["album.reason.txt", "album.xml", "resources/A1.flac",
                                             "resources/A3.flac", "resources/cover.jpg"]
    assert (refused.moved_to / "album.reason.txt").read_text().startswith(
        "disc 1 track 2 'Middle' (A2, ISRC GBAYE2600002): file 'resources/A2.flac' not found beside the message")
    (drop / "resources").mkdir()  # the label drops the whole delivery again
    for path in (refused.moved_to / "resources").iterdir():
        path.rename(drop / "resources" / path.name)
    parked.rename(masters.paths["A2"])
    write_message(drop, "album.xml", data)

    (imported,) = process_folder(drop)

    assert imported.result.outcome == Outcome.IMPORTED and imported.moved_to == drop / "done" / "album"
    assert DdexMessage.objects.count() == 1 and Track.objects.count() == 3


def test_a_file_outside_the_folder_is_never_moved(drop: Path, tmp_path: Path) -> None:
    masters = deliver(drop, two_disc_album())
    secret = write_sine(tmp_path / "secret.flac")
    spec = masters.spec
    hostile = dataclasses.replace(spec.recordings[0], file=FileSpec("../secret.flac"))
    write_message(drop, "album.xml", ern43(dataclasses.replace(spec, recordings=(hostile, *spec.recordings[1:]))))

    (refused,) = process_folder(drop)

    assert "climbs out of the message's folder (path traversal)" in refused.result.reason
    assert secret.exists() and not (refused.moved_to / "secret.flac").exists()


def test_an_unexpected_failure_leaves_the_message_in_place_for_the_next_pass(
        drop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_message(drop, "album.xml", b"<ern:NewReleaseMessage/>")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(drop_folder, "import_message", crash)

    assert process_folder(drop) == []
    assert files_under(drop) == ["album.xml"]


@pytest.fixture
def in_process_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "setup_django", lambda: None)


def test_ddex_watch_once_files_the_folder_and_exits(drop: Path, capsys: pytest.CaptureFixture[str],
                                                    in_process_cli: None) -> None:
    masters = deliver(drop, two_disc_album())
    write_message(drop, "album.xml", ern382(masters.spec))

    assert cli.main(["ddex", "watch", "--once", str(drop)]) == 0

    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("imported     album.xml  The Sines - First Light  imported 'The Sines - First Light'")
    assert line.endswith(f"  -> {drop / 'done' / 'album'}")
    write_message(drop, "again.xml", ern382(masters.spec))
    assert cli.main(["ddex", "watch", "--once", "--json", str(drop)]) == 0
    (row,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (row["file"], row["outcome"], row["repeat"]) == ("again.xml", "imported", True)
    assert row["moved_to"] == str(drop / "done" / "again")


def test_ddex_watch_of_a_missing_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   in_process_cli: None) -> None:
    assert cli.main(["ddex", "watch", "--once", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere'}: no such folder\n"
