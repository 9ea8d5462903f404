"""How the storefront writes durations and file sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


_OPTION_STARTS = {name: format_html('<option value="{}">{} – ', name, row.title) for name, row in FORMATS.items()}
"""Each format's <option> up to its size, escaped once."""


@register.simple_tag
def format_options(picker: Picker) -> SafeString:
    """A track's format picker as <option>s: "FLAC – ≈12.3 MB – 1.20 GBP" (≈ while the size is an estimate).

    Written here rather than as a template loop: a release page has one per format of every track (15 a
    track), and the loop renders each several times slower. Each option is its format's start, escaped
    once, then what needs no escaping: a number and a price (digits and an ISO currency code)."""
    return mark_safe("\n".join(  # noqa: S308 - the format's part escaped above; the rest digits and a code
        f"{_OPTION_STARTS[row.quote.format_name]}{'' if row.quote.size_is_exact else '≈'}"
        f"{megabytes(row.quote.size_bytes)} MB – {row.quote.price.format()}</option>" for row in picker.rows))
