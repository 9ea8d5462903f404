"""Tags for every sellable container, from one table of fields (as beets' mediafile declares them).

Each field is declared once with its ID3v2.4 frame, MP4 atom, Vorbis comment key and WAV INFO chunk; the
first name in a column is the one written, every name is read (so masters tagged by other tools are
understood). The encoder writes the audio, then `write_tags` rewrites the file's tags in place with
mutagen: call it on the `.part` file before the rename that publishes it. Every earlier tag is replaced,
so a file says exactly what `TrackTags` says. ID3 is always v2.4 in UTF-8, so any script round-trips.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen._riff import RiffFile
from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, TCON, TXXX, Encoding, Frames, PictureType
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, AtomDataType, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from pressplant.audio.cover import Cover
from pressplant.audio.errors import TagError
from pressplant.audio.formats import Format, TagKind
from pressplant.audio.metadata import Gapless, Loudness, TrackTags

Source = Callable[[TrackTags, Gapless | None], list[str]]


@dataclass(frozen=True, slots=True)
class TagField:
    """One text field: its normalized name, where each container keeps it, and where its value comes from."""

    name: str
    source: Source
    id3: tuple[str, ...] = ()
    """Frame ids; "TXXX:DESC" for a user text frame. Names are matched without regard to case."""
    mp4: tuple[str, ...] = ()
    """Atom names; "----:com.apple.iTunes:NAME" for a freeform atom."""
    vorbis: tuple[str, ...] = ()
    riff: tuple[str, ...] = ()
    """WAV LIST/INFO chunk ids: read from masters only (INFO has no defined text encoding)."""
    not_in: frozenset[TagKind] = frozenset()
    """Containers that must not carry the field even though they have a name for it."""


@dataclass(frozen=True, slots=True)
class NumberPair:
    """A number and its total: one "3/12" text in ID3 and INFO, one atom in MP4, two keys in Vorbis."""

    number_name: str
    total_name: str
    source: Callable[[TrackTags], tuple[int | None, int | None]]
    id3: tuple[str, ...]
    mp4: tuple[str, ...]
    vorbis: tuple[str, ...]
    totals: tuple[str, ...]
    """Keys holding the total alone (Vorbis); written in Vorbis, read from any container."""
    riff: tuple[str, ...]


def _one(value: str | None) -> list[str]:
    return [value] if value else []


def _track(tags: TrackTags) -> Loudness | None:
    return tags.track_loudness


def _album(tags: TrackTags) -> Loudness | None:
    return tags.album_loudness


def _loudness(measured: Callable[[TrackTags], Loudness | None], text: Callable[[Loudness], str]) -> Source:
    def source(tags: TrackTags, gapless: Gapless | None) -> list[str]:
        loudness = measured(tags)
        return [] if loudness is None else [text(loudness)]
    return source


def _gain(loudness: Loudness) -> str:
    return loudness.replaygain_texts()[0]


def _peak(loudness: Loudness) -> str:
    return loudness.replaygain_texts()[1]


def _r128(loudness: Loudness) -> str:
    return str(loudness.r128_gain_q78)


_ITUNES = "----:com.apple.iTunes:"
_OPUS = frozenset({TagKind.OGG})
_NOT_OPUS = frozenset(TagKind) - _OPUS

FIELDS: tuple[TagField, ...] = (
    TagField("title", lambda t, g: _one(t.title), ("TIT2",), ("©nam",), ("TITLE",), ("INAM",)),
    TagField("artist", lambda t, g: [a for a in t.artists if a], ("TPE1",), ("©ART",), ("ARTIST",),
             ("IART",)),
    TagField("albumartist", lambda t, g: _one(t.album_artist), ("TPE2",), ("aART",),
             ("ALBUMARTIST", "ALBUM ARTIST", "ALBUM_ARTIST")),
    TagField("album", lambda t, g: _one(t.album), ("TALB",), ("©alb",), ("ALBUM",), ("IPRD",)),
    TagField("date", lambda t, g: _one(t.date), ("TDRC",), ("©day",), ("DATE", "YEAR"), ("ICRD",)),
    TagField("genre", lambda t, g: _one(t.genre), ("TCON",), ("©gen",), ("GENRE",), ("IGNR",)),
    TagField("isrc", lambda t, g: _one(t.isrc), ("TSRC",), (_ITUNES + "ISRC",), ("ISRC",)),
    TagField("barcode", lambda t, g: _one(t.barcode), ("TXXX:BARCODE", "TXXX:UPC", "TXXX:EAN"),
             (_ITUNES + "BARCODE", _ITUNES + "UPC", _ITUNES + "EAN"), ("BARCODE", "UPC", "EAN")),
    TagField("label", lambda t, g: _one(t.label), ("TPUB", "TXXX:LABEL"), (_ITUNES + "LABEL",),
             ("LABEL", "ORGANIZATION", "PUBLISHER")),
    TagField("copyright", lambda t, g: _one(t.copyright), ("TCOP",), ("cprt",), ("COPYRIGHT",), ("ICOP",)),
    TagField("encoder", lambda t, g: _one(t.encoder_settings), ("TSSE",), ("©too",), ("ENCODER",)),
    TagField("replaygain_track_gain", _loudness(_track, _gain), ("TXXX:REPLAYGAIN_TRACK_GAIN",),
             (_ITUNES + "replaygain_track_gain",), ("REPLAYGAIN_TRACK_GAIN",), not_in=_OPUS),
    TagField("replaygain_track_peak", _loudness(_track, _peak), ("TXXX:REPLAYGAIN_TRACK_PEAK",),
             (_ITUNES + "replaygain_track_peak",), ("REPLAYGAIN_TRACK_PEAK",), not_in=_OPUS),
    TagField("replaygain_album_gain", _loudness(_album, _gain), ("TXXX:REPLAYGAIN_ALBUM_GAIN",),
             (_ITUNES + "replaygain_album_gain",), ("REPLAYGAIN_ALBUM_GAIN",), not_in=_OPUS),
    TagField("replaygain_album_peak", _loudness(_album, _peak), ("TXXX:REPLAYGAIN_ALBUM_PEAK",),
             (_ITUNES + "replaygain_album_peak",), ("REPLAYGAIN_ALBUM_PEAK",), not_in=_OPUS),
    TagField("r128_track_gain", _loudness(_track, _r128), vorbis=("R128_TRACK_GAIN",), not_in=_NOT_OPUS),
    TagField("r128_album_gain", _loudness(_album, _r128), vorbis=("R128_ALBUM_GAIN",), not_in=_NOT_OPUS),
    TagField("itunsmpb", lambda t, g: _one(g.itunsmpb() if g else None), mp4=(_ITUNES + "iTunSMPB",)),
)
"""Opus carries R128_*_GAIN (RFC 7845) instead of REPLAYGAIN_*; only MP4 says gapless in a tag."""

PAIRS: tuple[NumberPair, ...] = (
    NumberPair("tracknumber", "tracktotal", lambda t: (t.track_number, t.track_total), ("TRCK",), ("trkn",),
               ("TRACKNUMBER",), ("TRACKTOTAL", "TOTALTRACKS"), ("IPRT", "ITRK")),
    NumberPair("discnumber", "disctotal", lambda t: (t.disc_number, t.disc_total), ("TPOS",), ("disk",),
               ("DISCNUMBER",), ("DISCTOTAL", "TOTALDISCS"), ()),
)

_COLUMN = {TagKind.ID3: "id3", TagKind.ID3_CHUNK: "id3", TagKind.MP4: "mp4", TagKind.FLAC: "vorbis",
           TagKind.OGG: "vorbis"}

FRONT_COVER = 3
"""Picture type of the front cover in ID3 APIC, FLAC PICTURE and METADATA_BLOCK_PICTURE alike."""

_MP4_IMAGE_FORMATS = {"image/jpeg": AtomDataType.JPEG, "image/png": AtomDataType.PNG}


def _names(entry: TagField | NumberPair, *columns: str) -> tuple[str, ...]:
    """The entry's names in the given columns, in order: the first column's names win when reading."""
    return tuple(name for column in columns for name in getattr(entry, column))


@dataclass(frozen=True, slots=True)
class EmbeddedPicture:
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


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one container gets: the fields it has names for with their values, the pairs, the rest."""

    column: str
    texts: list[tuple[TagField, list[str]]]
    pairs: list[tuple[NumberPair, int, int | None]]
    extra: list[tuple[str, str]]
    cover: Cover | None

    def name(self, entry: TagField | NumberPair) -> str:
        return _names(entry, self.column)[0]


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


