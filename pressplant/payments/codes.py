"""Voucher codes: made with `secrets`, read forgivingly, stored only as a keyed hash.

A code is 16 characters from a 32-symbol alphabet without the look-alikes 0/O and 1/I, shown as
`XXXX-XXXX-XXXX-XXXX`: 80 random bits, so guessing a valid code is hopeless even at millions of tries a
second. What a customer types is normalised (case, spaces, dashes) before hashing. The hash is an
HMAC-SHA256 keyed with the site's secret, so a copy of the database alone does not let anyone test
candidate codes offline. Consequence: rotating SECRET_KEY makes unredeemed codes unredeemable.

Pure: the key is an argument; no Django.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16
GROUP_LENGTH = 4
PREFIX_LENGTH = 4
_IGNORED = str.maketrans("", "", " -\t\n\r")


def new_code() -> str:
    """A fresh random code, grouped for reading aloud: `7KQM-V3XD-...`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise(text: str) -> str | None:
    """The 16 code characters of what a person typed, upper-cased; None if it cannot be a code."""
    raw = text.translate(_IGNORED).upper()
    if len(raw) != CODE_LENGTH or any(char not in ALPHABET for char in raw):
        return None
    return raw


def code_hash(normalised_code: str, key: str) -> str:
    """HMAC-SHA256 (hex) of a normalised code: what the database keeps instead of the code."""
    return hmac.new(key.encode(), normalised_code.encode(), hashlib.sha256).hexdigest()


def code_prefix(normalised_code: str) -> str:
    """The first characters, kept in clear so support can find a voucher a customer reads out."""
    return normalised_code[:PREFIX_LENGTH]
