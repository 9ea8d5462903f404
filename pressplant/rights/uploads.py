"""A delivery a label uploads through the web: one ERN message (XML), or a ZIP with the message and its
masters and cover beside it, or both (the message, and a ZIP of its files). Each message is checked to
come from the label, then imported as any other (`import_message`, via "upload").

A ZIP is untrusted. Every entry is checked before a byte is written: no absolute names, no `..` (zip
slip), no symbolic links or other special files, no encryption, no two entries at one path; at most
`max_entries` entries and `max_unpacked_bytes` in all, and no entry that inflates more than `max_ratio`
times (a bomb). Only then is it unpacked, into a temporary folder removed afterwards, each file written
exclusively at a path checked to stay inside that folder and never longer than its entry declared.
"""

from __future__ import annotations

import lzma
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from pressplant.catalogue.models import Label
from pressplant.rights.ddex import DdexError, parse_message
from pressplant.rights.imports import ImportResult, import_message
from pressplant.rights.members import AnyUser, WrongSender, check_sender

VIA = "upload"
_CHUNK_BYTES = 1 << 20
_NAME_PART_MAX_BYTES = 255
_SMALL_ENTRY_BYTES = 1 << 20
"""Entries up to this size are never called bombs, whatever their ratio (a page of XML compresses well)."""
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_NOT_MESSAGES = re.compile(r"^(BatchComplete|ManifestMessage)", re.IGNORECASE)
"""DDEX batch choreography files: they travel with messages but are not ERN messages themselves."""


class UploadRefused(Exception):
    """The whole upload is refused (its sentence says why); nothing was written or imported."""


class UnsafeArchive(UploadRefused):
    """A ZIP with an entry that could write outside its folder, or that is too big: refused whole."""


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_entries: int = 5_000
    max_unpacked_bytes: int = 4 * 1024**3
    max_ratio: int = 100


@dataclass(frozen=True, slots=True)
class Uploaded:
    """A file as the form received it."""

    name: str
    file: IO[bytes]


@dataclass(frozen=True, slots=True)
class Received:
    """One message of the upload: imported (`result`, refused or not), or refused before (`refusal`)."""

    source_name: str
    result: ImportResult | None = None
    refusal: str = ""

    @property
    def outcome(self) -> str:
        return str(self.result.outcome) if self.result is not None else "refused"

    @property
    def reason(self) -> str:
        return self.result.detail if self.result is not None else self.refusal


@dataclass(frozen=True, slots=True)
class _Message:
    source_name: str
    data: bytes
    folder: Path | None


def receive(label: Label, user: AnyUser, *, message: Uploaded | None, archive: Uploaded | None,
            limits: ArchiveLimits | None = None) -> list[Received]:
    """Import what `user` uploaded for `label`; UploadRefused (nothing written) when the upload as a
    whole cannot be taken: an unsafe or damaged ZIP, or no message in it."""
    if message is None and archive is None:
        raise UploadRefused("choose an ERN message (.xml), a ZIP of a delivery, or both")
    with _unpacked(archive, limits or ArchiveLimits()) as folder:
        messages = list(_messages(message, archive, folder))
        return [_receive_one(label, user, found) for found in messages]


def _receive_one(label: Label, user: AnyUser, found: _Message) -> Received:
    try:
        sender = parse_message(found.data).sender_party_id
    except DdexError:
        sender = None  # unreadable: the import refuses it with the parser's reason, and keeps it on record
    else:
        try:
            check_sender(user, label, sender)
        except WrongSender as refusal:
            return Received(found.source_name, refusal=str(refusal))
    result = import_message(found.data, source_name=found.source_name, via=VIA, folder=found.folder, user=user)
    return Received(found.source_name, result=result)


def _messages(message: Uploaded | None, archive: Uploaded | None, folder: Path | None) -> Iterator[_Message]:
    """The uploaded message with the ZIP's content as its folder; else every message inside the ZIP,
    each with its own folder (a batch of several deliveries is one ZIP)."""
    if message is not None:
        yield _Message(message.name, message.file.read(), _content_root(folder) if folder else None)
        return
    assert archive is not None and folder is not None
    found = sorted(path for path in folder.rglob("*.xml") if path.is_file() and _is_message(path, folder))
    if not found:
        raise UploadRefused(f"{archive.name} holds no ERN message (.xml file)")
    for path in found:
        yield _Message(f"{archive.name}:{path.relative_to(folder).as_posix()}", path.read_bytes(), path.parent)


