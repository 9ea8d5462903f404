"""The engine's errors: each says what is wrong with which file, in words a label can act on."""

from __future__ import annotations


class AudioError(Exception):
    """Base of every error the engine raises on purpose."""


class UnreadableMaster(AudioError):
    """The file is not a readable lossless master: empty, truncated, unknown or mislabelled."""


class LossyMaster(UnreadableMaster):
    """A lossy file (MP3, AAC, Opus, Vorbis) offered as a master: re-encoding it would sell a copy of a copy."""


class UnknownFormat(AudioError):
    """A format name that is not in the formats table."""


class EncodeError(AudioError):
    """An encode failed or its output did not verify; no output file is left behind."""


class BadCover(AudioError):
    """Cover art that cannot be embedded: not an image, truncated, or too many pixels to decode safely."""


class TagError(AudioError):
    """A file whose tags cannot be read or written: not the container it claims to be, or damaged."""
