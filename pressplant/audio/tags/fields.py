"""The field table: every text field once, with its ID3v2.4 frame, MP4 atom, Vorbis key and WAV INFO chunk.

The first name in a column is the one written, every name is read (so masters tagged by other tools are
understood). The few container constants that writing and reading share live here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mutagen.mp4 import AtomDataType

from pressplant.audio.formats import TagKind
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


def names(entry: TagField | NumberPair, *columns: str) -> tuple[str, ...]:
    """The entry's names in the given columns, in order: the first column's names win when reading."""
    return tuple(name for column in columns for name in getattr(entry, column))


def _one(value: str | None) -> list[str]:
    return [value] if value else []


def _track(tags: TrackTags) -> Loudness | None:
    return tags.track_loudness


def _album(tags: TrackTags) -> Loudness | None:
    return tags.album_loudness


def _loudness(measured: Callable[[TrackTags], Loudness | None], text: Callable[[Loudness], str]) -> Source:
    """A source giving `text` of the track's or album's loudness, or nothing when it was not measured."""
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


ITUNES = "----:com.apple.iTunes:"
"""Prefix of the freeform MP4 atoms iTunes and every other tagger use for keys without an atom of their own."""

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
    TagField("isrc", lambda t, g: _one(t.isrc), ("TSRC",), (ITUNES + "ISRC",), ("ISRC",)),
    TagField("barcode", lambda t, g: _one(t.barcode), ("TXXX:BARCODE", "TXXX:UPC", "TXXX:EAN"),
             (ITUNES + "BARCODE", ITUNES + "UPC", ITUNES + "EAN"), ("BARCODE", "UPC", "EAN")),
    TagField("label", lambda t, g: _one(t.label), ("TPUB", "TXXX:LABEL"), (ITUNES + "LABEL",),
             ("LABEL", "ORGANIZATION", "PUBLISHER")),
    TagField("copyright", lambda t, g: _one(t.copyright), ("TCOP",), ("cprt",), ("COPYRIGHT",), ("ICOP",)),
    TagField("encoder", lambda t, g: _one(t.encoder_settings), ("TSSE",), ("©too",), ("ENCODER",)),
    TagField("replaygain_track_gain", _loudness(_track, _gain), ("TXXX:REPLAYGAIN_TRACK_GAIN",),
             (ITUNES + "replaygain_track_gain",), ("REPLAYGAIN_TRACK_GAIN",), not_in=_OPUS),
    TagField("replaygain_track_peak", _loudness(_track, _peak), ("TXXX:REPLAYGAIN_TRACK_PEAK",),
             (ITUNES + "replaygain_track_peak",), ("REPLAYGAIN_TRACK_PEAK",), not_in=_OPUS),
    TagField("replaygain_album_gain", _loudness(_album, _gain), ("TXXX:REPLAYGAIN_ALBUM_GAIN",),
             (ITUNES + "replaygain_album_gain",), ("REPLAYGAIN_ALBUM_GAIN",), not_in=_OPUS),
    TagField("replaygain_album_peak", _loudness(_album, _peak), ("TXXX:REPLAYGAIN_ALBUM_PEAK",),
             (ITUNES + "replaygain_album_peak",), ("REPLAYGAIN_ALBUM_PEAK",), not_in=_OPUS),
    TagField("r128_track_gain", _loudness(_track, _r128), vorbis=("R128_TRACK_GAIN",), not_in=_NOT_OPUS),
    TagField("r128_album_gain", _loudness(_album, _r128), vorbis=("R128_ALBUM_GAIN",), not_in=_NOT_OPUS),
    TagField("itunsmpb", lambda t, g: _one(g.itunsmpb() if g else None), mp4=(ITUNES + "iTunSMPB",)),
)
"""Opus carries R128_*_GAIN (RFC 7845) instead of REPLAYGAIN_*; only MP4 says gapless in a tag."""

PAIRS: tuple[NumberPair, ...] = (
    NumberPair("tracknumber", "tracktotal", lambda t: (t.track_number, t.track_total), ("TRCK",), ("trkn",),
               ("TRACKNUMBER",), ("TRACKTOTAL", "TOTALTRACKS"), ("IPRT", "ITRK")),
    NumberPair("discnumber", "disctotal", lambda t: (t.disc_number, t.disc_total), ("TPOS",), ("disk",),
               ("DISCNUMBER",), ("DISCTOTAL", "TOTALDISCS"), ()),
)

COLUMN = {TagKind.ID3: "id3", TagKind.ID3_CHUNK: "id3", TagKind.MP4: "mp4", TagKind.FLAC: "vorbis",
          TagKind.OGG: "vorbis"}
"""The column of the table whose first names each kind of tag block is written with."""

FRONT_COVER = 3
"""Picture type of the front cover in ID3 APIC, FLAC PICTURE and METADATA_BLOCK_PICTURE alike."""

MP4_IMAGE_FORMATS = {"image/jpeg": AtomDataType.JPEG, "image/png": AtomDataType.PNG}
"""The only images an MP4 covr atom can say it holds."""
