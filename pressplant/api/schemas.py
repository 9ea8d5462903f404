"""The shapes the API reads and writes. Money is always {amount_minor, currency}."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class MoneyOut(Schema):
    amount_minor: int
    currency: str


class ErrorOut(Schema):
    code: str
    message: str


class SignUpIn(Schema):
    email: str
    password: str
    country: str


class AccountOut(Schema):
    id: int
    email: str
    country: str
    currency: str


class TokenIn(Schema):
    email: str
    password: str


class TokenOut(Schema):
    token: str


class FormatOut(Schema):
    name: str
    title: str
    codec: str
    container: str
    extension: str
    media_type: str
    bitrate_bps: int | None
    vbr_quality: int | None
    is_lossless: bool


class ReleaseOut(Schema):
    id: int
    title: str
    artist: str
    label: str | None
    year: int | None
    genre: str
    upc: str
    track_count: int


class ReleasePage(Schema):
    items: list[ReleaseOut]
    count: int


class TrackOut(Schema):
    id: int
    title: str
    artist: str
    duration_ms: int
    isrc: str
    disc: int
    position: int


class ReleaseDetailOut(ReleaseOut):
    release_date: date | None
    tracks: list[TrackOut]


class QuoteOut(Schema):
    format: str
    size_bytes: int
    size_is_exact: bool
    price: MoneyOut
    available: bool
    status: str
    """on_sale, free, pre_order, not_licensed, ended, withdrawn or unpriced."""
    reason: str | None
    """Why it cannot be bought, or what is special about it (a pre-order, a price raised to the floor)."""
    basis: str
    vat_included: bool
    vat_rate: str


class WalletEntryOut(Schema):
    id: int
    kind: str
    memo: str
    amount: MoneyOut
    created_at: datetime


class WalletOut(Schema):
    balance: MoneyOut
    entries: list[WalletEntryOut]


class VoucherIn(Schema):
    code: str


class RedemptionOut(Schema):
    credited: MoneyOut
    bonus: MoneyOut
    balance: MoneyOut


class OrderItemIn(Schema):
    format: str
    track_id: int | None = None
    release_id: int | None = None


class OrderIn(Schema):
    items: list[OrderItemIn] = Field(..., min_length=1)


class SalePartOut(Schema):
    """Where part of a line's price went: VAT, the label, an artist, a society, the store."""

    role: str
    to: str
    amount: MoneyOut


class OrderLineOut(Schema):
    track_id: int | None
    release_id: int | None
    format: str
    price: MoneyOut
    vat: MoneyOut
    size_bytes: int
    size_is_exact: bool
    available_at: datetime | None
    """A pre-order: when the download opens."""
    parts: list[SalePartOut]


class OrderOut(Schema):
    id: int
    status: str
    total: MoneyOut
    territory: str
    created_at: datetime
    lines: list[OrderLineOut]


class LibraryItemOut(Schema):
    kind: str
    id: int
    title: str
    artist: str
    format: str
    download_url: str


class LibraryOut(Schema):
    items: list[LibraryItemOut]
