"""Signed download links: only the buyer, only unchanged, only until they expire."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressplant.delivery.tokens import DownloadGrant, LinkError, sign, verify

SECRET = b"test-secret-not-a-real-one"
GRANT = DownloadGrant(customer_id=42, kind="release", item_id=7, format_name="flac", expires_at=2_000)


def test_the_buyer_gets_the_grant_back_before_it_expires():
    assert verify(sign(GRANT, SECRET), SECRET, customer_id=42, now=1_999) == GRANT


@pytest.mark.parametrize(("customer_id", "now", "reason"), [
    (43, 1_000, "link of customer 42 used by customer 43"),
    (42, 2_000, "link expired"),
])
def test_another_buyer_or_a_late_one_is_refused(customer_id, now, reason):
    with pytest.raises(LinkError, match=reason):
        verify(sign(GRANT, SECRET), SECRET, customer_id=customer_id, now=now)


def test_a_link_signed_with_another_secret_is_refused():
    with pytest.raises(LinkError, match="bad signature"):
        verify(sign(GRANT, b"another secret"), SECRET, customer_id=42, now=0)


@settings(max_examples=1000)
@given(st.integers(0, 200), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."))
def test_any_changed_character_is_refused(position, replacement):
    token = sign(GRANT, SECRET)
    position %= len(token)
    if token[position] == replacement:
        return
    tampered = token[:position] + replacement + token[position + 1:]
    with pytest.raises(LinkError):
        verify(tampered, SECRET, customer_id=42, now=0)


def test_the_spare_bits_of_the_last_base64_character_cannot_be_flipped():
    """The signature's last character carries 2 unused bits: a sibling character decodes to the same
    bytes, yet the link was changed and must be refused."""
    token = sign(GRANT, SECRET)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    sibling = alphabet[last ^ 1]
    with pytest.raises(LinkError):
        verify(token[:-1] + sibling, SECRET, customer_id=42, now=0)
