"""Request ids and JSON log lines, as a log shipper and an operator reading them see them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from pressplant.operations.logs import JsonFormatter, RequestIdFilter


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The access logger at INFO, written through the store's own filter and JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pressplant.requests")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_response_carries_a_request_id_and_one_json_access_line(access_log) -> None:
    response = Client().get("/healthz")
    request_id = response["X-Request-ID"]
    [line] = _lines(access_log)
    assert len(request_id) == 32 and line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/healthz", 200, "INFO")
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00")


def test_a_sane_incoming_id_is_kept_and_a_forged_one_replaced(access_log) -> None:
    kept = Client().get("/healthz", headers={"X-Request-ID": "nginx-4f2a.7"})
    forged = Client().get("/healthz", headers={"X-Request-ID": "x\", \"level\": \"ERROR"})
    assert kept["X-Request-ID"] == "nginx-4f2a.7"
    assert forged["X-Request-ID"] != "x\", \"level\": \"ERROR" and len(forged["X-Request-ID"]) == 32
    assert [line["request_id"] for line in _lines(access_log)] == ["nginx-4f2a.7", forged["X-Request-ID"]]
    assert all(line["level"] == "INFO" for line in _lines(access_log))


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.operations")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("a broken FLAC")
        except ValueError:
            logger.exception("ingest failed", extra={"track_id": 7})
    finally:
        logger.removeHandler(handler)
    [line] = _lines(stream)
    assert line["message"] == "ingest failed" and line["track_id"] == 7 and line["level"] == "ERROR"
    assert "ValueError: a broken FLAC" in line["exception"] and line["request_id"] == ""
