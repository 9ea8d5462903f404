"""HTTP responses that hand a stored file to a buyer.

Local media: the app sends the bytes with Range and If-Range, or nginx does by X-Accel-Redirect when
PRESSPLANT_X_ACCEL_REDIRECT_PREFIX names its internal location. Media in an S3-compatible bucket
(PRESSPLANT_S3_DOWNLOADS): a redirect to a short-lived presigned URL ("presigned"), or the app streams
just the asked-for bytes from the bucket ("proxy").

The views of the storefront and the API decide who may download what; these functions only send bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date

from pressplant.delivery import bucket, ranges

_CHUNK_BYTES = 256 * 1024

ByteReader = Callable[[int, int], "Iterator[bytes] | FileSlice"]
"""(start, length) -> the file's bytes from `start`, `length` of them: in chunks, or a slice of a local file."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size_bytes: int
    etag: str
    last_modified: str
    filename: str
    content_type: str
    disposition: str
    """attachment (save it) or inline (play it in the page)."""
    cache_control: str


def attachment(filename: str) -> str:
    """Content-Disposition for any file name: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "'")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def stored_file_response(request: HttpRequest, *, key: str, size_bytes: int, sha256: str,
                         modified_at: datetime.datetime, filename: str, content_type: str, inline: bool = False,
                         public_max_age_seconds: int = 0) -> HttpResponseBase:
    """The stored file at `key`, whole or the one range asked for; resumable by `curl -C -` and `wget -c`.

    A private file (a purchase) is never cached by anyone else. A public one (`public_max_age_seconds`, a
    preview) may be cached that long by anyone, so from a bucket it is streamed, never a redirect to a
    presigned URL that expires sooner than the cached redirect would.
    """
    cache_control = (f"public, max-age={public_max_age_seconds}" if public_max_age_seconds
                     else "private, no-transform")
    file = StoredFile(key, size_bytes, f'"{sha256}"', http_date(modified_at.timestamp()), filename, content_type,
                      "inline" if inline else "attachment", cache_control)
    storage = storages["default"]
    if bucket.is_bucket(storage):
        if settings.PRESSPLANT_S3_DOWNLOADS == "presigned" and not public_max_age_seconds:
            return _presigned_redirect(request, storage, file)
        return _ranged(request, file, partial(bucket.read_range, storage, file.key))
    if accel_prefix := settings.PRESSPLANT_X_ACCEL_REDIRECT_PREFIX:
        return _accel_redirect(accel_prefix, file)
    return _ranged(request, file, partial(_read, storage, file.key))


def _accel_redirect(prefix: str, file: StoredFile) -> HttpResponse:
    """An empty answer naming the file for nginx, which sends it and drops this header. nginx keeps the
    type, name and caching headers, and makes its own Accept-Ranges, validators and Range answers."""
    response = HttpResponse(content_type=file.content_type)
    response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.key)
    _naming_headers(response, file)
    return response


def _presigned_redirect(request: HttpRequest, storage: Storage, file: StoredFile) -> HttpResponseRedirect:
    """302 to a fresh presigned URL of the bucket, made only now that the buyer's entitlement is checked;
    the bucket names the file as the app would and answers Range and If-Range itself."""
    url = bucket.presigned_url(storage, file.key, http_method="HEAD" if request.method == "HEAD" else "GET",
                               seconds=settings.PRESSPLANT_S3_URL_SECONDS,
                               content_disposition=_disposition(file), content_type=file.content_type,
                               public_endpoint_url=settings.PRESSPLANT_S3_PUBLIC_ENDPOINT_URL)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"  # each request gets its own short-lived URL
    return response


def _ranged(request: HttpRequest, file: StoredFile, read: ByteReader) -> HttpResponseBase:
    """The app sends the bytes: 200 whole, 206 one range, 416 none; `read` fetches only those bytes."""
    answer = ranges.answer(request.headers.get("Range"), request.headers.get("If-Range"), file.size_bytes,
                           file.etag, file.last_modified)
    if answer.status == 416:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = answer.content_range(file.size_bytes) or ""
        return refused
    # HEAD gets the headers alone: the server would read the whole file only to drop it.
    body = iter(()) if request.method == "HEAD" else read(answer.start, answer.length)
    streamed: StreamingHttpResponse
    if isinstance(body, FileSlice):  # gunicorn's wsgi.file_wrapper sends it by os.sendfile
        streamed = local = FileResponse(body, status=answer.status, content_type=file.content_type)
        local.block_size = _CHUNK_BYTES  # what a server without sendfile reads at a time
    else:
        streamed = StreamingHttpResponse(body, status=answer.status, content_type=file.content_type)
    streamed["Content-Length"] = str(answer.length)
    if content_range := answer.content_range(file.size_bytes):
        streamed["Content-Range"] = content_range
    streamed["Accept-Ranges"] = "bytes"
    streamed["ETag"] = file.etag
    streamed["Last-Modified"] = file.last_modified
    _naming_headers(streamed, file)
    return streamed


def _naming_headers(response: HttpResponseBase, file: StoredFile) -> None:
    response["Content-Disposition"] = _disposition(file)
    response["Cache-Control"] = file.cache_control


def _disposition(file: StoredFile) -> str:
    return attachment(file.filename).replace("attachment", file.disposition, 1)


class FileSlice:
    """`length` bytes of an open local file from `start`. Through FileResponse, gunicorn's wsgi.file_wrapper
    sends it by os.sendfile, from the descriptor's position and Content-Length bytes, never copying them
    through Python; any other server reads it in chunks, and never past the slice."""

    def __init__(self, fh: BinaryIO, start: int, length: int) -> None:
        fh.seek(start)
        self._fh, self._left = fh, length

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        data = self._fh.read(size) if size else b""
        self._left -= len(data)
        return data

    def fileno(self) -> int:
        return self._fh.fileno()

    def close(self) -> None:
        self._fh.close()


def _read(storage: Storage, key: str, start: int, length: int) -> FileSlice:
    return FileSlice(storage.open(key, "rb"), start, length)  # type: ignore[arg-type]  # a File reads like one
