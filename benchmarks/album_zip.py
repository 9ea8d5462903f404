"""Album ZIP of uncached tracks over HTTP: time to first byte and total, against the single-track encodes.

    python benchmarks/album_zip.py [--tracks 12] [--shortest 180] [--longest 300] [--format mp3-320]
                                   [--repeat 1] [--no-cover]

Synthesizes a release of --tracks FLAC masters (16-bit/44.1 kHz stereo, lengths spread evenly between
--shortest and --longest seconds, in a shuffled order) with a 1000 px cover, ingests it into a throwaway
store (temporary PRESSPLANT_HOME, SQLite; DATABASE_URL if set) and buys it. Then, --repeat times:

- baseline: each track's single encode, transcode() of its master into --format with its tags and cover,
  one after another in this process; their sum divided by the number of cores is the best an album could
  do if every core encoded all the time;
- the store: the release ZIP downloaded from `pressplant serve` by an HTTP client that reads the stream
  (rendition cache emptied first, so every track is encoded on demand), timing the first byte of the
  response, the moment the first track's last byte arrived, and the whole ZIP, which is then checked
  (every member's CRC, the manifest's sizes and hashes).

Best of --repeat on each side. Targets: time to first byte <= the first track's encode alone; total <=
1.1x (sum of encodes / cores). A ratio of 1.0 on the total means the store keeps every core encoding and
streams the ZIP for free; above 1.0 is the cost of the tail (the last tracks cannot share the cores),
storing the renditions, and the HTTP stream.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import store  # first: it sets Django up
from pressplant.audio.formats import get_format
from pressplant.audio.transcode import transcode
from pressplant.catalogue.models import Release
from pressplant.orders.actions import OrderItem

TITLE = "Uncached Album"


@dataclass(frozen=True, slots=True)
class Baseline:
    seconds: list[float]
    """Each track's encode alone, in track order."""
    cpu_seconds: float
    """CPU time this process used for them all: about their sum when it had a core to itself."""

    @property
    def total(self) -> float:
        return sum(self.seconds)


@dataclass(frozen=True, slots=True)
class Download:
    first_byte: float
    """Request sent -> status line and headers in (they leave the server with the first body chunk)."""
    first_track: float
    """Request sent -> the first track's last byte in."""
    total: float
    size_bytes: int
    track_count: int
    server_cpu_seconds: float
    """CPU time the server used meanwhile: total x cores when every core encoded all the time."""


def track_lengths(count: int, shortest: float, longest: float) -> list[float]:
    """`count` lengths spread evenly over [shortest, longest], shuffled the same way every run."""
    step = (longest - shortest) / max(1, count - 1)
    lengths = [shortest + step * i for i in range(count)]
    random.Random(12).shuffle(lengths)
    return lengths


def encode_each(release: Release, format_name: str, work: Path) -> Baseline:
    """The baseline: every track's transcode() alone, as the rendition cache would run it."""
    cover = release.cover_bytes()
    seconds = []
    cpu_started = time.process_time()
    for track in release.tracks.select_related("release", "master").order_by("disc_number", "position"):
        with track.master.local_path(work) as master:
            started = time.perf_counter()
            transcode(master, format_name, work / f"single.{get_format(format_name).extension}",
                      tags=track.track_tags(), cover=cover)
            seconds.append(time.perf_counter() - started)
    return Baseline(seconds, time.process_time() - cpu_started)


def download_zip(served: store.Served, url: str, authorization: str, out: Path) -> Download:
    """GET the ZIP, reading the stream as it comes; then check it and find when each member arrived."""
    parts = urlsplit(url)
    server_cpu = served.cpu_seconds()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=900)
    marks: list[tuple[float, int]] = []
    received = 0
    started = time.perf_counter()
    connection.request("GET", parts.path, headers={"Authorization": authorization})
    response = connection.getresponse()
    first_byte = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"the store answered {response.status}: {response.read()[:200]!r}")
    with out.open("wb") as fh:
        while chunk := response.read1(1 << 20):
            fh.write(chunk)
            received += len(chunk)
            marks.append((time.perf_counter() - started, received))
    connection.close()
    server_cpu = served.cpu_seconds() - server_cpu
    track_ends = _check(out)
    first_track = next(at for at, count in marks if count >= track_ends[0])
    return Download(first_byte, first_track, marks[-1][0], received, len(track_ends), server_cpu)


