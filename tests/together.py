"""Helpers for tests that start servers or many threads at once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, connections

T = TypeVar("T")


def run_together(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run `work(i)` in `count` threads released at the same moment; each result or the exception raised.

    On PostgreSQL at most 60 hold a database connection at a time (the server allows 100 clients), as a
    pool of web workers would; SQLite has no such limit. Every thread closes its connection."""
    barrier = threading.Barrier(count)
    allowed = threading.Semaphore(60 if connection.vendor == "postgresql" else count)
    results: list[T | BaseException] = [RuntimeError("did not run")] * count

    def run(index: int) -> None:
        barrier.wait()
        with allowed:
            try:
                results[index] = work(index)
            except BaseException as exc:  # the tests count refusals
                results[index] = exc
            finally:
                connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 60) -> None:
    """Return once something listens on 127.0.0.1:`port`; raise after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
