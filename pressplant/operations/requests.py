"""Every request gets an id (the caller's `X-Request-ID` when it is a sane token, else a new one), sent
back in the response and logged with one access line: method, path, status, duration."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from pressplant.operations.logs import current_request_id

logger = logging.getLogger("pressplant.requests")

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
"""What an incoming id may look like: no spaces, no control characters (a log line is not a place for them)."""


def request_id_of(request: HttpRequest) -> str:
    offered = request.headers.get(HEADER, "")
    return offered if SANE_ID.fullmatch(offered) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_of(request)
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            return response
        finally:
            current_request_id.reset(token)
