"""Tags for every sellable container, from one table of fields (as beets' mediafile declares them).

Each field is declared once with its ID3v2.4 frame, MP4 atom, Vorbis comment key and WAV INFO chunk; the
first name in a column is the one written, every name is read (so masters tagged by other tools are
understood). The encoder writes the audio, then `write_tags` rewrites the file's tags in place with
mutagen: call it on the `.part` file before the rename that publishes it. Every earlier tag is replaced,
so a file says exactly what `TrackTags` says. ID3 is always v2.4 in UTF-8, so any script round-trips.

`fields` holds the table, `writers` one writer per tag kind, `readers` one index per container, `riff`
the WAV INFO chunks both sides touch.
"""

from __future__ import annotations

from pressplant.audio.tags.fields import FIELDS, FRONT_COVER, PAIRS, NumberPair, Source, TagField
from pressplant.audio.tags.readers import EmbeddedPicture, ReadTags, read_tags
from pressplant.audio.tags.writers import write_tags

__all__ = [
    "FIELDS",
    "FRONT_COVER",
    "PAIRS",
    "EmbeddedPicture",
    "NumberPair",
    "ReadTags",
    "Source",
    "TagField",
    "read_tags",
    "write_tags",
]
