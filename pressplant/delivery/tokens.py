"""Signed download links: what may be downloaded, by whom, until when, sealed with an HMAC.

A token names the buyer, the item (a track or a release), the format and the expiry; the signature
covers all of it. A token for another buyer, a changed field or a past expiry is refused: the view
answers 403 and sends no bytes. Pure: the secret and the clock come in as arguments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass


class LinkError(Exception):
    """A download link that must not be honoured; the message says why (for logs, not for buyers)."""


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    customer_id: int
    kind: str
    """"track" or "release"."""
    item_id: int
    format_name: str
    expires_at: int
    """Unix seconds."""


_KINDS = ("track", "release")


def sign(grant: DownloadGrant, secret: bytes) -> str:
    """The URL-safe token for `grant`: base64(JSON payload) "." base64(HMAC-SHA256 of the payload)."""
    if grant.kind not in _KINDS:
        raise ValueError(f"unknown item kind {grant.kind!r}")
    payload = json.dumps(asdict(grant), sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload, secret))}"


def verify(token: str, secret: bytes, *, customer_id: int, now: int) -> DownloadGrant:
    """The grant inside `token` if its signature holds, it is `customer_id`'s, and it has not expired."""
    try:
        payload_text, mac_text = token.split(".", 1)
        payload = _unb64(payload_text)
        mac = _unb64(mac_text)
    except (ValueError, TypeError):
        raise LinkError("malformed link") from None
    if not hmac.compare_digest(mac, _mac(payload, secret)):
        raise LinkError("bad signature")
    try:
        grant = DownloadGrant(**json.loads(payload))
    except (ValueError, TypeError):
        raise LinkError("malformed payload") from None
    if grant.customer_id != customer_id:
        raise LinkError(f"link of customer {grant.customer_id} used by customer {customer_id}")
    if grant.expires_at <= now:
        raise LinkError(f"link expired at {grant.expires_at}")
    return grant


def _mac(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, b"pressplant-download\0" + payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Decode, refusing any text that is not exactly what `_b64` writes: base64's last character has
    spare bits, and a link with them changed must not pass for the original."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not canonical base64")
    return data
