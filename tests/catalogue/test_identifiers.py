"""ISRC and UPC/EAN: normalized as the standards write them; placeholders refused, never repaired."""

from __future__ import annotations

import pytest

from pressplant.catalogue.identifiers import InvalidBarcode, InvalidIsrc, normalize_barcode, normalize_isrc


@pytest.mark.parametrize(("raw", "expected"), [
    ("USRC17607839", "USRC17607839"),
    ("us-rc1-76-07839", "USRC17607839"),
    (" GB ABC 24 00001 ", "GBABC2400001"),
])
def test_isrc_is_normalized(raw, expected):
    assert normalize_isrc(raw) == expected


@pytest.mark.parametrize("raw", ["ISRC_Woot", "USRC1760783", "XX1230000001", "US0000000000", ""])
def test_bad_isrc_is_refused_with_the_value_in_the_message(raw):
    with pytest.raises(InvalidIsrc, match="ISRC"):
        normalize_isrc(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("012345678905", "012345678905"),  # UPC-A: the leading zero stays
    ("00094631432057", "00094631432057"),  # GTIN-14 from a real DDEX message
    ("5710261026118", "5710261026118"),
    ("4006381-333931", "4006381333931"),
])
def test_barcode_is_kept_as_a_string_of_digits(raw, expected):
    assert normalize_barcode(raw) == expected


@pytest.mark.parametrize("raw", ["012345678906", "ICPN_VALUE", "000000000000", "96385074", "1234"])
def test_bad_barcode_is_refused(raw):
    with pytest.raises(InvalidBarcode, match="UPC/EAN"):
        normalize_barcode(raw)
