"""Album ZIPs streamed as they are produced: never built in memory or on disk first.

`stream_zip()` turns members (opened only when their turn comes) into the bytes of one ZIP file,
handed out in chunks as soon as they exist. Audio is stored, not deflated (it is compressed already);
sizes and CRCs follow each member in a data descriptor, so nothing ever seeks back. Pure: no Django.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

_COPY_BYTES = 256 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ZipMember:
    name: str
    size_bytes: int
    """The member's size, or a bound it will not exceed: it decides only whether the entry needs ZIP64."""
    open: Callable[[], AbstractContextManager[Readable]]
    """Opens the member's bytes; called only when the member's turn comes. Its header is sent before the
    first read, so a member whose bytes are still being made may block in read()."""


class _Sink:
    """A write-only file for zipfile: what it writes waits in `chunks` until the stream takes it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        if data:
            self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: chunks are taken by the stream."""

    def take(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def stream_zip(members: Iterable[ZipMember]) -> Iterator[bytes]:
    """The ZIP of `members`, in their order, as a stream of byte chunks."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[call-overload]
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=(2000, 1, 1, 0, 0, 0))
            info.file_size = member.size_bytes
            info.external_attr = 0o644 << 16
            with member.open() as source, archive.open(info, "w", force_zip64=member.size_bytes > 2**31) as target:
                yield from sink.take()  # the header goes out now, even if the first read has to wait
                while chunk := source.read(_COPY_BYTES):
                    target.write(chunk)
                    yield from sink.take()
            yield from sink.take()
    yield from sink.take()

