"""Reading: each container gives an index {NAME IN UPPER CASE: [texts]}, and one function maps any index
onto the field table, so a master tagged by another tool reads the same as a file we wrote."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import TCON
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from pressplant.audio.errors import TagError
from pressplant.audio.tags import riff
from pressplant.audio.tags.fields import FIELDS, FRONT_COVER, MP4_IMAGE_FORMATS, PAIRS, NumberPair, names


@dataclass(frozen=True, slots=True)
class EmbeddedPicture:
    """A picture as the file holds it."""

    data: bytes
    mime: str
    picture_type: int
    """ID3/FLAC picture type: 3 is the front cover. MP4 has no type: its covers read as 3."""


@dataclass(frozen=True, slots=True)
class ReadTags:
    """A file's tags as the field table names them: every value of every field found."""

    fields: dict[str, list[str]]
    pictures: list[EmbeddedPicture]

    def first(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


def read_tags(path: Path) -> ReadTags:
    """Every field of the table found in the file at `path`, and its embedded pictures."""
    try:
        audio = mutagen.File(path, options=list(_READERS))
        if audio is None:
            raise TagError(f"{path}: not MP3, M4A, Ogg Opus, FLAC, WAV or AIFF; cannot read its tags")
        index_of, pictures_of, columns = _READERS[type(audio)]
        return ReadTags(fields=_fields(index_of(audio), columns), pictures=pictures_of(audio))
    except (binascii.Error, mutagen.MutagenError, OSError, ValueError) as exc:
        raise TagError(f"{path}: cannot read tags: {exc}") from exc


def _fields(index: dict[str, list[str]], columns: tuple[str, ...]) -> dict[str, list[str]]:
    def first(keys: Sequence[str]) -> list[str]:
        """The values of the first of `keys` that the file has and that holds any."""
        return next((index[key.upper()] for key in keys if index.get(key.upper())), [])

    found = {f.name: values for f in FIELDS if (values := first(names(f, *columns)))}
    for pair in PAIRS:
        found |= _pair_fields(pair, first(names(pair, *columns)), first(pair.totals))
    return found


def _pair_fields(pair: NumberPair, combined: list[str], totals: list[str]) -> dict[str, list[str]]:
    """The number and total of one "3/12" or "3" text; a total kept under a key of its own wins."""
    number, _, total = (combined or [""])[0].partition("/")
    total = (totals or [total])[0]
    values = {pair.number_name: number.strip(), pair.total_name: total.strip()}
    return {name: [value] for name, value in values.items() if value}


# ---- indices of texts -------------------------------------------------------------------------------


def _id3_index(audio: Any) -> dict[str, list[str]]:
    """Text frames by id; TCON reads through mutagen's genres, which turns ID3v1 numbers like "(17)" into names."""
    frames = dict(audio.tags or {})
    return {key.upper(): [str(t) for t in (f.genres if isinstance(f, TCON) else f.text) if str(t)]
            for key, f in frames.items() if hasattr(f, "text")}


def _wave_index(audio: Any) -> dict[str, list[str]]:
    """INFO fills in what the ID3 chunk does not say (DAWs and FFmpeg tag WAV masters with INFO)."""
    return riff.info_index(Path(audio.filename)) | _id3_index(audio)


def _mp4_index(audio: Any) -> dict[str, list[str]]:
    atoms = dict(audio.tags or {})
    return {key.upper(): [_mp4_text(v) for v in values] for key, values in atoms.items() if key != "covr"}


def _mp4_text(value: Any) -> str:
    if isinstance(value, tuple):  # trkn, disk: (number, total), 0 for unknown
        number, total = value
        return f"{number or ''}/{total}" if total else str(number or "")
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _vorbis_index(audio: Any) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for key, value in audio.tags or []:
        index.setdefault(key.upper(), []).append(value)
    return index


# ---- pictures ----------------------------------------------------------------------------------------


def _id3_pictures(audio: Any) -> list[EmbeddedPicture]:
    frames = audio.tags.getall("APIC") if audio.tags is not None else []
    return [_embedded(frame) for frame in frames]


_MP4_MIMES = {image_format: mime for mime, image_format in MP4_IMAGE_FORMATS.items()}


def _mp4_pictures(audio: Any) -> list[EmbeddedPicture]:
    return [EmbeddedPicture(data=bytes(cover), mime=_MP4_MIMES.get(cover.imageformat, "image/unknown"),
                            picture_type=FRONT_COVER)
            for cover in (audio.tags or {}).get("covr", [])]


def _flac_pictures(audio: Any) -> list[EmbeddedPicture]:
    return [_embedded(picture) for picture in audio.pictures]


def _ogg_pictures(audio: Any) -> list[EmbeddedPicture]:
    blocks = audio.tags.get("METADATA_BLOCK_PICTURE", []) if audio.tags is not None else []
    return [_embedded(Picture(base64.b64decode(block, validate=True)))  # type: ignore[no-untyped-call]
            for block in blocks]


def _embedded(picture: Any) -> EmbeddedPicture:
    """An ID3 APIC frame or a FLAC Picture: both have data, mime and type."""
    return EmbeddedPicture(data=picture.data, mime=picture.mime, picture_type=int(picture.type))


_Index = Callable[[Any], dict[str, list[str]]]
_Reader = tuple[_Index, Callable[[Any], list[EmbeddedPicture]], tuple[str, ...]]

_READERS: dict[type, _Reader] = {
    MP3: (_id3_index, _id3_pictures, ("id3",)),
    WAVE: (_wave_index, _id3_pictures, ("id3", "riff")),
    AIFF: (_id3_index, _id3_pictures, ("id3",)),
    MP4: (_mp4_index, _mp4_pictures, ("mp4",)),
    FLAC: (_vorbis_index, _flac_pictures, ("vorbis",)),
    OggOpus: (_vorbis_index, _ogg_pictures, ("vorbis",)),
}
"""mutagen's file class -> (its index of texts, its pictures, the table columns naming its keys)."""
