"""Quotes for catalogue items, as the storefront, the API and orders ask for them.

These read and write nothing but the rules: the sizes come from the caller when a rendition exists (its
exact size, from the delivery cache, which pricing does not import) and from the catalogue's estimate
otherwise. A release is priced by the release's rule, for all of its tracks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from pressplant.catalogue.models import Release, Track
from pressplant.pricing.models import rule_for
from pressplant.pricing.quote import PriceRule, Quote, quote_release, quote_track

_NO_EXACT_SIZES: Mapping[int, int] = MappingProxyType({})


def quote_for_track(track: Track, format_name: str, currency: str, exact_size_bytes: int | None = None,
                    rule: PriceRule | None = None) -> Quote:
    """The price of `track` in `format_name`; `exact_size_bytes` is the rendition's size when one exists.
    `rule` is rule_for(track, currency) when the caller read it already (a page of many quotes)."""
    size_bytes, is_exact = _size_of(track, format_name, exact_size_bytes)
    return quote_track(rule if rule is not None else rule_for(track, currency), size_bytes, is_exact,
                       format_name)


def quote_for_release(release: Release, format_name: str, currency: str,
                      exact_sizes: Mapping[int, int] = _NO_EXACT_SIZES, rule: PriceRule | None = None,
                      tracks: Sequence[Track] | None = None) -> Quote:
    """The price of all of `release` in `format_name`; `exact_sizes` maps track ids to rendition sizes.
    `rule` and `tracks` (all of them, with their masters) are read here unless the caller has them."""
    if tracks is None:
        tracks = list(release.tracks.select_related("release", "master").order_by("disc_number", "position"))
    sized = [_size_of(track, format_name, exact_sizes.get(track.pk)) for track in tracks]
    all_exact = bool(sized) and all(is_exact for _, is_exact in sized)
    rule = rule if rule is not None else rule_for(release, currency)
    return quote_release(rule, [size for size, _ in sized], all_exact, format_name)


def _size_of(track: Track, format_name: str, exact_size_bytes: int | None) -> tuple[int, bool]:
    if exact_size_bytes is not None:
        return exact_size_bytes, True
    return track.size_estimate(format_name).size_bytes, False
