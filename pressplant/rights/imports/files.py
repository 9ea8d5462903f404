"""The files a message refers to (masters, the cover), found beside it and checked against its HashSum.

A message is untrusted input: the names it gives (3.x FilePath + FileName, 4.x URI) are only ever
looked up inside the message's own folder. Absolute paths, remote URIs and `..` are refused by name, and
a name that resolves outside the folder through a symbolic link is refused too.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from pressplant.rights.ddex import ErnMessage, FileInfo
from pressplant.rights.imports.errors import HashMismatch, ImportRefused, MissingFile, UnsafeFileName

_HASH_CHUNK_BYTES = 1 << 20
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")

#: DDEX HashSumAlgorithmType / Algorithm (upper case, without "-" or "_") -> hashlib's name
HASH_ALGORITHMS: dict[str, str] = {
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA224": "sha224",
    "SHA256": "sha256",
    "SHA384": "sha384",
    "SHA512": "sha512",
}

#: length of a hex digest -> the algorithm, for a HashSum sent without its algorithm
ALGORITHM_BY_HEX_LENGTH: dict[int, str] = {32: "MD5", 40: "SHA1", 64: "SHA256", 128: "SHA512"}


def safe_relative_name(name: str, what: str = "") -> PurePosixPath:
    """The name as a path relative to the message's folder; UnsafeFileName when it could reach anywhere
    else. A 4.x URI may be percent-encoded: it is decoded once, before the checks."""
    prefix = f"{what}: " if what else ""
    text = name.strip()
    if "://" in text or text.lower().startswith("file:"):
        scheme = urlsplit(text).scheme or "file"
        raise UnsafeFileName(f"{prefix}file {name!r} is a {scheme}: URI; files are only read from beside the message")
    text = unquote(text).replace("\\", "/")
    if not text or any(ord(char) < 32 for char in text):
        raise UnsafeFileName(f"{prefix}file name {name!r} is empty or holds control characters")
    if text.startswith("/") or _WINDOWS_DRIVE.match(text):
        raise UnsafeFileName(f"{prefix}file name {name!r} is an absolute path; files are only read from beside "
                             "the message")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeFileName(f"{prefix}file name {name!r} climbs out of the message's folder (path traversal)")
    if not parts:
        raise UnsafeFileName(f"{prefix}file name {name!r} names a folder, not a file")
    return PurePosixPath(*parts)


def locate(folder: Path, file: FileInfo, what: str) -> Path:
    """The delivered file: FOLDER/its relative path, else FOLDER/its bare name (a flat delivery)."""
    relative = safe_relative_name(file.name, what)
    root = folder.resolve()
    for candidate in dict.fromkeys((root.joinpath(*relative.parts), root / relative.name)):
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root):
            raise UnsafeFileName(f"{what}: file {file.name!r} is a link to outside the message's folder")
        if resolved.is_file():
            return resolved
    raise MissingFile(f"{what}: file {file.name!r} not found beside the message")


def referenced_files(message: ErnMessage, folder: Path) -> list[Path]:
    """Every file the message names that lies, safely, in `folder`: what travels with it when it moves."""
    named = [f for r in message.sound_recordings for f in r.files] + [f for i in message.images for f in i.files]
    found: list[Path] = []
    for file in named:
        try:
            found.append(locate(folder, file, "file"))
        except ImportRefused:
            continue
    return list(dict.fromkeys(found))


def check_hash(path: Path, file: FileInfo, what: str) -> None:
    """HashMismatch unless the file's digest equals the HashSum sent (nothing to check if none was)."""
    if not file.hash_value:
        return
    expected = file.hash_value.strip().lower()
    algorithm = _algorithm(file, expected, what)
    actual = file_digest(path, HASH_ALGORITHMS[algorithm])
    if actual != expected:
        raise HashMismatch(f"{what}: file {file.name!r} does not match its HashSum "
                           f"({algorithm} {expected} expected, the file's is {actual})")


def file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _algorithm(file: FileInfo, expected: str, what: str) -> str:
    if file.hash_algorithm is None:
        guessed = ALGORITHM_BY_HEX_LENGTH.get(len(expected))
        if guessed is None:
            raise HashMismatch(f"{what}: file {file.name!r} has a HashSum without an algorithm, "
                               f"and {len(expected)} hex digits match none")
        return guessed
    name = file.hash_algorithm.upper().replace("-", "").replace("_", "")
    if name not in HASH_ALGORITHMS:
        raise HashMismatch(f"{what}: file {file.name!r} has a HashSum in {file.hash_algorithm!r}, which we "
                           f"cannot check (we check {', '.join(HASH_ALGORITHMS)})")
    return name
