"""Frozen values read from one ERN message; nothing here knows about XML or versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

MessageKind = Literal["NewReleaseMessage", "PurgeReleaseMessage", "CatalogListMessage"]
MESSAGE_KINDS: tuple[MessageKind, ...] = ("NewReleaseMessage", "PurgeReleaseMessage", "CatalogListMessage")


@dataclass(frozen=True)
class TrackEntry:
    """One sound recording's place on a release: disc, position on that disc (1-based), resource."""

    disc_number: int
    track_number: int
    resource_reference: str


@dataclass(frozen=True)
class ProprietaryId:
    namespace: str
    value: str


@dataclass(frozen=True)
class ReleaseInfo:
    """A release as sent; `is_main` separates the album/single from its per-track sale units."""

    reference: str
    is_main: bool
    icpn: str | None
    grid: str | None
    proprietary_ids: tuple[ProprietaryId, ...]
    title: str | None
    display_artist: str | None
    label_name: str | None
    genre: str | None
    release_type: str | None
    release_date: date | None
    original_release_date: date | None
    p_line: str | None
    c_line: str | None
    tracks: tuple[TrackEntry, ...]
    cover_image_reference: str | None


@dataclass(frozen=True)
class FileInfo:
    """A delivered file: its name or URI (3.x FilePath joined in front), and its hash if sent."""

    name: str
    hash_algorithm: str | None
    hash_value: str | None


@dataclass(frozen=True)
class SoundRecordingInfo:
    reference: str
    isrc: str | None
    title: str | None
    display_artist: str | None
    display_artists: tuple[str, ...]
    duration_ms: int | None
    files: tuple[FileInfo, ...]
    p_line: str | None
    genre: str | None


@dataclass(frozen=True)
class ImageInfo:
    reference: str
    image_type: str | None
    files: tuple[FileInfo, ...]


@dataclass(frozen=True)
class PriceCode:
    """A price-tier code, meaningful only in the sender's namespace (mapped through a label table)."""

    code: str
    namespace: str | None


@dataclass(frozen=True)
class WholesalePrice:
    """An explicit price; a Decimal because it is a rate per unit, not yet money (STYLE rule 2)."""

    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Deal:
    """One Deal of a ReleaseDeal; start/end are dates, or datetimes in UTC when sent with a time."""

    release_references: tuple[str, ...]
    commercial_model_types: tuple[str, ...]
    use_types: tuple[str, ...]
    territory_codes: tuple[str, ...]
    excluded_territory_codes: tuple[str, ...]
    start: date | datetime | None
    end: date | datetime | None
    pre_order_release_date: date | None
    pre_order_preview_date: date | None
    price_code: PriceCode | None
    wholesale_price: WholesalePrice | None
    is_takedown: bool
    all_deals_cancelled: bool
    effective_date: date | None


@dataclass(frozen=True)
class ErnMessage:
    """A whole message; `problems` lists placeholder or invalid identifiers, kept but never fixed."""

    version: str
    kind: MessageKind
    message_id: str | None
    sender_party_id: str | None
    sender_name: str | None
    recipient_party_id: str | None
    created_at: datetime | str | None
    is_test: bool
    update_indicator: str | None
    releases: tuple[ReleaseInfo, ...]
    sound_recordings: tuple[SoundRecordingInfo, ...]
    images: tuple[ImageInfo, ...]
    deals: tuple[Deal, ...]
    problems: tuple[str, ...]
