"""/healthz: the process is up (no dependency touched, so a slow database never restarts a healthy web
process). /readyz: every check in `checks.CHECKS` passes; 503 with the failing ones otherwise, so a load
balancer stops sending traffic to a process that cannot serve it."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pressplant.health.checks import run_checks


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
