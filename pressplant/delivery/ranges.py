"""HTTP Range requests (RFC 9110 §14): which bytes of a file of known size and validator to send.

Pure. One range is served (206); several ranges are answered with the whole file (200), as RFC 9110
allows, which also refuses abusive multi-range requests; an unsatisfiable range is 416. `If-Range`
with a validator that no longer matches means the file changed: the whole file again (200).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BYTES_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RangeAnswer:
    status: int
    """200 (the whole file), 206 (a part) or 416 (nothing)."""
    start: int = 0
    end: int = 0
    """Inclusive last byte; for 200 the last byte of the file."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1 if self.status != 416 else 0

    def content_range(self, size_bytes: int) -> str | None:
        if self.status == 206:
            return f"bytes {self.start}-{self.end}/{size_bytes}"
        if self.status == 416:
            return f"bytes */{size_bytes}"
        return None


def answer(range_header: str | None, if_range: str | None, size_bytes: int, etag: str,
           last_modified: str) -> RangeAnswer:
    """What to send for a GET with these headers, of a file of `size_bytes` with these validators."""
    whole = RangeAnswer(200, 0, size_bytes - 1)
    if not range_header or (if_range and if_range.strip() not in (etag, last_modified)):
        return whole
    match = _BYTES_RANGE.match(range_header)
    if match is None:  # several ranges, or another unit: the whole file
        return whole
    first, last = match.groups()
    if not first and not last:
        return whole
    if not first:  # the final `last` bytes
        suffix = int(last)
        if suffix == 0:
            return RangeAnswer(416)
        return RangeAnswer(206, max(0, size_bytes - suffix), size_bytes - 1)
    start = int(first)
    if last and int(last) < start:  # an invalid range is ignored (RFC 9110 §14.1.1)
        return whole
    if start >= size_bytes:
        return RangeAnswer(416)
    return RangeAnswer(206, start, min(int(last), size_bytes - 1) if last else size_bytes - 1)
