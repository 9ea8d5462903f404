"""The catalogue as JSON: formats, releases (search and detail) and quotes, open to visitors."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from pressplant.api.auth import optional_caller
from pressplant.api.schemas import ErrorOut, FormatOut, QuoteOut, ReleaseDetailOut, ReleaseOut, ReleasePage, TrackOut
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release, Track
from pressplant.orders import shop
from pressplant.orders.sales import Offer
from pressplant.rights.availability import Status

router = Router(tags=["catalogue"])


class ReleaseQuery(Schema):
    q: str = ""
    limit: int = NinjaField(20, ge=1, le=100)
    offset: int = NinjaField(0, ge=0)


@router.get("/formats", response=list[FormatOut])
def list_formats(request: HttpRequest) -> list[FormatOut]:
    return [FormatOut(name=f.name, title=f.title, codec=f.codec, container=f.container, extension=f.extension,
                      media_type=f.media_type, bitrate_bps=f.bitrate_bps, vbr_quality=f.vbr_quality,
                      is_lossless=f.is_lossless) for f in FORMATS.values()]


@router.get("/releases", response=ReleasePage)
def list_releases(request: HttpRequest, query: Query[ReleaseQuery]) -> ReleasePage:
    """Releases on sale matching `q` (title, artist, label, track, ISRC, UPC, genre), a page at a time."""
    found = Release.objects.on_sale().search(query.q).select_related("label")
    page = list(found[query.offset:query.offset + query.limit])
    counts = dict(Track.objects.filter(release__in=page).values("release").annotate(n=Count("pk"))
                  .values_list("release", "n"))
    return ReleasePage(items=[_release(r, counts.get(r.pk, 0)) for r in page], count=found.count())


@router.get("/releases/{release_id}", response={200: ReleaseDetailOut, 404: ErrorOut})
def get_release(request: HttpRequest, release_id: int) -> ReleaseDetailOut:
    release = Release.objects.on_sale().select_related("label").get(pk=release_id)
    tracks = [TrackOut(id=t.pk, title=t.title, artist=t.artist_display, duration_ms=t.duration_ms, isrc=t.isrc,
                       disc=t.disc_number, position=t.position)
              for t in release.tracks.order_by("disc_number", "position")]
    return ReleaseDetailOut(**_release(release, len(tracks)).dict(), release_date=release.release_date,
                            tracks=tracks)


@router.get("/releases/{release_id}/quote", response={200: QuoteOut, 400: ErrorOut, 404: ErrorOut})
def quote_release(request: HttpRequest, release_id: int, format: str) -> QuoteOut:
    return _quote_out(shop.offer("release", release_id, format, _shopper(request)))


@router.get("/tracks/{track_id}/quote", response={200: QuoteOut, 400: ErrorOut, 404: ErrorOut})
def quote_track(request: HttpRequest, track_id: int, format: str) -> QuoteOut:
    return _quote_out(shop.offer("track", track_id, format, _shopper(request)))


def _shopper(request: HttpRequest) -> shop.Shopper:
    return shop.shopper_for(optional_caller(request), request)


def _release(release: Release, track_count: int) -> ReleaseOut:
    return ReleaseOut(id=release.pk, title=release.title, artist=release.artist_display,
                      label=release.label.name if release.label else None, year=release.year,
                      genre=release.genre, upc=release.upc, track_count=track_count)


def _quote_out(offer: Offer) -> QuoteOut:
    """The quote with the buyer's availability: `reason` says why not, or what is special (a pre-order,
    a price raised to the rights holders' floor, a free download)."""
    quote, availability = offer.quote, offer.standing.availability
    reason = None if availability.status == Status.ON_SALE and not offer.floor_note else availability.reason
    if offer.floor_note and offer.can_buy:
        reason = offer.floor_note
    return QuoteOut.model_validate({"format": quote.format_name, "size_bytes": quote.size_bytes,
                                    "size_is_exact": quote.size_is_exact, "price": quote.price.as_api(),
                                    "available": offer.can_buy, "status": availability.status.value,
                                    "reason": reason, "basis": quote.basis,
                                    "vat_included": offer.vat_rate > 0, "vat_rate": str(offer.vat_rate)})
