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
