"""Writing: `write_tags` plans what a container gets from the field table, then one writer per tag kind.

Every earlier tag is replaced, so a file says exactly what `TrackTags` says. ID3 is always v2.4 in UTF-8,
so any script round-trips.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TXXX, Encoding, Frames, ID3v1SaveOptions, PictureType
from mutagen.mp4 import MP4, AtomDataType, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from pressplant.audio.cover import Cover
from pressplant.audio.errors import TagError
from pressplant.audio.formats import Format, TagKind
from pressplant.audio.metadata import Gapless, TrackTags
from pressplant.audio.tags import riff
from pressplant.audio.tags.fields import (
    COLUMN,
    FIELDS,
    ITUNES,
    MP4_IMAGE_FORMATS,
    PAIRS,
    NumberPair,
    TagField,
    names,
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one container gets: its texts under the names it writes, the number pairs, the rest."""

    column: str
    texts: list[tuple[str, list[str]]]
    pairs: list[tuple[NumberPair, int, int | None]]
    extra: list[tuple[str, str]]
    cover: Cover | None

    def name(self, pair: NumberPair) -> str:
        return names(pair, self.column)[0]


def write_tags(path: Path, fmt: Format, tags: TrackTags, cover: Cover | None,
               gapless: Gapless | None = None) -> None:
    """Replace the tags of the encoded file at `path` with `tags`, `cover` as front cover and, for
    MP4, `gapless` as iTunSMPB. The audio is not touched. Raises TagError if mutagen cannot do it."""
    if not tags.encoder_settings:
        tags = tags.with_encoder(fmt.settings_text())
    _check_extra(tags)
    plan = _plan(fmt.tag_kind, tags, gapless, cover)
    try:
        _WRITERS[fmt.tag_kind](path, plan)
    except (mutagen.MutagenError, OSError, ValueError) as exc:
        raise TagError(f"{path}: cannot write {fmt.tag_kind.name} tags for {fmt.name}: {exc}") from exc


def _plan(kind: TagKind, tags: TrackTags, gapless: Gapless | None, cover: Cover | None) -> _Plan:
    column = COLUMN[kind]
    texts = [(named[0], values) for f in FIELDS
             if (named := names(f, column)) and kind not in f.not_in and (values := f.source(tags, gapless))]
    pairs = [(p, number, total) for p in PAIRS for number, total in [p.source(tags)] if number]
    return _Plan(column=column, texts=texts, pairs=pairs, extra=list(tags.extra), cover=cover)


_ENTRIES: tuple[TagField | NumberPair, ...] = (*FIELDS, *PAIRS)
_TAKEN = frozenset(name.rsplit(":", 1)[-1].upper()
                   for entry in _ENTRIES for name in names(entry, "id3", "mp4", "vorbis"))
"""Every key the table writes, without its TXXX: or freeform prefix: no extra tag may shadow one."""


def _check_extra(tags: TrackTags) -> None:
    for key, _ in tags.extra:
        if key.upper() in _TAKEN:
            raise TagError(f"extra tag {key!r} collides with a field of the tag table; set that field")


