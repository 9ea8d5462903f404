"""Importing DDEX ERN messages into the catalogue and the rights tables (issue 4).

`import_message` is the one entry point: the CLI, the drop folder, uploads and the task all call it.
"""

from .errors import BadDeliveredFile, HashMismatch, ImportRefused, MissingFile, UnknownRelease, UnsafeFileName
from .files import referenced_files
from .messages import import_message, may_retry, reimport_message
from .results import ImportResult, Outcome

__all__ = [
    "BadDeliveredFile",
    "HashMismatch",
    "ImportRefused",
    "ImportResult",
    "MissingFile",
    "Outcome",
    "UnknownRelease",
    "UnsafeFileName",
    "import_message",
    "may_retry",
    "referenced_files",
    "reimport_message",
]