def _plan(kind: TagKind, tags: TrackTags, gapless: Gapless | None, cover: Cover | None) -> _Plan:
    column = _COLUMN[kind]
    texts = [(f, values) for f in FIELDS
             if _names(f, column) and kind not in f.not_in and (values := f.source(tags, gapless))]
    pairs = [(p, number, total) for p in PAIRS for number, total in [p.source(tags)] if number]
    return _Plan(column=column, texts=texts, pairs=pairs, extra=list(tags.extra), cover=cover)


def _check_extra(tags: TrackTags) -> None:
    entries: tuple[TagField | NumberPair, ...] = (*FIELDS, *PAIRS)
    taken = {name.rsplit(":", 1)[-1].upper()
             for entry in entries for name in _names(entry, "id3", "mp4", "vorbis")}
    for key, _ in tags.extra:
        if key.upper() in taken:
            raise TagError(f"extra tag {key!r} collides with a field of the tag table; set that field")


# ---- writing ---------------------------------------------------------------------------------------


def _cleared(opener: Callable[[Path], Any], path: Path) -> Any:
    """The file opened by mutagen with an empty tag block (an existing one is emptied, not removed)."""
    audio = opener(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    return audio


def _write_mp3(path: Path, plan: _Plan) -> None:
    """ID3v2.4 goes before the first MPEG frame, so the Xing/LAME frame stays the first audio frame;
    ID3v1 is removed (it holds Latin-1 only and would garble other scripts)."""
    audio = _cleared(MP3, path)
    _fill_id3(audio.tags, plan)
    audio.save(v1=0, v2_version=4)


def _write_id3_chunk(path: Path, plan: _Plan) -> None:
    """WAV or AIFF, told apart by their header: ID3v2.4 in an 'id3 ' / 'ID3 ' chunk."""
    audio = _cleared(_wave_or_aiff, path)
    _fill_id3(audio.tags, plan)
    audio.save(v2_version=4)
    if isinstance(audio, WAVE):
        _drop_riff_info(path)


def _wave_or_aiff(path: Path) -> Any:
    audio = mutagen.File(path, options=[WAVE, AIFF])
    if audio is None:
        raise mutagen.MutagenError("neither a WAV nor an AIFF file")
    return audio


def _drop_riff_info(path: Path) -> None:
    """Remove WAV LIST/INFO chunks (FFmpeg's muxer writes one holding only "Lavf..."): readers such
    as FFmpeg show INFO instead of ID3 when both are there, so it would hide every tag we wrote."""
    with path.open("r+b") as fileobj:
        for chunk in _riff_info_chunks(fileobj):
            chunk.delete()


def _riff_info_chunks(fileobj: Any) -> list[Any]:
    riff = RiffFile(fileobj)  # type: ignore[no-untyped-call]
    return [chunk for chunk in riff.root.subchunks() if chunk.id == "LIST" and chunk.name == "INFO"]


def _fill_id3(id3: Any, plan: _Plan) -> None:
    for f, values in plan.texts:
        id3.add(_id3_frame(plan.name(f), values))
    for pair, number, total in plan.pairs:
        id3.add(_id3_frame(plan.name(pair), [f"{number}/{total}" if total else str(number)]))
    for key, value in plan.extra:
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


def _write_mp4(path: Path, plan: _Plan) -> None:
    audio = _cleared(MP4, path)
    for f, values in plan.texts:
        audio.tags[plan.name(f)] = _mp4_values(plan.name(f), values)
    for pair, number, total in plan.pairs:
        audio.tags[plan.name(pair)] = [(number, total or 0)]
    for key, value in plan.extra:
        audio.tags.setdefault(_ITUNES + key, []).extend(_mp4_values(_ITUNES + key, [value]))
    if plan.cover:
        audio.tags["covr"] = [_mp4_cover(plan.cover)]
    audio.save()


def _mp4_values(atom: str, values: list[str]) -> list[Any]:
    if atom.startswith("----:"):
        return [MP4FreeForm(v.encode("utf-8"), dataformat=AtomDataType.UTF8)  # type: ignore[no-untyped-call]
                for v in values]
    return list(values)


def _mp4_cover(cover: Cover) -> MP4Cover:
    image_format = _MP4_IMAGE_FORMATS.get(cover.mime)
    if image_format is None:
        raise ValueError(f"an MP4 covr atom holds JPEG or PNG, not {cover.mime}")
    return MP4Cover(cover.data, imageformat=image_format)  # type: ignore[no-untyped-call]


def _fill_vorbis(comments: Any, plan: _Plan) -> None:
    for f, values in plan.texts:
        comments[plan.name(f)] = values
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


def _write_flac(path: Path, plan: _Plan) -> None:
    audio = _cleared(FLAC, path)
    audio.clear_pictures()
    _fill_vorbis(audio.tags, plan)
    if plan.cover:
        audio.add_picture(_flac_picture(plan.cover))
    audio.save()


def _write_opus(path: Path, plan: _Plan) -> None:
    audio = _cleared(OggOpus, path)
    _fill_vorbis(audio.tags, plan)
    if plan.cover:
        block = _flac_picture(plan.cover).write()  # type: ignore[no-untyped-call]
        audio.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(block).decode("ascii")]
    audio.save()


