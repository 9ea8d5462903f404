"""Stored files over HTTP: whole, one range, If-Range, 416, and X-Accel-Redirect behind nginx."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from pressplant.delivery.responses import attachment, stored_file_response

DATA = bytes(range(256)) * 40  # 10,240 bytes
MODIFIED = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def stored(media_storage):
    return default_storage.save("renditions/test/file.flac", ContentFile(DATA))


def _get(key, **headers):
    request = RequestFactory().get("/download", headers=headers)
    response = stored_file_response(request, key=key, size_bytes=len(DATA), sha256="abc", modified_at=MODIFIED,
                                    filename="01 Кино - Звезда.flac", content_type="audio/flac")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_the_whole_file_with_validators(stored):
    response, body = _get(stored)
    assert response.status_code == 200 and body == DATA
    assert response["Content-Length"] == str(len(DATA)) and response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == '"abc"'


def test_a_resumed_download_gets_exactly_the_rest(stored):
    response, body = _get(stored, Range="bytes=4000-")
    assert response.status_code == 206 and body == DATA[4000:]
    assert response["Content-Range"] == f"bytes 4000-{len(DATA) - 1}/{len(DATA)}"


def test_if_range_with_an_old_validator_gets_the_whole_file(stored):
    response, body = _get(stored, Range="bytes=4000-", **{"If-Range": '"old"'})
    assert response.status_code == 200 and body == DATA


def test_an_unsatisfiable_range_is_416_without_bytes(stored):
    response, body = _get(stored, Range="bytes=999999-")
    assert response.status_code == 416 and body == b"" and response["Content-Range"] == f"bytes */{len(DATA)}"


def test_behind_nginx_the_file_goes_out_by_x_accel_redirect(stored, settings):
    settings.PRESSPLANT_X_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response, body = _get(stored, Range="bytes=10-")
    assert response["X-Accel-Redirect"] == "/protected-media/renditions/test/file.flac" and body == b""


def test_content_disposition_keeps_the_utf8_name():
    assert attachment("01 Кино.flac") == (
        "attachment; filename=\"01 ____.flac\"; filename*=UTF-8''01%20%D0%9A%D0%B8%D0%BD%D0%BE.flac")
