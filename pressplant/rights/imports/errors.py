"""Why a message, or the release it delivers, is not imported: one type per cause, each with a sentence
a label or an operator can act on. Raising one inside an import rolls back everything but the audit row."""

from __future__ import annotations


class ImportRefused(Exception):
    """The message is kept as received and nothing else is written; `str()` is the reason."""


class UnsafeFileName(ImportRefused):
    """A referenced file name that is absolute, remote or climbs out of the message's folder."""


class MissingFile(ImportRefused):
    """A file the message needs (a master, the cover) is not beside it."""


class HashMismatch(ImportRefused):
    """A delivered file whose content does not match the HashSum the message gives for it."""


class BadDeliveredFile(ImportRefused):
    """A delivered file that is there but cannot be used: not a lossless master, not an image."""


class UnknownRelease(ImportRefused):
    """A purge (or a deal-only update) for a release the catalogue does not hold from this sender."""
