"""Validation of ISRC, ICPN (UPC/EAN/GTIN) and GRid: placeholders are kept and reported, never fixed."""

from __future__ import annotations

from collections.abc import Callable

from stdnum import ean, grid, isrc


def _valid(check: Callable[[str], object]) -> Callable[[str], bool]:
    return lambda value: bool(check(value))


#: identifier kind -> (validator, the name used in problem sentences)
VALIDATORS: dict[str, tuple[Callable[[str], bool], str]] = {
    "ISRC": (_valid(isrc.is_valid), "a valid ISRC"),
    "ICPN": (_valid(ean.is_valid), "a valid ICPN (UPC/EAN)"),
    "GRid": (_valid(grid.is_valid), "a valid GRid"),
}


def identifier_problem(where: str, kind: str, value: str | None) -> str | None:
    """A sentence naming where an invalid identifier was found, or None when it is absent or valid."""
    if value is None:
        return None
    is_valid, expected = VALIDATORS[kind]
    if is_valid(value):
        return None
    return f"{where}: {kind} {value!r} is not {expected}"
