"""Turning bytes into a safe element tree, and reading text out of it by the paths table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as DET

from .errors import DdexError
from .paths import Paths

_EXPAT_MESSAGE = re.compile(r"^(?P<reason>.*?): line (?P<line>\d+), column \d+$")


def load_root(data: bytes) -> ET.Element:
    """Parse through defusedxml: entities, external references and DTDs are refused, never expanded."""
    if not data.strip():
        raise DdexError("empty document: the message has no XML content")
    try:
        root: ET.Element = DET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise DdexError(f"hostile XML ({type(exc).__name__}): refused: the message declares an entity/DTD") from exc
    except ET.ParseError as exc:
        raise DdexError(_describe_parse_error(exc)) from exc
    return root


def _describe_parse_error(exc: ET.ParseError) -> str:
    """Expat says 'mismatched tag: line 12, column 4'; we say 'line 12: mismatched tag'."""
    found = _EXPAT_MESSAGE.match(str(exc))
    if found is None:
        line = exc.position[0]
        return f"line {line}: malformed XML: {exc}"
    return f"line {found['line']}: {found['reason']}"


def split_tag(tag: str) -> tuple[str, str]:
    """'{namespace}Local' -> ('namespace', 'Local'); an unqualified tag has namespace ''."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def clean(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None


def first_text(element: ET.Element, paths: Paths) -> str | None:
    """The first non-empty text found by any of the paths, tried in order."""
    for path in paths:
        for found in element.iterfind(path):
            text = clean(found.text)
            if text is not None:
                return text
    return None


def all_texts(element: ET.Element, paths: Paths) -> tuple[str, ...]:
    """Every non-empty text under the first path that yields any, in document order."""
    for path in paths:
        texts = tuple(t for t in (clean(found.text) for found in element.iterfind(path)) if t is not None)
        if texts:
            return texts
    return ()


def first_element(element: ET.Element, paths: Paths) -> ET.Element | None:
    for path in paths:
        found = element.find(path)
        if found is not None:
            return found
    return None


def all_elements(element: ET.Element, paths: Paths) -> list[ET.Element]:
    for path in paths:
        found = element.findall(path)
        if found:
            return found
    return []


def child_texts(element: ET.Element, name: str) -> tuple[str, ...]:
    """Texts of the direct children called `name` (e.g. every TerritoryCode of a DealTerms)."""
    return tuple(t for t in (clean(found.text) for found in element.findall(name)) if t is not None)


def is_true(element: ET.Element, name: str) -> bool:
    return (clean(element.findtext(name)) or "").lower() == "true"
