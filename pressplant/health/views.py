"""/healthz: the process is up (no dependency touched, so a slow database never restarts a healthy web
process). /readyz: every check in `checks.CHECKS` passes; 503 with the failing ones otherwise, so a load
balancer stops sending traffic to a process that cannot serve it. /metrics: Prometheus's scrape, for the
operator's scraper only (with PRESSPLANT_METRICS_TOKEN set, only with that token)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from pressplant.health.checks import run_checks
from pressplant.health.collectors import exposition


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    outcomes = run_checks()
    ready = all(outcome.ok for outcome in outcomes)
    body = {"status": "ready" if ready else "not ready",
            "checks": {o.name: "ok" if o.ok else o.problem for o in outcomes}}
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.PRESSPLANT_METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return HttpResponse("403 Forbidden: /metrics needs the scrape token (Authorization: Bearer <token>)\n",
                            status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
