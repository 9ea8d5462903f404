"""How the storefront writes durations and file sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from pressplant.audio.formats import FORMATS
from pressplant.pricing.quote import BYTES_PER_MB

if TYPE_CHECKING:
    from pressplant.storefront.views import Picker

register = template.Library()


@register.filter
def duration(duration_ms: int) -> str:
    """245_000 -> "4:05" (minutes:seconds, rounded to the nearest second)."""
    seconds = round(duration_ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def megabytes(size_bytes: int) -> str:
    """1_234_567 -> "1.2": megabytes of 10^6 bytes, as the store prices them, with one decimal."""
    return f"{size_bytes / BYTES_PER_MB:.1f}"


@register.filter
def format_title(format_name: str) -> str:
    """"mp3-320" -> "MP3 320 kb/s": the formats table's title for a format name."""
    row = FORMATS.get(format_name)
    return row.title if row is not None else format_name


@register.simple_tag
def format_options(picker: Picker) -> SafeString:
    """A track's format picker as <option>s: "FLAC – ≈12.3 MB – 1.20 GBP" (≈ while the size is an estimate).

    Written here rather than as a template loop: a release page has one per format of every track (15 a
    track), and the loop renders each several times slower."""
    return format_html_join("\n", '<option value="{}">{} – {}{} MB – {}</option>', (
        (row.quote.format_name, row.title, "" if row.quote.size_is_exact else "≈", megabytes(row.quote.size_bytes),
         row.quote.price.format()) for row in picker.rows))
