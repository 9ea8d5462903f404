"""The `pressplant` command as a user runs it: a separate process, its own PRESSPLANT_HOME, output read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pressplant.demo import MasterSpec, write_master
from tests.catalogue.masters import tag
from tests.independent import audio_stream, decoded_samples, ffprobe
from tests.together import free_port

COMMAND = [str(Path(sys.executable).parent / "pressplant")]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["PRESSPLANT_HOME"] = str(home)
    command = COMMAND if Path(COMMAND[0]).exists() else [sys.executable, "-m", "pressplant.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=300)


def test_formats_lists_every_format_with_its_size_per_minute(home):
    result = run(home, "formats", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {"mp3-320", "mp3-v0", "aac-256", "opus-160", "flac", "flac-cd", "alac", "wav", "aiff"} <= set(rows)
    assert rows["mp3-320"]["mb_per_minute"] == pytest.approx(2.4, abs=0.05)
    table = run(home, "formats").stdout
    assert "mp3-320" in table and "320 kb/s" in table


def test_probe_describes_a_master_and_refuses_a_lossy_one(home, tmp_path):
    master = write_master(tmp_path / "m.flac", MasterSpec(seed=1, seconds=2, rate_hz=96_000, bits=24))
    result = run(home, "probe", "--json", str(master))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["codec"], data["sample_rate_hz"], data["bit_depth"], data["duration_ms"]) == ("FLAC", 96_000, 24, 2000)

    mp3 = tmp_path / "m.mp3"
    assert run(home, "encode", str(master), "--format", "mp3-128", "-o", str(mp3)).returncode == 0
    refused = run(home, "probe", str(mp3))
    assert refused.returncode == 1
    assert "m.mp3: MP3 is lossy; a master must be lossless" in refused.stderr
    assert refused.stdout == ""


def test_encode_writes_a_tagged_verified_file(home, tmp_path):
    master = write_master(tmp_path / "m.flac", MasterSpec(seed=2, seconds=3))
    out = tmp_path / "out.mp3"
    result = run(home, "encode", str(master), "-f", "mp3-v0", "-o", str(out), "--title", "Тест", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["size_bytes"] == out.stat().st_size
    if shutil.which("ffprobe"):
        info = ffprobe(out)
        assert audio_stream(info)["codec_name"] == "mp3"
        assert info["format"]["tags"]["title"] == "Тест"
        assert decoded_samples(out) == 3 * 44_100


def test_encode_errors_are_one_line_on_stderr_and_leave_nothing(home, tmp_path):
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + os.urandom(5000))
    out = tmp_path / "out.flac"
    result = run(home, "encode", str(broken), "-f", "flac", "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith("error: broken.flac:")
    assert not out.exists() and not (tmp_path / "out.flac.part").exists()
    unknown = run(home, "encode", str(broken), "-f", "mp3-999")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_ingest_twice_adds_then_changes_nothing(home, tmp_path):
    album = tmp_path / "drop" / "Album"
    album.mkdir(parents=True)
    for n in (1, 2):
        master = write_master(album / f"0{n}.flac", MasterSpec(seed=n, seconds=1.5))
        tag(master, title=f"Song {n}", artist="Artist", albumartist="Artist", album="Album",
            tracknumber=str(n), isrc=f"GBAYE260000{n}")
    (album / "notes.txt").write_text("ignored")
    first = run(home, "ingest", "--json", str(tmp_path / "drop"))
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["counts"]["added"] == 2 and report["tracks_added"] == 2
    second = json.loads(run(home, "ingest", "--json", str(tmp_path / "drop")).stdout)
    assert second["counts"]["unchanged"] == 2 and second["tracks_added"] == 0
    human = run(home, "ingest", str(tmp_path / "drop"))
    assert "2 unchanged" in human.stdout


def test_ingest_of_a_missing_folder_is_an_error(home, tmp_path):
    result = run(home, "ingest", str(tmp_path / "nowhere"))
    assert result.returncode == 1 and "nowhere: no such file or folder" in result.stderr


def test_demo_builds_its_catalogue_and_buyer_once(home):
    first = run(home, "demo", "--json", "--no-serve", "--port", "8123")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["ingest"]["counts"]["added"] >= 60 and len(data["ingest"]["releases_added"]) >= 8
    assert data["ingest"]["quarantined"] == []
    assert data["url"] == "http://127.0.0.1:8123/" and data["email"] and data["password"]
    again = json.loads(run(home, "demo", "--json", "--no-serve").stdout)
    assert again["ingest"]["counts"]["added"] == 0 and again["ingest"]["counts"]["unchanged"] >= 60
    labels = {path.name for path in (home / "demo-masters").iterdir()}
    assert len(labels) >= 3
    ledger = json.loads(run(home, "ledger", "verify", "--json").stdout)
    # the demo buyer's 50.00 and the sample UK buyer's 30.00, topped up once however often the demo runs
    assert ledger["ok"] and ledger["money_from_outside"]["GBP"]["amount_minor"] == 5_000 + 3_000
    assert ledger["money_from_outside"]["EUR"]["amount_minor"] == 2 * 3_000  # sample buyers in DE and FR
    assert data["label_email"] and data["label_password"]


def test_serve_answers_on_its_port(home):
    import time
    import urllib.request

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["PRESSPLANT_HOME"] = str(home)
    server = subprocess.Popen([*COMMAND, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5) as response:
                    assert response.status == 200 and b"Django" in response.read()
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_vouchers_are_printed_one_per_line_and_written_to_csv(home, tmp_path):
    result = run(home, "vouchers", "create", "--amount", "10.00", "--currency", "GBP", "--count", "100")
    assert result.returncode == 0, result.stderr
    codes = result.stdout.split()
    assert len(codes) == 100 == len(set(codes))
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    csv_path = tmp_path / "batch.csv"
    assert run(home, "vouchers", "create", "--amount", "5", "--currency", "eur", "--count", "3",
               "--csv", str(csv_path)).returncode == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "code,amount,currency" and len(lines) == 4 and lines[1].endswith(",5.00,EUR")
    refused = run(home, "vouchers", "create", "--amount", "0.001", "--currency", "GBP")
    assert refused.returncode == 1 and "more decimals than GBP allows" in refused.stderr


def test_ledger_verify_holds_and_names_a_tampered_balance(home):
    import sqlite3

    assert run(home, "ledger", "verify").returncode == 0
    redeem = ("import django; django.setup(); from pressplant.payments.actions import create_vouchers, "
              "redeem_voucher; from pressplant.money import Money; "
              "redeem_voucher(7, create_vouchers(Money(1000, 'GBP'), 1)[0])")
    env = {**os.environ, "PRESSPLANT_HOME": str(home), "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", redeem], env=env, check=True, timeout=120)
    held = json.loads(run(home, "ledger", "verify", "--json").stdout)
    assert held["ok"] and held["money_from_outside"]["GBP"] == {"amount_minor": 1000, "currency": "GBP"}
    with sqlite3.connect(home / "pressplant.sqlite3") as db:
        db.execute("UPDATE ledger_account SET balance_minor = 900 WHERE code = 'customer:7:wallet'")
    broken = run(home, "ledger", "verify")
    assert broken.returncode == 1 and "customer:7:wallet" in broken.stdout


def test_forget_logins_deletes_the_sign_in_records_older_than_the_days_kept(home):
    # given a store with two failed sign-ins recorded 40 days ago and one today
    record = ("import django; django.setup(); from datetime import timedelta; from django.utils import timezone; "
              "from pressplant.accounts.models import LoginAttempt as A; now = timezone.now(); "
              "A.objects.bulk_create([A(email='x@example.com', client_key='10.0.0.9', succeeded=False, "
              "attempted_at=now - timedelta(days=d)) for d in (40, 40, 0)])")
    assert run(home, "ledger", "verify").returncode == 0  # the store's database, made and migrated
    env = {**os.environ, "PRESSPLANT_HOME": str(home), "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", record], env=env, check=True, timeout=120)
    # when the operator forgets what is older than 30 days, twice
    first = run(home, "accounts", "forget-logins", "--days", "30")
    second = run(home, "accounts", "forget-logins", "--json")
    # then the old two went, the recent one stays, and a bad --days is refused
    assert first.returncode == 0 and first.stdout.strip() == "deleted 2 sign-in records older than 30 days"
    assert json.loads(second.stdout) == {"deleted": 0, "days": 30}
    refused = run(home, "accounts", "forget-logins", "--days", "0")
    assert refused.returncode == 1 and "--days must be at least 1" in refused.stderr
