"""HTTP Range answers as RFC 9110 wants them."""

from __future__ import annotations

import pytest

from pressplant.delivery.ranges import answer

SIZE, ETAG, MODIFIED = 1000, '"abc"', "Sun, 29 Nov 2026 10:00:00 GMT"


@pytest.mark.parametrize(("header", "status", "start", "end"), [
    (None, 200, 0, 999),
    ("bytes=0-99", 206, 0, 99),
    ("bytes=500-", 206, 500, 999),
    ("bytes=-100", 206, 900, 999),
    ("bytes=-5000", 206, 0, 999),
    ("bytes=990-5000", 206, 990, 999),
    ("bytes=1000-", 416, 0, 0),
    ("bytes=-0", 416, 0, 0),
    ("bytes=5-1", 200, 0, 999),
    ("bytes=0-1,5-9", 200, 0, 999),
    ("items=0-1", 200, 0, 999),
])
def test_range_answers(header, status, start, end):
    result = answer(header, None, SIZE, ETAG, MODIFIED)
    assert (result.status, result.start, result.end) == (status, start, end)


def test_content_range_headers():
    assert answer("bytes=10-19", None, SIZE, ETAG, MODIFIED).content_range(SIZE) == "bytes 10-19/1000"
    assert answer("bytes=2000-", None, SIZE, ETAG, MODIFIED).content_range(SIZE) == "bytes */1000"
    assert answer("bytes=10-19", None, SIZE, ETAG, MODIFIED).length == 10


@pytest.mark.parametrize(("if_range", "status"), [(ETAG, 206), (MODIFIED, 206), ('"old"', 200)])
def test_if_range_sends_the_whole_file_when_it_changed(if_range, status):
    assert answer("bytes=100-", if_range, SIZE, ETAG, MODIFIED).status == status