def _cleared(opener: Callable[[Path], Any], path: Path) -> Any:
    """The file opened by mutagen with an empty tag block (an existing one is emptied, not removed)."""
    audio = opener(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    return audio


# ---- ID3: MP3, WAV, AIFF ----------------------------------------------------------------------------


def _write_mp3(path: Path, plan: _Plan) -> None:
    """ID3v2.4 goes before the first MPEG frame, so the Xing/LAME frame stays the first audio frame;
    ID3v1 is removed (it holds Latin-1 only and would garble other scripts).

    A fresh tag replaces any earlier one. The file may hold no audio yet: transcode() writes the tag
    into an empty file and appends the audio after it, so the audio is never moved to make room."""
    tags = ID3()  # type: ignore[no-untyped-call]
    _fill_id3(tags, plan)
    tags.save(path, v1=ID3v1SaveOptions.REMOVE, v2_version=4)


def _write_id3_chunk(path: Path, plan: _Plan) -> None:
    """WAV or AIFF, told apart by their header: ID3v2.4 in an 'id3 ' / 'ID3 ' chunk."""
    audio = _cleared(_wave_or_aiff, path)
    _fill_id3(audio.tags, plan)
    audio.save(v2_version=4)
    if isinstance(audio, WAVE):
        riff.drop_info(path)


def _wave_or_aiff(path: Path) -> Any:
    audio = mutagen.File(path, options=[WAVE, AIFF])
    if audio is None:
        raise mutagen.MutagenError("neither a WAV nor an AIFF file")
    return audio


def _fill_id3(id3: Any, plan: _Plan) -> None:
    for name, values in plan.texts:
        id3.add(_id3_frame(name, values))
    for pair, number, total in plan.pairs:
        id3.add(_id3_frame(plan.name(pair), [f"{number}/{total}" if total else str(number)]))
    for key, value in plan.extra:  # a key given twice keeps both values in one frame
        previous = id3.get(f"TXXX:{key}")
        id3.add(_id3_frame(f"TXXX:{key}", [*(previous.text if previous else []), value]))
    if plan.cover:
        id3.add(APIC(encoding=Encoding.UTF8, mime=plan.cover.mime,  # type: ignore[no-untyped-call]
                     type=PictureType.COVER_FRONT, desc="", data=plan.cover.data))


def _id3_frame(key: str, values: list[str]) -> Any:
    frame_id, _, desc = key.partition(":")
    if frame_id == "TXXX":
        return TXXX(encoding=Encoding.UTF8, desc=desc, text=values)  # type: ignore[no-untyped-call]
    return Frames[frame_id](encoding=Encoding.UTF8, text=values)


# ---- MP4 ---------------------------------------------------------------------------------------------


def _write_mp4(path: Path, plan: _Plan) -> None:
    audio = _cleared(MP4, path)
    for name, values in plan.texts:
        audio.tags[name] = _mp4_values(name, values)
    for pair, number, total in plan.pairs:
        audio.tags[plan.name(pair)] = [(number, total or 0)]
    for key, value in plan.extra:
        audio.tags.setdefault(ITUNES + key, []).extend(_mp4_values(ITUNES + key, [value]))
    if plan.cover:
        audio.tags["covr"] = [_mp4_cover(plan.cover)]
    audio.save()


def _mp4_values(atom: str, values: list[str]) -> list[Any]:
    """Freeform atoms hold bytes, so they are written as UTF-8 data; the others take the texts."""
    if atom.startswith("----:"):
        return [MP4FreeForm(v.encode("utf-8"), dataformat=AtomDataType.UTF8)  # type: ignore[no-untyped-call]
                for v in values]
    return list(values)


def _mp4_cover(cover: Cover) -> MP4Cover:
    image_format = MP4_IMAGE_FORMATS.get(cover.mime)
    if image_format is None:
        raise ValueError(f"an MP4 covr atom holds JPEG or PNG, not {cover.mime}")
    return MP4Cover(cover.data, imageformat=image_format)  # type: ignore[no-untyped-call]


# ---- Vorbis comments: FLAC, Ogg Opus -----------------------------------------------------------------


def _write_flac(path: Path, plan: _Plan) -> None:
    audio = _cleared(FLAC, path)
    audio.clear_pictures()
    _fill_vorbis(audio.tags, plan)
    if plan.cover:
        audio.add_picture(_flac_picture(plan.cover))
    audio.save()


def _write_opus(path: Path, plan: _Plan) -> None:
    """Ogg has no picture block: the FLAC one goes, base64-encoded, in a METADATA_BLOCK_PICTURE comment."""
    audio = _cleared(OggOpus, path)
    _fill_vorbis(audio.tags, plan)
    if plan.cover:
        block = _flac_picture(plan.cover).write()  # type: ignore[no-untyped-call]
        audio.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(block).decode("ascii")]
    audio.save()


def _fill_vorbis(comments: Any, plan: _Plan) -> None:
    for name, values in plan.texts:
        comments[name] = values
    for pair, number, total in plan.pairs:
        comments[plan.name(pair)] = [str(number)]
        if total:
            comments[pair.totals[0]] = [str(total)]
    for key, value in plan.extra:
        comments.append((key.upper(), value))


def _flac_picture(cover: Cover) -> Picture:
    picture = Picture()  # type: ignore[no-untyped-call]
    picture.type = PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.width, picture.height, picture.depth = cover.width_px, cover.height_px, cover.depth_bits
    picture.data = cover.data
    return picture


_WRITERS: dict[TagKind, Callable[[Path, _Plan], None]] = {
    TagKind.ID3: _write_mp3,
    TagKind.ID3_CHUNK: _write_id3_chunk,
    TagKind.MP4: _write_mp4,
    TagKind.FLAC: _write_flac,
    TagKind.OGG: _write_opus,
}
