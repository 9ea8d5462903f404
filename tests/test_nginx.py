"""Debian's nginx in front of `pressplant serve`, configured by the very site file docs/deploy.md documents
(docs/nginx/pressplant.conf), over TLS: a buyer buys through it and downloads with curl.

nginx runs in the foreground with its own prefix, pid, logs and temporary paths on a free port, needing no
privilege; run as root (as CI runs), its workers stay root so that they can read the test's files.
"""

from __future__ import annotations

import datetime
import grp
import os
import pwd
import re
import shutil
import ssl
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

import pytest

from tests.independent import require
from tests.served import Buyer, Store
from tests.together import free_port, wait_for_port

SITE = Path(__file__).resolve().parent.parent / "docs" / "nginx" / "pressplant.conf"
ACCEL_PREFIX = "/protected-media/"


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")  # sbin: not on a user's PATH
    if found is None:
        pytest.skip("nginx is not installed (Debian package nginx; .ci/run installs it)")
    return found


@dataclass
class Proxied:
    base: str
    """https://127.0.0.1:port, nginx's address."""
    cacert: Path
    home: Path
    store: Store
    access_log: Path

    def curl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([require("curl"), "-s", "--cacert", str(self.cacert), *args], capture_output=True,
                              text=True, timeout=300)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    """A store with one album (two tracks), its static files collected, served behind nginx over TLS; each
    test comes as a buyer of its own."""
    nginx = _nginx()
    tmp_path = tmp_path_factory.mktemp("proxied")
    store = Store(tmp_path / "home", PRESSPLANT_X_ACCEL_REDIRECT_PREFIX=ACCEL_PREFIX,
                  PRESSPLANT_TRUST_X_FORWARDED_PROTO="1")
    store.ingest_album(tmp_path / "drop", album="Behind Nginx", tracks=2)
    store.django_admin("collectstatic", "--noinput", "--verbosity", "0")
    cert, key = _self_signed_certificate(tmp_path / "tls")
    port = free_port()
    prefix = tmp_path / "nginx"
    with store.served() as app:
        site = Template(SITE.read_text()).safe_substitute(  # nginx's own $variables stay
            PRESSPLANT_LISTEN=f"127.0.0.1:{port}", PRESSPLANT_SERVER_NAME="127.0.0.1",
            PRESSPLANT_TLS_CERTIFICATE=str(cert), PRESSPLANT_TLS_CERTIFICATE_KEY=str(key),
            PRESSPLANT_APP=app.removeprefix("http://"), PRESSPLANT_MEDIA_ROOT=str(store.home / "media"),
            PRESSPLANT_STATIC_ROOT=str(store.home / "static"), PRESSPLANT_ACCESS_LOG=str(prefix / "access.log"))
        assert not re.findall(r"\$\{PRESSPLANT_[A-Z_]+\}", site), "a placeholder the test does not fill"
        conf = _main_config(nginx, prefix, site)
        server = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"),
                                   "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            try:
                wait_for_port(port, seconds=20)
            except OSError:
                pytest.fail(f"nginx did not start: {(prefix / 'error.log').read_text(errors='replace')}")
            yield Proxied(f"https://127.0.0.1:{port}", cert, store.home, store, prefix / "access.log")
        finally:
            server.terminate()
            server.wait(timeout=30)


