"""GET /preview/<track id>.mp3: the 30-second preview of a track on sale, open to everyone."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from pressplant.audio.formats import PREVIEW
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.albums import clean_file_name
from pressplant.delivery.responses import stored_file_response
from pressplant.delivery.workers import obtain_rendition


@require_safe
def preview(request: HttpRequest, track_id: int) -> HttpResponseBase:
    track = Track.objects.select_related("release", "release__label", "master").filter(
        pk=track_id, release__status=Release.Status.LIVE).first()
    if track is None:
        raise Http404("no such track on sale")
    rendition = obtain_rendition(track, PREVIEW.name)
    return stored_file_response(
        request, key=rendition.storage_key, size_bytes=rendition.size_bytes or 0, sha256=rendition.sha256,
        modified_at=rendition.created_at, filename=clean_file_name(f"{track.title} (preview)") + ".mp3",
        content_type=PREVIEW.media_type, inline=True, public_max_age_seconds=86400)
