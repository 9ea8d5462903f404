"""Recording and product identifiers: ISRC for tracks, UPC/EAN (DDEX ICPN) for releases.

Values come from tags and from labels' feeds, where placeholders survive ("ISRC_Woot", all zeros).
Validate them and keep them exactly as the standard writes them; never repair or guess one.
"""

from __future__ import annotations

from stdnum import ean, isrc
from stdnum.exceptions import ValidationError

PRODUCT_CODE_LENGTHS = {12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
"""The lengths a release's product code (DDEX ICPN) has; EAN-8 is for small goods, not releases."""


class InvalidIdentifier(ValueError):
    """An identifier that is malformed, fails its check, or is a placeholder."""


class InvalidIsrc(InvalidIdentifier):
    pass


class InvalidBarcode(InvalidIdentifier):
    pass


def normalize_isrc(value: str) -> str:
    """The ISRC in its 12-character form ("USRC17607839"): hyphens and spaces stripped, upper case.

    ISRC has no check digit, so the format (country, registrant, year, designation) is all there is to
    check; an all-zero registrant, year and designation is a placeholder, not a recording.
    """
    try:
        code = isrc.validate(value)
    except ValidationError:
        raise InvalidIsrc(f"ISRC {value!r} is not a valid ISRC") from None
    if set(code[2:]) == {"0"}:
        raise InvalidIsrc(f"ISRC {value!r} is a placeholder, not a valid ISRC")
    return str(code)


def normalize_barcode(value: str) -> str:
    """The UPC-A, EAN-13 or GTIN-14 as digits, leading zeros kept, GS1 check digit verified."""
    try:
        code = str(ean.validate(value))
    except ValidationError:
        raise InvalidBarcode(f"UPC/EAN {value!r} is not a valid UPC or EAN (GS1 check digit)") from None
    if len(code) not in PRODUCT_CODE_LENGTHS:
        raise InvalidBarcode(f"UPC/EAN {value!r} is not a UPC-A, EAN-13 or GTIN-14")
    if set(code) == {"0"}:
        raise InvalidBarcode(f"UPC/EAN {value!r} is a placeholder, not a valid UPC or EAN")
    return code