_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _main_config(nginx: str, prefix: Path, site: str) -> Path:
    """What Debian's /etc/nginx/nginx.conf provides, in `prefix`: pid, logs and temporary paths of our own."""
    for folder in ("conf", "logs", *_TEMP_PATHS):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "conf" / "pressplant.conf").write_text(site)
    built_with = subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr
    conf_path = re.search(r"--conf-path=(\S+)", built_with)
    mime_types = Path(conf_path.group(1)).parent / "mime.types" if conf_path else None
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    conf = prefix / "conf" / "nginx.conf"
    conf.write_text("\n".join([
        user if os.geteuid() == 0 else "",
        "worker_processes 1;",
        f"pid {prefix}/nginx.pid;",
        f"error_log {prefix}/error.log warn;",
        "events { worker_connections 128; }",
        "http {",
        f"    include {mime_types};" if mime_types and mime_types.exists() else "",
        "    default_type application/octet-stream;",
        *(f"    {kind}_temp_path {prefix}/{kind};" for kind in _TEMP_PATHS),
        f"    include {prefix / 'conf' / 'pressplant.conf'};",
        "}",
    ]) + "\n")
    return conf


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made now (curl trusts it by --cacert)."""
    pytest.importorskip("cryptography", reason="cryptography (installed with moto[server]) makes the test's TLS "
                                               "certificate")
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _headers(dump: str) -> dict[str, str]:
    """The headers of the (last) response in a `curl -D` dump, names in lower case."""
    last = dump.strip().split("\r\n\r\n")[-1]
    return {name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in last.splitlines()[1:])}


def test_a_purchase_downloads_through_nginx_whole_by_range_and_resumed(proxied: Proxied, tmp_path: Path):
    """Given a buyer who bought a track through nginx, when they download it, then nginx sends the stored
    rendition itself (Server: nginx, no X-Accel-Redirect leaking), a range is exactly those bytes, and an
    interrupted download resumes to the exact file; the media location and forged links give nothing."""
    buyer = _buyer_with_money(proxied, "track-fan@example.com")
    release = buyer.release("Behind")
    library = buyer.buy([{"track_id": release["tracks"][0]["id"], "format": "mp3-320"}], key="nginx-track")
    url = library[0]["download_url"]
    assert url.startswith(proxied.base + "/download/"), "the app's links point back through nginx, over https"

    whole = tmp_path / "whole.mp3"
    got = proxied.curl("-f", "-D", "-", "-o", str(whole), "-H", buyer.auth_header, url)
    assert got.returncode == 0, got.stderr
    headers = _headers(got.stdout)
    renditions = list((proxied.home / "media" / "renditions").rglob("mp3-320-*.mp3"))
    assert len(renditions) == 1 and whole.read_bytes() == renditions[0].read_bytes()
    assert headers["server"].startswith("nginx") and "x-accel-redirect" not in headers
    assert headers["content-type"] == "audio/mpeg"
    assert 'filename="01 Proxy Band - Song 1.mp3"' in headers["content-disposition"]
    stored = renditions[0].read_bytes()

    part = tmp_path / "part"
    ranged = proxied.curl("-f", "-r", "1000-1999", "-o", str(part), "-w", "%{http_code}", "-H", buyer.auth_header,
                          url)
    assert ranged.stdout == "206" and part.read_bytes() == stored[1000:2000]
    resumed = tmp_path / "resumed.mp3"
    resumed.write_bytes(stored[: len(stored) // 2])  # the connection dropped here
    assert proxied.curl("-f", "-C", "-", "-o", str(resumed), "-H", buyer.auth_header, url).returncode == 0
    assert resumed.read_bytes() == stored

    internal = ACCEL_PREFIX + renditions[0].relative_to(proxied.home / "media").as_posix()
    for auth in ((), ("-H", buyer.auth_header)):
        direct = proxied.curl("-o", "/dev/null", "-w", "%{http_code}", *auth, proxied.base + internal)
        assert direct.stdout == "404", "the media location answers only the app's X-Accel-Redirect"
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    refused = proxied.curl("-o", str(tmp_path / "refused"), "-w", "%{http_code}", "-H", buyer.auth_header, forged)
    assert refused.stdout == "403" and b"ID3" not in (tmp_path / "refused").read_bytes()


def test_a_release_zip_streams_through_nginx(proxied: Proxied, tmp_path: Path):
    """Given a buyer who bought an album in FLAC, when they download it through nginx, then a ZIP arrives as
    a stream (no Content-Length: it is made while sent) that `unzip -t` finds whole, with both tracks; the
    request id the buyer sees is the one in nginx's access log."""
    unzip = require("unzip")
    buyer = _buyer_with_money(proxied, "album-fan@example.com")
    release = buyer.release("Behind")
    library = buyer.buy([{"release_id": release["id"], "format": "flac"}], key="nginx-zip")
    album = tmp_path / "album.zip"
    got = proxied.curl("-f", "-D", "-", "-o", str(album), "-H", buyer.auth_header, library[0]["download_url"])
    assert got.returncode == 0, got.stderr
    headers = _headers(got.stdout)
    assert headers["server"].startswith("nginx") and "content-length" not in headers
    assert headers["content-type"] == "application/zip"
    tested = subprocess.run([unzip, "-t", str(album)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout
    names = zipfile.ZipFile(album).namelist()
    assert sorted(n for n in names if n.endswith(".flac")) == ["01 Proxy Band - Song 1.flac",
                                                                  "02 Proxy Band - Song 2.flac"]
    assert _logged(proxied.access_log, f"request_id={headers['x-request-id']}")


def test_nginx_serves_static_files_and_keeps_metrics_private(proxied: Proxied):
    """Static files come from the collected folder by nginx, over TLS only; /metrics is not public."""
    css = proxied.home / "static" / "admin" / "css" / "base.css"
    got = proxied.curl("-f", "-D", "-", "-o", "-", proxied.base + "/static/admin/css/base.css")
    assert got.returncode == 0 and got.stdout.endswith(css.read_text())
    headers = _headers(got.stdout.split("\r\n\r\n")[0])
    assert headers["content-type"].startswith("text/css") and "max-age" in headers["strict-transport-security"]
    metrics = proxied.curl("-o", "/dev/null", "-w", "%{http_code}", proxied.base + "/metrics")
    assert metrics.stdout == "404"


def _logged(log: Path, text: str, seconds: float = 5) -> bool:
    """Whether `text` is in `log` within `seconds` (nginx writes the line as the request ends, which may be
    just after the client has its last byte)."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _buyer_with_money(proxied: Proxied, email: str) -> Buyer:
    code = proxied.store.cli("vouchers", "create", "--amount", "50.00", "--currency", "GBP").strip()
    buyer = Buyer(proxied.base, tls=ssl.create_default_context(cafile=str(proxied.cacert)))
    buyer.sign_up(email, code)
    return buyer
