"""A buyer over real HTTP, against `pressplant serve`: sign up, top up with a voucher, buy an album in
FLAC and a track in MP3 V0, download both, resume an interrupted download with curl and wget, and check
the files with independent readers."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import served
from tests.catalogue.masters import image_bytes, tag, write_sine
from tests.independent import audio_stream, decoded_samples, ffprobe, require, tool_output
from tests.served import Buyer
from tests.together import free_port, wait_for_port

BIN = Path(sys.executable).parent


class Store(served.Store, Buyer):
    """The store's home, its command line, and a buyer's API client of the store served on `port`."""

    def __init__(self, home: Path) -> None:
        served.Store.__init__(self, home)
        self.port = free_port()
        Buyer.__init__(self, f"http://127.0.0.1:{self.port}")


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "home")
    album = tmp_path / "drop" / "Album"
    for n in (1, 2):
        tag(write_sine(album / f"0{n}.flac", seconds=2.0, freq_hz=330.0 * n),
            picture=image_bytes("JPEG", 200) if n == 1 else None, title=f"Song {n}", artist="Web Band",
            albumartist="Web Band", album="Over HTTP", tracknumber=str(n), isrc=f"GBAYE260000{n}",
            barcode="5012345678900", date="2026-01-02")
    store.cli("ingest", str(tmp_path / "drop"))
    server = subprocess.Popen([str(BIN / "pressplant"), "serve", "--port", str(store.port)], env=store.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(store.port)
    yield store
    server.terminate()
    server.wait(timeout=30)


def test_a_buyer_buys_downloads_and_resumes_over_http(store, tmp_path):
    curl, wget = require("curl"), require("wget")
    code = store.cli("vouchers", "create", "--amount", "20.00", "--currency", "GBP").strip()
    login = {"email": "fan@example.com", "password": "a long pass phrase 7"}
    assert store.call("POST", "/api/v1/accounts", {**login, "country": "GB"})[0] == 201
    status, body = store.call("POST", "/api/v1/tokens", login)
    assert status == 200
    store.token = body["token"]
    assert store.call("POST", "/api/v1/wallet/vouchers", {"code": code})[0] == 200
    status, releases = store.call("GET", "/api/v1/releases?q=Over")
    release = releases["items"][0]
    status, detail = store.call("GET", f"/api/v1/releases/{release['id']}")
    track_id = detail["tracks"][0]["id"]
    order = {"items": [{"release_id": release["id"], "format": "flac"}, {"track_id": track_id, "format": "mp3-v0"}]}
    status, placed = store.call("POST", "/api/v1/orders", order, **{"Idempotency-Key": "e2e-1"})
    assert status == 201, placed
    assert store.call("POST", "/api/v1/orders", order, **{"Idempotency-Key": "e2e-1"})[1]["id"] == placed["id"]
    status, wallet = store.call("GET", "/api/v1/wallet")
    assert wallet["balance"]["amount_minor"] == 2000 - placed["total"]["amount_minor"]

    items = store.call("GET", "/api/v1/library")[1]["items"]
    auth = f"Authorization: Bearer {store.token}"
    album_url = next(i["download_url"] for i in items if i["kind"] == "release")
    track_url = next(i["download_url"] for i in items if i["kind"] == "track")

    album = tmp_path / "album.zip"
    subprocess.run([curl, "-sf", "-H", auth, "-o", str(album), album_url], check=True)
    archive = zipfile.ZipFile(album)
    flacs = [n for n in archive.namelist() if n.endswith(".flac")]
    assert len(flacs) == 2 and archive.namelist()[0] == "cover.jpg"
    for name in flacs:
        out = tmp_path / name
        out.write_bytes(archive.read(name))
        assert tool_output("flac", "-t", "-s", str(out)).returncode == 0
        assert decoded_samples(out) == 2 * 44_100

    whole = tmp_path / "whole.mp3"
    subprocess.run([curl, "-sf", "-H", auth, "-o", str(whole), track_url], check=True)
    assert audio_stream(ffprobe(whole))["codec_name"] == "mp3" and decoded_samples(whole) == 2 * 44_100
    for tool in ("curl", "wget"):
        part = tmp_path / f"resumed-by-{tool}.mp3"
        part.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])  # the connection dropped here
        if tool == "curl":
            subprocess.run([curl, "-sf", "-C", "-", "-H", auth, "-o", str(part), track_url], check=True)
        else:
            subprocess.run([wget, "-q", "-c", "--header", auth, "-O", str(part), track_url], check=True)
        assert part.read_bytes() == whole.read_bytes(), f"{tool} resumed to a different file"

    other = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", track_url], capture_output=True,
                           text=True)
    assert other.stdout == "403"
    assert json.loads(store.cli("ledger", "verify", "--json"))["ok"]
