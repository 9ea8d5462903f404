"""A pure DDEX ERN reader (3.4.1 to 4.3): bytes in, frozen values out; no Django, no settings.

Version differences live as data in `paths`; identifiers are validated, and placeholders are kept as
sent with a sentence in `ErnMessage.problems`. Deciding what goes on sale is not done here.
"""

from .deals import DOWNLOAD_DEALS, DownloadKind, is_download_deal
from .errors import DdexError
from .message import parse_message
from .model import (
    Deal,
    ErnMessage,
    FileInfo,
    ImageInfo,
    PriceCode,
    ProprietaryId,
    ReleaseInfo,
    SoundRecordingInfo,
    TrackEntry,
    WholesalePrice,
)
from .paths import VERSIONS

__all__ = [
    "DOWNLOAD_DEALS",
    "VERSIONS",
    "DdexError",
    "Deal",
    "DownloadKind",
    "ErnMessage",
    "FileInfo",
    "ImageInfo",
    "PriceCode",
    "ProprietaryId",
    "ReleaseInfo",
    "SoundRecordingInfo",
    "TrackEntry",
    "WholesalePrice",
    "is_download_deal",
    "parse_message",
]
