"""A drop folder for DDEX deliveries: every `*.xml` in it is imported with the files beside it, then moved
with those files to `done/<name>/` or `refused/<name>/` (with `<name>.reason.txt`), so the folder only
ever holds what is still to do. Running it again is harmless: the same bytes are "already received".

Uploaders should write the XML last (DDEX choreography: resources first, the message when the batch is
complete), or upload it under another name and rename it, so that a half-uploaded message is never read.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pressplant.rights.ddex import DdexError, parse_message
from pressplant.rights.imports import ImportResult, import_message, referenced_files

DONE = "done"
REFUSED = "refused"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dropped:
    """One message taken from the drop folder: where it went, and what importing it did."""

    name: str
    moved_to: Path
    result: ImportResult


def process_folder(folder: Path, on_each: Callable[[Dropped], None] | None = None) -> list[Dropped]:
    """Import and move every message in `folder`, oldest first (a purge after the delivery it purges).

    A message whose import fails unexpectedly (a bug, the database down) is logged and left in place, so
    the next pass tries it again; the others still go through."""
    done: list[Dropped] = []
    for xml in sorted(folder.glob("*.xml"), key=lambda p: (p.stat().st_mtime, p.name)):
        try:
            dropped = process_file(xml, folder)
        except Exception:
            logger.exception("drop folder: %s could not be imported; left in place", xml)
            continue
        done.append(dropped)
        if on_each:
            on_each(dropped)
    return done


def process_file(xml: Path, folder: Path) -> Dropped:
    data = xml.read_bytes()
    result = import_message(data, source_name=str(xml), via="folder", folder=folder)
    box = folder / (REFUSED if result.is_refused else DONE)
    target = _free_folder(box / xml.stem)
    for path in _files_of(data, folder):
        _move(path, target / path.relative_to(folder.resolve()), folder)
    if result.is_refused:
        _write_text(target / f"{xml.stem}.reason.txt", result.detail + "\n")
    _move(xml, target / xml.name, folder)  # last: until it moves, the message is still to do
    return Dropped(xml.name, target, result)


def _files_of(data: bytes, folder: Path) -> list[Path]:
    """The files the message names, beside it; never anything already filed under done/ or refused/."""
    try:
        found = referenced_files(parse_message(data), folder)
    except DdexError:
        return []
    root = folder.resolve()
    return [path for path in found if path.relative_to(root).parts[0] not in (DONE, REFUSED)]


def _free_folder(wanted: Path) -> Path:
    """`wanted`, or `wanted-2`, `wanted-3`... when a message of the same name went there before."""
    candidate, n = wanted, 1
    while candidate.exists():
        n += 1
        candidate = wanted.with_name(f"{wanted.name}-{n}")
    candidate.mkdir(parents=True)
    return candidate


def _move(path: Path, target: Path, folder: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, target)
    _remove_empty_parents(path.parent, folder.resolve())


def _remove_empty_parents(directory: Path, root: Path) -> None:
    """The `resources/` a delivery came in goes when it is empty; the drop folder itself stays."""
    directory = directory.resolve()
    while directory != root and directory.is_relative_to(root) and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _write_text(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)
