"""Background jobs of accounts: they take plain values, are idempotent, and call one action each."""

from __future__ import annotations

from django.conf import settings

from pressplant.accounts.actions import forget_old_login_attempts
from pressplant.celery import app


@app.task(acks_late=True, reject_on_worker_lost=True)
def forget_old_sign_ins() -> int:
    """Delete the sign-in records older than PRESSPLANT_LOGIN_RECORD_DAYS (the daily beat entry); how many."""
    return forget_old_login_attempts(settings.PRESSPLANT_LOGIN_RECORD_DAYS)
