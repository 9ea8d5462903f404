"""Download links for what a buyer is entitled to: signed, expiring, bound to the buyer."""

from __future__ import annotations

import time

from django.conf import settings
from django.urls import reverse

from pressplant.delivery.tokens import DownloadGrant, sign, verify

LINK_SECONDS = 24 * 3600
"""How long a download link works; the library page always makes fresh ones."""


def _secret() -> bytes:
    return ("download-links:" + settings.SECRET_KEY).encode()


def download_token(customer_id: int, kind: str, item_id: int, format_name: str, *, now: int | None = None,
                   ttl_seconds: int = LINK_SECONDS) -> str:
    expires_at = (now if now is not None else int(time.time())) + ttl_seconds
    return sign(DownloadGrant(customer_id, kind, item_id, format_name, expires_at), _secret())


def download_path(customer_id: int, kind: str, item_id: int, format_name: str) -> str:
    """The path of a fresh signed link (the URL named "download", served by the interfaces)."""
    return reverse("download", kwargs={"token": download_token(customer_id, kind, item_id, format_name)})


def read_token(token: str, customer_id: int) -> DownloadGrant:
    """The grant in `token` for `customer_id`; raises tokens.LinkError when it must not be honoured."""
    return verify(token, _secret(), customer_id=customer_id, now=int(time.time()))
