"""Media on S3-compatible storage: ingest and renditions go through Django's storage API to a bucket.

A local S3-compatible server (moto's server mode, on 127.0.0.1) stands in for S3; the store runs in
child processes configured by environment variables only, as an operator would configure it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pressplant.demo import MasterSpec, write_master
from tests.catalogue.masters import tag
from tests.independent import require
from tests.served import Buyer, Store
from tests.together import free_port, wait_for_port

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not (BIN / "moto_server").exists(),
                                reason="moto[server] is not installed (pip install -e '.[test]')")

CLIENT = """
import django, json
django.setup()
from pressplant.catalogue.models import Track
from pressplant.delivery.cache import get_or_create_rendition
track = Track.objects.get()
rendition = get_or_create_rendition(track, "opus-96")
print(json.dumps({"master": track.master.storage_key, "rendition": rendition.storage_key,
                  "size_bytes": rendition.size_bytes}))
"""


@pytest.fixture
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, seconds=30)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


def test_masters_and_renditions_live_in_the_bucket(s3_endpoint, tmp_path):
    import boto3

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"PRESSPLANT_HOME": str(tmp_path / "home"), "PRESSPLANT_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "pressplant-media", "AWS_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_S3_REGION_NAME": "us-east-1",
            "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="test",
                      aws_secret_access_key="test")
    s3.create_bucket(Bucket="pressplant-media")
    drop = tmp_path / "drop"
    drop.mkdir()
    tag(write_master(drop / "01.flac", MasterSpec(seed=9, seconds=2)), title="Cloud", artist="A", album="S3",
        tracknumber="1")

    ingest = subprocess.run([str(BIN / "pressplant"), "ingest", "--json", str(drop)], env=env,
                            capture_output=True, text=True, timeout=180)
    assert ingest.returncode == 0, ingest.stderr
    client = subprocess.run([sys.executable, "-c", CLIENT], env=env, capture_output=True, text=True, timeout=180)
    assert client.returncode == 0, client.stderr
    result = json.loads(client.stdout.strip().splitlines()[-1])

    keys = {obj["Key"]: obj["Size"] for obj in s3.list_objects_v2(Bucket="pressplant-media")["Contents"]}
    assert keys[result["master"]] == (drop / "01.flac").stat().st_size
    assert keys[result["rendition"]] == result["size_bytes"]
    body = s3.get_object(Bucket="pressplant-media", Key=result["rendition"])["Body"].read()
    assert body[:4] == b"OggS"
    assert not list((tmp_path / "home").glob("media/**/*.flac")), "nothing of the media on local disk"


# -- downloads of a bought track from the bucket ---------------------------------------------------------

BUCKET = "pressplant-media"
TRACK_FILE_NAME = "01 Proxy Band - Song 1.mp3"  # what the store names track 1 of the album ingested below


def _bucket_env(endpoint: str) -> dict[str, str]:
    return {"PRESSPLANT_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_S3_REGION_NAME": "us-east-1"}


def _s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


def _curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require("curl"), "-s", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("mode", ["presigned", "presigned-public-endpoint", "proxy"])
def test_a_bought_track_downloads_from_the_bucket_whole_and_by_range(mode, s3_endpoint, tmp_path):
    """Given a store whose media is in a bucket and a buyer who bought a track, when they download it with
    curl, then they get the bucket's object byte for byte under the store's file name, ranges included;
    presigned: by a redirect to the bucket (signed for the public endpoint when one is set); proxy: from
    the app itself. Another buyer, or a forged link, gets 403 and no redirect. A public preview is never
    redirected to an expiring URL."""
    s3 = _s3_client(s3_endpoint)
    s3.create_bucket(Bucket=BUCKET)
    public = s3_endpoint.replace("127.0.0.1", "localhost")  # the same server under another host name
    store = Store(tmp_path / "home", **_bucket_env(s3_endpoint),
                  PRESSPLANT_S3_DOWNLOADS=mode.removesuffix("-public-endpoint"))
    if mode == "presigned-public-endpoint":
        store.env["PRESSPLANT_S3_PUBLIC_ENDPOINT_URL"] = public
    store.ingest_album(tmp_path / "drop", album="Cloud Songs", tracks=1)
    codes = store.cli("vouchers", "create", "--amount", "20.00", "--currency", "GBP", "--count", "2").split()

    with store.served() as base:
        fan, other = Buyer(base), Buyer(base)
        fan.sign_up("fan@example.com", codes[0])
        other.sign_up("other@example.com", codes[1])
        track_id = fan.release("Cloud")["tracks"][0]["id"]
        url = fan.buy([{"track_id": track_id, "format": "mp3-320"}], key="s3-download")[0]["download_url"]

        saved = tmp_path / "saved"
        saved.mkdir()
        whole = _curl("-fL", "-OJ", "--output-dir", str(saved), "-D", str(tmp_path / "headers"), "-H",
                      fan.auth_header, "-w", "%{http_code} %{num_redirects} %{url_effective}", url)
        assert whole.returncode == 0, whole.stderr
        rendition_key = _only_rendition(s3)
        stored = s3.get_object(Bucket=BUCKET, Key=rendition_key)["Body"].read()
        assert [p.name for p in saved.iterdir()] == [TRACK_FILE_NAME]
        assert (saved / TRACK_FILE_NAME).read_bytes() == stored
        status, redirects, effective = whole.stdout.split(" ", 2)
        final_headers = _last_response_headers((tmp_path / "headers").read_text())
        assert status == "200" and final_headers["content-type"] == "audio/mpeg"
        assert f'filename="{TRACK_FILE_NAME}"' in final_headers["content-disposition"]
        if mode == "proxy":
            assert redirects == "0" and effective == url
        else:
            assert redirects == "1" and effective.startswith((public if "public" in mode else s3_endpoint) + "/")
            assert "X-Amz-Algorithm=AWS4-HMAC-SHA256&" in effective, "signed with Signature Version 4"
            assert "X-Amz-Expires=300&" in effective, "valid for PRESSPLANT_S3_URL_SECONDS (default 300)"

        head = _curl("-fIL", "-o", "/dev/null", "-D", str(tmp_path / "head"), "-H", fan.auth_header, url)
        assert head.returncode == 0, head.stderr
        assert _last_response_headers((tmp_path / "head").read_text())["content-length"] == str(len(stored))

        part = tmp_path / "part"
        ranged = _curl("-fL", "-r", "1000-1999", "-H", fan.auth_header, "-o", str(part), "-w", "%{http_code}", url)
        assert ranged.stdout == "206" and part.read_bytes() == stored[1000:2000]
        resumed = tmp_path / "resumed.mp3"
        resumed.write_bytes(stored[: len(stored) // 3])  # the connection dropped here
        assert _curl("-fL", "-C", "-", "-H", fan.auth_header, "-o", str(resumed), url).returncode == 0
        assert resumed.read_bytes() == stored

        forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
        for auth, link in ((other.auth_header, url), (fan.auth_header, forged)):
            refused = _curl("-D", "-", "-o", "/dev/null", "-H", auth, "-w", "%{http_code}", link)
            assert refused.stdout.endswith("403") and "location:" not in refused.stdout.lower()

        # A preview is public and cached for a day: never a redirect to a URL that expires in minutes.
        preview = _curl("-f", "-D", "-", "-o", str(tmp_path / "preview.mp3"), f"{base}/preview/{track_id}.mp3")
        preview_headers = _last_response_headers(preview.stdout)
        assert preview.returncode == 0 and preview.stdout.split()[1] == "200", preview.stdout
        assert preview_headers["cache-control"] == "public, max-age=86400"
        assert preview_headers["content-disposition"].startswith("inline;")
        assert (tmp_path / "preview.mp3").read_bytes()[:3] in (b"ID3", b"\xff\xfb")


def _only_rendition(s3) -> str:
    keys = [obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET, Prefix="renditions/")["Contents"]]
    assert len(keys) == 1, keys
    return str(keys[0])


def _last_response_headers(dump: str) -> dict[str, str]:
    """The headers of the last response in a `curl -D` dump of several (a redirect and its target)."""
    last = dump.strip().split("\r\n\r\n")[-1]
    return {name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in last.splitlines()[1:])}


def test_the_proxy_asks_the_bucket_for_just_the_bytes_asked_for(s3_endpoint, settings):
    """Given a 3 MB object in the bucket, when a buyer asks the proxy for bytes 1000-1999, then the bucket is
    asked for exactly those bytes (one ranged GET), never for the whole object; a HEAD asks it for nothing."""
    import datetime

    from django.core.files.storage import storages
    from django.test import RequestFactory

    from pressplant.delivery.responses import stored_file_response

    s3 = _s3_client(s3_endpoint)
    s3.create_bucket(Bucket=BUCKET)
    data = os.urandom(3 * 1024 * 1024)
    s3.put_object(Bucket=BUCKET, Key="renditions/aa/big.flac", Body=data)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1", "access_key": "test",
        "secret_key": "test"}}}
    settings.PRESSPLANT_S3_DOWNLOADS = "proxy"
    asked: list[bytes | None] = []  # the Range header of every GET the app sends the bucket
    storages["default"].connection.meta.client.meta.events.register(
        "before-send.s3.GetObject", lambda request, **_: asked.append(request.headers.get("Range")))

    response = stored_file_response(
        RequestFactory().get("/download/x", headers={"Range": "bytes=1000-1999"}), key="renditions/aa/big.flac",
        size_bytes=len(data), sha256="abc", modified_at=datetime.datetime.now(datetime.UTC),
        filename="big.flac", content_type="audio/flac")

    assert response.status_code == 206 and b"".join(response.streaming_content) == data[1000:2000]
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert asked == [b"bytes=1000-1999"]

    head = stored_file_response(
        RequestFactory().head("/download/x"), key="renditions/aa/big.flac", size_bytes=len(data), sha256="abc",
        modified_at=datetime.datetime.now(datetime.UTC), filename="big.flac", content_type="audio/flac")
    assert head.status_code == 200 and head["Content-Length"] == str(len(data))
    assert b"".join(head.streaming_content) == b"" and asked == [b"bytes=1000-1999"], "HEAD fetches nothing"