def _check(path: Path) -> list[int]:
    """Verify every member and the manifest; the byte offset where each track's data ends, in order."""
    with zipfile.ZipFile(path) as archive:
        if (bad := archive.testzip()) is not None:
            raise RuntimeError(f"{bad}: CRC mismatch in the downloaded ZIP")
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            data = archive.read(entry["file"])
            if len(data) != entry["size_bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise RuntimeError(f"{entry['file']}: differs from the manifest")
        members = archive.infolist()
        names = [entry["file"] for entry in manifest["files"]]
        following = {a.filename: b.header_offset for a, b in itertools.pairwise(members)}
        return [following[name] for name in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=12)
    parser.add_argument("--shortest", type=float, default=180.0, help="seconds (default 180)")
    parser.add_argument("--longest", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--format", default="mp3-320", help="format name (default mp3-320)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the best is kept")
    parser.add_argument("--no-cover", action="store_true", help="a release without artwork")
    args = parser.parse_args()
    lengths = track_lengths(args.tracks, args.shortest, args.longest)
    store.prepare_database()
    started = time.perf_counter()
    release = store.ingest(store.write_album(store.HOME / "masters", TITLE, lengths, seed=4, cover=not args.no_cover),
                           TITLE)
    print(f"synthesized and ingested {args.tracks} masters in {time.perf_counter() - started:.0f} s")
    buyer = store.new_buyer("album@bench.test")
    store.buy(buyer, [OrderItem(args.format, release_id=release.pk)], "album-zip")
    cores = os.cpu_count() or 1
    baselines, downloads = [], []
    with tempfile.TemporaryDirectory(prefix="pressplant-bench-") as work, store.served_store() as served:
        for _ in range(args.repeat):
            baselines.append(encode_each(release, args.format, Path(work)))
            store.empty_rendition_cache()
            url = store.download_url(served.base, buyer, "release", release.pk, args.format)
            downloads.append(download_zip(served, url, buyer.authorization, Path(work) / "album.zip"))
    _report(args, lengths, cores, min(baselines, key=lambda b: b.total), min(downloads, key=lambda d: d.total),
            min(d.first_byte for d in downloads))
    return 0


def _report(args: argparse.Namespace, lengths: list[float], cores: int, baseline: Baseline, download: Download,
            first_byte: float) -> None:
    ideal = baseline.total / cores
    first_encode = baseline.seconds[0]
    print(store.machine_line())
    print(f"release: {args.tracks} tracks, {sum(lengths) / 60:.1f} min ({args.shortest:.0f}-{args.longest:.0f} s "
          f"each), {'no cover' if args.no_cover else 'cover 1000 px'}; format {args.format}; best of {args.repeat}")
    print(f"baseline: single-track encodes one at a time: sum {baseline.total:.2f} s "
          f"(CPU {baseline.cpu_seconds:.2f} s), first track {first_encode:.2f} s; sum / {cores} cores = {ideal:.2f} s")
    print(f"store: album ZIP from `pressplant serve`, {download.track_count} uncached tracks, "
          f"{download.size_bytes / 1e6:.1f} MB: first byte {first_byte:.3f} s, first track in hand "
          f"{download.first_track:.2f} s, total {download.total:.2f} s; server CPU {download.server_cpu_seconds:.2f} s "
          f"= {download.server_cpu_seconds / download.total:.2f} cores busy on average")
    print(f"CPU: the store's / the baseline's {download.server_cpu_seconds / baseline.cpu_seconds:.3f} (beyond the "
          f"encodes: storing renditions, the ZIP, HTTP)")
    if (share := baseline.cpu_seconds / baseline.total) < 0.9:
        print(f"warning: the baseline had only {share:.0%} of a core: the machine is busy and the ratios below "
              f"say little")
    ttfb_ratio, total_ratio = first_byte / first_encode, download.total / ideal
    print(f"first byte / first track's encode    {ttfb_ratio:6.3f}  target <= 1.0  "
          f"{store.verdict(ttfb_ratio, 1.0, at_most=True)}")
    print(f"total / (sum of encodes / cores)     {total_ratio:6.3f}  target <= 1.1  "
          f"{store.verdict(total_ratio, 1.1, at_most=True)}")


if __name__ == "__main__":
    sys.exit(main())
