"""A delivery ZIP is checked entry by entry before anything is unpacked: what passes, and the sentence
each hostile entry is refused with. No database: the checks read the ZIP's directory only."""

from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import PurePosixPath

import pytest

from pressplant.rights.uploads import ArchiveLimits, UnsafeArchive, checked_entries


def _zip(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def _info(name: str, mode: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def test_a_delivery_passes_with_its_folders() -> None:
    opened = _zip(("Delivery/", b""), ("Delivery/message.xml", b"<x/>"), ("Delivery/resources/A1.flac", b"f" * 99),
                  (_info("Delivery/cover.jpg", stat.S_IFREG | 0o644), b"jpg"))
    assert [path for _, path in checked_entries(opened, ArchiveLimits())] == [
        PurePosixPath("Delivery/message.xml"), PurePosixPath("Delivery/resources/A1.flac"),
        PurePosixPath("Delivery/cover.jpg")]


@pytest.mark.parametrize(("entry", "reason"), [
    (("../evil.txt", b"x"), "climbs out of the delivery's folder (zip slip)"),
    (("a/../../evil.txt", b"x"), "zip slip"),
    (("..\\evil.txt", b"x"), "zip slip"),
    (("/etc/cron.d/evil", b"x"), "is an absolute path"),
    (("C:/Windows/evil", b"x"), "is an absolute path"),
    (("bad\x01name", b"x"), "control characters"),
    ((_info("link.flac", stat.S_IFLNK | 0o777), b"/etc/passwd"), "is a symbolic link"),
    ((_info("fifo", stat.S_IFIFO | 0o644), b""), "is not a plain file"),
    (("bomb.flac", bytes(5_000_000)), "a ZIP bomb?"),
    (("x" * 256 + ".flac", b"x"), "longer than 255 bytes"),
])
def test_a_hostile_entry_is_refused_with_its_reason(entry: tuple[zipfile.ZipInfo | str, bytes], reason: str) -> None:
    with pytest.raises(UnsafeArchive, match=re.escape(reason)):
        checked_entries(_zip(("message.xml", b"<x/>"), entry), ArchiveLimits())


def test_an_encrypted_entry_is_refused() -> None:
    opened = _zip(("message.xml", b"<x/>"), ("secret.flac", b"x"))
    opened.infolist()[1].flag_bits |= 0x1  # as an encrypting ZIP tool marks it (zipfile cannot write one)
    with pytest.raises(UnsafeArchive, match=re.escape("'secret.flac' is encrypted")):
        checked_entries(opened, ArchiveLimits())


def test_limits_on_entries_and_unpacked_size() -> None:
    many = _zip(*((f"{n}.txt", b"x") for n in range(6)))
    with pytest.raises(UnsafeArchive, match="the ZIP has 6 entries; at most 5 are accepted"):
        checked_entries(many, ArchiveLimits(max_entries=5))
    big = _zip(("a.wav", bytes(600_000)), ("b.wav", bytes(600_000)))
    with pytest.raises(UnsafeArchive, match="would unpack to 1,200,000 bytes; at most 1,000,000"):
        checked_entries(big, ArchiveLimits(max_unpacked_bytes=1_000_000, max_ratio=10_000))


def test_two_entries_at_one_path_or_a_file_in_the_way_of_a_folder_are_refused() -> None:
    with pytest.raises(UnsafeArchive, match="is there twice"):
        checked_entries(_zip(("message.xml", b"1"), ("./message.xml", b"2")), ArchiveLimits())
    with pytest.raises(UnsafeArchive, match="both a file and a folder"):
        checked_entries(_zip(("resources", b"1"), ("resources/A1.flac", b"2")), ArchiveLimits())
