"""HTTP responses that hand a stored file to a buyer: Range and If-Range, or nginx's X-Accel-Redirect.

The views of the storefront and the API decide who may download what; these functions only send bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date

from pressplant.delivery import ranges

_CHUNK_BYTES = 256 * 1024


def attachment(filename: str) -> str:
    """Content-Disposition for any file name: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "'")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def stored_file_response(request: HttpRequest, *, key: str, size_bytes: int, sha256: str,
                         modified_at: datetime.datetime, filename: str, content_type: str) -> HttpResponseBase:
    """The stored file at `key`, whole or the one range asked for; resumable by `curl -C -` and `wget -c`."""
    etag = f'"{sha256}"'
    last_modified = http_date(modified_at.timestamp())
    accel_prefix = getattr(settings, "PRESSPLANT_X_ACCEL_REDIRECT_PREFIX", "")
    if accel_prefix:  # nginx sends the bytes, Range included
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(key)
        _common_headers(response, etag, last_modified, filename)
        return response
    answer = ranges.answer(request.headers.get("Range"), request.headers.get("If-Range"), size_bytes, etag,
                           last_modified)
    if answer.status == 416:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = answer.content_range(size_bytes) or ""
        return refused
    streamed = StreamingHttpResponse(_read(key, answer.start, answer.length), status=answer.status,
                                     content_type=content_type)
    streamed["Content-Length"] = str(answer.length)
    if content_range := answer.content_range(size_bytes):
        streamed["Content-Range"] = content_range
    _common_headers(streamed, etag, last_modified, filename)
    return streamed


def _common_headers(response: HttpResponseBase, etag: str, last_modified: str, filename: str) -> None:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    response["Content-Disposition"] = attachment(filename)
    response["Cache-Control"] = "private, no-transform"


def _read(key: str, start: int, length: int) -> Iterator[bytes]:
    with default_storage.open(key, "rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(_CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
