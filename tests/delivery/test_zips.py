"""Album ZIPs streamed member by member, read back by independent readers."""

from __future__ import annotations

import io
import os
import subprocess
import threading
import zipfile

from pressplant.delivery.zips import ZipMember, stream_zip
from tests.independent import require


def _members(payloads: dict[str, bytes], opened: list[str]) -> list[ZipMember]:
    def opener(name: str, data: bytes):
        def open_member():
            opened.append(name)
            return io.BytesIO(data)
        return open_member
    return [ZipMember(name, len(data), opener(name, data)) for name, data in payloads.items()]


def test_the_zip_holds_every_member_in_order_and_byte_identical(tmp_path):
    payloads = {"cover.jpg": os.urandom(5_000), "01 Первая.flac": os.urandom(700_000),
                "02 Second.flac": os.urandom(300_000), "manifest.json": b"{}"}
    opened: list[str] = []
    path = tmp_path / "album.zip"
    path.write_bytes(b"".join(stream_zip(_members(payloads, opened))))
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(payloads)
        assert all(archive.read(name) == data for name, data in payloads.items())
    result = subprocess.run([require("unzip"), "-t", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and "No errors detected" in result.stdout


def test_members_are_opened_only_when_their_turn_comes():
    opened: list[str] = []
    stream = stream_zip(_members({"a": b"x" * 1_000_000, "b": b"y" * 10}, opened))
    first = next(stream)
    assert first.startswith(b"PK\x03\x04") and opened == ["a"]
    rest = list(stream)
    assert opened == ["a", "b"] and len(rest) > 1


class _NotReadyYet:
    """A member whose bytes are still being made: reading it before `ready` is set is an error here."""

    def __init__(self, data: bytes, ready: threading.Event) -> None:
        self._data, self._ready = io.BytesIO(data), ready

    def read(self, size: int = -1, /) -> bytes:
        assert self._ready.is_set(), "read before the bytes were ready"
        return self._data.read(size)

    def __enter__(self) -> _NotReadyYet:
        return self

    def __exit__(self, *_: object) -> None:
        self._data.close()


def test_a_members_header_goes_out_before_its_first_read(tmp_path):
    ready = threading.Event()
    data = os.urandom(300_000)
    stream = stream_zip([ZipMember("01 Slow.mp3", len(data), lambda: _NotReadyYet(data, ready))])

    header = next(stream)  # nothing read yet: a reader would have failed
    ready.set()
    rest = b"".join(stream)

    assert header.startswith(b"PK\x03\x04") and b"01 Slow.mp3" in header and len(header) < 100
    path = tmp_path / "slow.zip"
    path.write_bytes(header + rest)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("01 Slow.mp3") == data