def _is_message(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return not (_NOT_MESSAGES.match(path.name) or path.name.startswith("._") or "__MACOSX" in parts)


def _content_root(folder: Path) -> Path:
    """The ZIP's own folder, or the one folder it wraps everything in (as zipping a folder does)."""
    children = [child for child in folder.iterdir() if child.name != "__MACOSX"]
    return children[0] if len(children) == 1 and children[0].is_dir() else folder


@contextmanager
def _unpacked(archive: Uploaded | None, limits: ArchiveLimits) -> Iterator[Path | None]:
    """The ZIP unpacked into a temporary folder, removed on exit (None when there is no ZIP)."""
    if archive is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="pressplant-upload-") as tmp:
        root = Path(tmp).resolve()
        try:
            with zipfile.ZipFile(archive.file) as opened:
                _extract(opened, checked_entries(opened, limits), root, archive.name)
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError) as error:
            raise UploadRefused(f"{archive.name} is not a ZIP archive that can be read: {error}") from None
        yield root


def checked_entries(opened: zipfile.ZipFile, limits: ArchiveLimits) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The ZIP's files with their safe relative paths; UnsafeArchive for the first entry that is not."""
    infos = opened.infolist()
    if len(infos) > limits.max_entries:
        raise UnsafeArchive(f"the ZIP has {len(infos)} entries; at most {limits.max_entries} are accepted")
    total_bytes = sum(info.file_size for info in infos)
    if total_bytes > limits.max_unpacked_bytes:
        raise UnsafeArchive(f"the ZIP would unpack to {total_bytes:,} bytes; at most "
                            f"{limits.max_unpacked_bytes:,} are accepted")
    entries = []
    for info in infos:
        relative = entry_path(info)
        _check_ratio(info, limits)
        if relative is not None:
            entries.append((info, relative))
    _check_collisions(entries)
    return entries


def entry_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The entry's path inside the folder, None for a directory; UnsafeArchive when it could escape."""
    name = info.filename
    text = name.replace("\\", "/")
    if not text or any(ord(char) < 32 for char in text):
        raise UnsafeArchive(f"ZIP entry {name!r}: the name is empty or holds control characters")
    if text.startswith("/") or _WINDOWS_DRIVE.match(text):
        raise UnsafeArchive(f"ZIP entry {name!r} is an absolute path; entries must stay inside the delivery")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchive(f"ZIP entry {name!r} climbs out of the delivery's folder (zip slip)")
    if any(len(part.encode()) > _NAME_PART_MAX_BYTES for part in parts):
        raise UnsafeArchive(f"ZIP entry {name!r} has a name longer than {_NAME_PART_MAX_BYTES} bytes")
    _check_kind(info)
    if info.is_dir():
        return None
    if not parts:
        raise UnsafeArchive(f"ZIP entry {name!r} names no file")
    return PurePosixPath(*parts)


def _check_kind(info: zipfile.ZipInfo) -> None:
    """Only plain files and folders: a symbolic link could point anywhere, a device or pipe is no file."""
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchive(f"ZIP entry {info.filename!r} is a symbolic link; links are not accepted")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise UnsafeArchive(f"ZIP entry {info.filename!r} is not a plain file (a device, pipe or socket)")
    if info.flag_bits & 0x1:
        raise UnsafeArchive(f"ZIP entry {info.filename!r} is encrypted; send the delivery unencrypted")


def _check_ratio(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    if info.file_size > _SMALL_ENTRY_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise UnsafeArchive(f"ZIP entry {info.filename!r} inflates {info.file_size:,} bytes from "
                            f"{info.compress_size:,} (more than {limits.max_ratio} times): a ZIP bomb?")


def _check_collisions(entries: list[tuple[zipfile.ZipInfo, PurePosixPath]]) -> None:
    """Two entries at one path, or a file where another entry needs a folder, are refused."""
    files: set[PurePosixPath] = set()
    folders: set[PurePosixPath] = set()
    for info, relative in entries:
        if relative in files or relative in folders:
            raise UnsafeArchive(f"ZIP entry {info.filename!r} is there twice (or also as a folder)")
        files.add(relative)
        folders.update(relative.parents)
    if clash := files & folders:
        raise UnsafeArchive(f"ZIP entry {sorted(clash)[0]} is both a file and a folder")


def _extract(opened: zipfile.ZipFile, entries: list[tuple[zipfile.ZipInfo, PurePosixPath]], root: Path,
             archive_name: str) -> None:
    for info, relative in entries:
        target = root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(root):
            raise UnsafeArchive(f"ZIP entry {info.filename!r} would be written outside the delivery's folder")
        _copy_entry(opened, info, target, archive_name)


def _copy_entry(opened: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, archive_name: str) -> None:
    """Write the entry exclusively (never over a file), no longer than it declared."""
    written = 0
    with opened.open(info) as source, target.open("xb") as sink:
        while chunk := source.read(_CHUNK_BYTES):
            written += len(chunk)
            if written > info.file_size:
                raise UnsafeArchive(f"{archive_name}: entry {info.filename!r} holds more than the "
                                    f"{info.file_size:,} bytes it declares")
            sink.write(chunk)