_WRITERS: dict[TagKind, Callable[[Path, _Plan], None]] = {
    TagKind.ID3: _write_mp3,
    TagKind.ID3_CHUNK: _write_id3_chunk,
    TagKind.MP4: _write_mp4,
    TagKind.FLAC: _write_flac,
    TagKind.OGG: _write_opus,
}


# ---- reading: each container gives an index {NAME IN UPPER CASE: [texts]}, one function maps it ----


def _fields(index: dict[str, list[str]], columns: tuple[str, ...]) -> dict[str, list[str]]:
    def first(names: Sequence[str]) -> list[str]:
        return next((index[n.upper()] for n in names if index.get(n.upper())), [])

    found = {f.name: values for f in FIELDS if (values := first(_names(f, *columns)))}
    for pair in PAIRS:
        number, _, total = (first(_names(pair, *columns)) or [""])[0].partition("/")  # "3/12" or "3"
        total = (first(pair.totals) or [total])[0]
        found |= {name: [value.strip()] for name, value in ((pair.number_name, number),
                                                             (pair.total_name, total)) if value.strip()}
    return found


def _id3_index(audio: Any) -> dict[str, list[str]]:
    frames = dict(audio.tags or {})
    return {key.upper(): [str(t) for t in (f.genres if isinstance(f, TCON) else f.text) if str(t)]
            for key, f in frames.items() if hasattr(f, "text")}


def _wave_index(audio: Any) -> dict[str, list[str]]:
    """INFO fills in what the ID3 chunk does not say (DAWs and FFmpeg tag WAV masters with INFO)."""
    with Path(audio.filename).open("rb") as fileobj:
        info = {sub.id.upper(): [_info_text(sub.read())] for chunk in _riff_info_chunks(fileobj)
                for sub in chunk.subchunks()}
    return info | _id3_index(audio)


def _info_text(data: bytes) -> str:
    """INFO texts have no declared encoding: UTF-8 when they decode as such, else Latin-1."""
    raw = data.split(b"\0", 1)[0]
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()


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


def _id3_pictures(audio: Any) -> list[EmbeddedPicture]:
    frames = audio.tags.getall("APIC") if audio.tags is not None else []
    return [_embedded(frame) for frame in frames]


def _mp4_pictures(audio: Any) -> list[EmbeddedPicture]:
    mime_of = {image_format: mime for mime, image_format in _MP4_IMAGE_FORMATS.items()}
    return [EmbeddedPicture(data=bytes(cover), mime=mime_of.get(cover.imageformat, "image/unknown"),
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
