"""GET /download/<token>: the one door files leave by, for the storefront's library and the API alike.

The buyer must be signed in (session) or send their API token (Authorization: Bearer), the link must
be theirs, unchanged and unexpired, and they must still be entitled to the item: otherwise 403 and no
bytes. A track is served from the rendition cache (encoded now if missing, by a worker in scale-out) with
Range support; a release is one ZIP streamed as it is made.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe

from pressplant.accounts.actions import customer_for_token
from pressplant.accounts.models import Customer, customer_of
from pressplant.audio.formats import get_format
from pressplant.catalogue.models import Release, track_with_release
from pressplant.delivery.albums import stream_release_zip, track_file_name, zip_file_name
from pressplant.delivery.links import read_token
from pressplant.delivery.responses import attachment, stored_file_response
from pressplant.delivery.tokens import DownloadGrant, LinkError
from pressplant.delivery.workers import obtain_rendition
from pressplant.orders.models import Entitlement
from pressplant.rights.availability import spoken_date


def request_customer(request: HttpRequest) -> Customer | None:
    """The buyer behind a request: the signed-in user, or the owner of a Bearer API token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return customer_for_token(header.removeprefix("Bearer ").strip())
    user = request.user
    if user.is_authenticated:
        return customer_of(user)
    return None


def _forbidden(reason: str) -> HttpResponse:
    return HttpResponse(f"403 Forbidden: {reason}\n", status=403, content_type="text/plain; charset=utf-8")


@require_safe
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    customer = request_customer(request)
    if customer is None:
        return _forbidden("sign in (or send your API token) to download your purchases")
    try:
        grant = read_token(token, customer.pk)
    except LinkError:
        return _forbidden("this download link is not valid for your account, or it has expired")
    if grant.kind == "track":
        return _track(request, customer, grant)
    return _release(customer, grant)


def _not_open(entitlement: Entitlement) -> HttpResponse | None:
    """A pre-order before its release date is refused with the date it opens."""
    if entitlement.is_open(timezone.now()):
        return None
    assert entitlement.available_at is not None
    return _forbidden(f"pre-ordered: the download opens on {spoken_date(entitlement.available_at)}")


def _track(request: HttpRequest, customer: Customer, grant: DownloadGrant) -> HttpResponseBase:
    track = track_with_release(grant.item_id)
    entitlement = None if track is None else Entitlement.objects.covering_download(customer, track, grant.format_name)
    if track is None or entitlement is None:
        return _forbidden("you have not bought this track in this format")
    if refused := _not_open(entitlement):
        return refused
    rendition = obtain_rendition(track, grant.format_name)
    fmt = get_format(grant.format_name)
    return stored_file_response(request, key=rendition.storage_key, size_bytes=rendition.size_bytes or 0,
                                sha256=rendition.sha256, modified_at=rendition.created_at,
                                filename=track_file_name(track, fmt.extension, 1), content_type=fmt.media_type)


def _release(customer: Customer, grant: DownloadGrant) -> HttpResponseBase:
    release = Release.objects.filter(pk=grant.item_id).first()
    entitlement = None if release is None else Entitlement.objects.of(customer).filter(
        release=release, format_name=grant.format_name).first()
    if release is None or entitlement is None:
        return _forbidden("you have not bought this release in this format")
    if refused := _not_open(entitlement):
        return refused
    response = StreamingHttpResponse(stream_release_zip(release, grant.format_name), content_type="application/zip")
    response["Content-Disposition"] = attachment(zip_file_name(release, grant.format_name))
    response["Cache-Control"] = "private, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx passes the stream on as it is made
    return response
