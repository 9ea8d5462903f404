"""Every request gets an id (the caller's `X-Request-ID` when it is a sane token, else a new one), sent
back in the response and logged with one access line: method, path, status, duration. It is counted for
Prometheus too, under its route (the URL's name, or its pattern), never its path."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from pressplant.operations import metrics
from pressplant.operations.logs import current_request_id

logger = logging.getLogger("pressplant.requests")

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
"""What an incoming id may look like: no spaces, no control characters (a log line is not a place for them)."""
UNMATCHED_ROUTE = "unmatched"
"""The route of a request no URL pattern took (a 404, a redirect adding a slash)."""


def request_id_of(request: HttpRequest) -> str:
    offered = request.headers.get(HEADER, "")
    return offered if SANE_ID.fullmatch(offered) else uuid.uuid4().hex


def route_of(request: HttpRequest) -> str:
    """`storefront:release`, `api-v1:get_release`, or for an unnamed URL its pattern (`download/<str:token>`):
    one label value per URL of the store, whatever ids or tokens the path carried."""
    match = request.resolver_match
    if match is None:
        return UNMATCHED_ROUTE
    return match.view_name if match.url_name else match.route


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
            seconds = time.perf_counter() - started
            metrics.count_request(request.method or "", route_of(request), response.status_code, seconds)
            logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1)})
            return response
        finally:
            current_request_id.reset(token)
