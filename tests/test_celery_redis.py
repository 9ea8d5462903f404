"""Background work on a real Celery worker over Redis, as a scaled-out store runs it.

Runs when PRESSPLANT_TEST_REDIS_URL names a Redis server (`.ci/run` sets it): a worker process and a
client process share a PRESSPLANT_HOME (SQLite, media on disk) and the broker; nothing is eager.
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
from tests.independent import audio_stream, ffprobe

REDIS_URL = os.environ.get("PRESSPLANT_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="PRESSPLANT_TEST_REDIS_URL is not set: the Redis/Celery run is part of CI (.ci/run)"
)
BIN = Path(sys.executable).parent

CLIENT = """
import django, json, sys
django.setup()
from pressplant.catalogue.tasks import ingest_folder
from pressplant.catalogue.models import Track
from pressplant.delivery.models import Rendition
from pressplant.delivery.tasks import encode_rendition
report = ingest_folder.delay(sys.argv[1]).get(timeout=120)
track = Track.objects.get()
first = encode_rendition.delay(track.pk, "mp3-320").get(timeout=120)
again = encode_rendition.delay(track.pk, "mp3-320").get(timeout=120)
rendition = Rendition.objects.get(pk=first)
from django.core.files.storage import default_storage
print(json.dumps({"added": report["tracks_added"], "first": first, "again": again,
                  "renditions": Rendition.objects.count(), "path": default_storage.path(rendition.storage_key)}))
"""


def test_ingest_and_encode_run_on_a_celery_worker(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"PRESSPLANT_HOME": str(tmp_path / "home"), "REDIS_URL": REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    drop = tmp_path / "drop"
    drop.mkdir()
    tag(write_master(drop / "01.flac", MasterSpec(seed=5, seconds=2)), title="Worker Song", artist="A",
        album="Queue", tracknumber="1")
    subprocess.run([str(BIN / "pressplant"), "formats"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.core.management import "
                    "call_command; call_command('migrate', verbosity=0)"], env=env, check=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pressplant.celery", "worker", "--pool", "solo",
         "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        client = subprocess.run([sys.executable, "-c", CLIENT, str(drop)], env=env, capture_output=True,
                                text=True, timeout=240)
    finally:
        worker.terminate()
        log = worker.communicate(timeout=60)[0]
    assert client.returncode == 0, client.stderr + log[-3000:]
    result = json.loads(client.stdout.strip().splitlines()[-1])
    assert result["added"] == 1
    assert result["first"] == result["again"] and result["renditions"] == 1
    assert "encode_rendition" in log and "succeeded" in log, "the work ran on the worker, not in the client"
    assert audio_stream(ffprobe(Path(result["path"])))["codec_name"] == "mp3"
