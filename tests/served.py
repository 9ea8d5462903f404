"""A store as an operator runs it: `pressplant` commands and `pressplant serve` in child processes configured
by environment variables only, and a buyer who buys over the JSON API as any client would."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.catalogue.masters import image_bytes, tag, write_sine
from tests.together import free_port, wait_for_port

BIN = Path(sys.executable).parent


class Store:
    """One PRESSPLANT_HOME and the environment its processes get (the test run's database and broker are
    left out: the store keeps SQLite in its home and runs background work in process)."""

    def __init__(self, home: Path, **env: str) -> None:
        self.home = home
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
        self.env |= {"PRESSPLANT_HOME": str(home), **env}

    def cli(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "pressplant"), *args], env=self.env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def django_admin(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "django-admin"), *args], capture_output=True, text=True, timeout=300,
                                env=self.env | {"DJANGO_SETTINGS_MODULE": "pressplant.settings"})
        assert result.returncode == 0, result.stderr
        return result.stdout

    def ingest_album(self, folder: Path, *, album: str, tracks: int = 2, seconds: float = 2.0) -> None:
        """A release of `tracks` synthesized tracks with a front cover, ingested as a label's folder."""
        for n in range(1, tracks + 1):
            tag(write_sine(folder / album / f"0{n}.flac", seconds=seconds, freq_hz=330.0 * n),
                picture=image_bytes("JPEG", 200) if n == 1 else None, title=f"Song {n}", artist="Proxy Band",
                albumartist="Proxy Band", album=album, tracknumber=str(n), isrc=f"GBAYE270000{n}",
                date="2026-01-02")
        self.cli("ingest", str(folder))

    @contextmanager
    def served(self) -> Iterator[str]:
        """`pressplant serve` on a free port for the duration; yields its base URL."""
        port = free_port()
        log = (self.home / "serve.log").open("ab")
        server = subprocess.Popen([str(BIN / "pressplant"), "serve", "--port", str(port)], env=self.env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


class Buyer:
    """A buyer's API client against `base` (the app, or a proxy in front of it)."""

    def __init__(self, base: str, *, tls: ssl.SSLContext | None = None) -> None:
        self.base = base
        self.tls = tls
        self.token = ""

    def call(self, method: str, path: str, body: object = None, **headers: str) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", **headers})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120, context=self.tls) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def sign_up(self, email: str, voucher_code: str) -> None:
        """A new account in GB, signed in by API token, with the voucher's money in its wallet."""
        login = {"email": email, "password": "a long pass phrase 7"}
        status, body = self.call("POST", "/api/v1/accounts", {**login, "country": "GB"})
        assert status == 201, body
        status, body = self.call("POST", "/api/v1/tokens", login)
        assert status == 200, body
        self.token = body["token"]
        status, body = self.call("POST", "/api/v1/wallet/vouchers", {"code": voucher_code})
        assert status == 200, body

    def release(self, query: str) -> dict[str, Any]:
        status, found = self.call("GET", f"/api/v1/releases?q={query}")
        assert status == 200 and found["items"], found
        status, detail = self.call("GET", f"/api/v1/releases/{found['items'][0]['id']}")
        assert status == 200, detail
        return dict(detail)

    def buy(self, items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        """Order `items` and return the library's entries (each with its signed `download_url`)."""
        status, placed = self.call("POST", "/api/v1/orders", {"items": items}, **{"Idempotency-Key": key})
        assert status == 201, placed
        status, library = self.call("GET", "/api/v1/library")
        assert status == 200, library
        return list(library["items"])

    @property
    def auth_header(self) -> str:
        return f"Authorization: Bearer {self.token}"
