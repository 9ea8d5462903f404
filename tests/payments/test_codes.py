"""Voucher codes, pure: format, forgiving input, keyed hashing."""

from __future__ import annotations

import re

from pressplant.payments import codes


def test_a_new_code_is_four_groups_of_the_unambiguous_alphabet():
    code = codes.new_code()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", code), code
    assert not set("01OI") & set(code)


def test_codes_do_not_repeat():
    assert len({codes.new_code() for _ in range(1000)}) == 1000


def test_input_is_normalised_for_case_spaces_and_dashes():
    assert codes.normalise(" abcd-efgh jkmn-pqrs\n") == "ABCDEFGHJKMNPQRS"
    assert codes.normalise("ABCDEFGHJKMNPQRS") == "ABCDEFGHJKMNPQRS"


def test_text_that_cannot_be_a_code_is_rejected():
    assert codes.normalise("ABCD-EFGH-JKMN-PQR") is None  # 15 characters
    assert codes.normalise("ABCD-EFGH-JKMN-PQR0") is None  # 0 is not in the alphabet
    assert codes.normalise("") is None


def test_the_hash_depends_on_the_key_and_hides_the_code():
    first = codes.code_hash("ABCDEFGHJKMNPQRS", "key one")
    assert first != codes.code_hash("ABCDEFGHJKMNPQRS", "key two")
    assert len(first) == 64 and "ABCD" not in first
