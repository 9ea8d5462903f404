"""A large made-up catalogue for benchmarks/storefront.py, written in bulk (PostgreSQL COPY, SQLite executemany).

Releases are singles, EPs, albums and compilations (multi-disc past 20 tracks) by made-up artists on made-up
labels, each track with its own lossless master, ISRC and credits; titles draw words from one vocabulary with
a Zipf-like spread, so some words match thousands of releases and most match a few. A tenth of the releases
came by DDEX with deals (worldwide, some priced by a code, some by a wholesale price), labels have payees and
a fifth have agreements, some releases have royalty splits: every row a release page reads is there.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction

from pressplant.catalogue.models import Artist, Label, Master, Release, Track
from pressplant.rights.models import Deal, LabelAgreement, Licence, Payee, PriceTier, RoyaltySplit

COVER_KEY = "bench/cover.jpg"
"""Every generated release points at this one cover (benchmarks/storefront.py writes it to storage)."""

_WORDS_TEXT = (
    "love night heart light time dream fire day life world blue home soul road summer rain city gold star "
    "river sun moon dance wild sky ocean shadow night-time girl boy song heaven midnight morning forever "
    "rose silver stone garden wind winter angel paradise electric black white red green sweet lonely "
    "broken secret golden hollow young free last first little lost high low deep cold warm bright dark "
    "crystal velvet neon echo mirror glass thunder storm wave island desert mountain valley forest field "
    "highway train station harbour bridge tower castle kingdom empire machine engine radio signal static "
    "frequency circuit satellite orbit planet galaxy comet meteor cosmos nebula horizon sunrise sunset "
    "twilight dawn dusk evening season spring autumn harvest memory promise whisper prayer hymn anthem "
    "ballad lullaby serenade requiem overture prelude interlude coda rhythm groove pulse beat bass drum "
    "guitar piano violin trumpet choir chorus melody harmony silence noise fever hunger thirst desire "
    "wonder glory honour courage freedom justice mercy grace faith hope trust truth lies fortune luck "
    "chance destiny fate ghost spirit phantom vampire wolf tiger lion eagle raven dove swan butterfly "
    "honey sugar candy cherry lemon orange peach apple wine whiskey coffee smoke ash dust sand salt "
    "iron steel copper diamond pearl ruby emerald sapphire jade amber ivory marble paper letter postcard "
    "telephone television cinema theatre circus carnival parade festival party holiday weekend monday "
    "friday sunday yesterday tomorrow tonight always never again alone together apart away inside "
    "outside under over between beyond across through around north south east west avenue boulevard "
    "street alley corner window door room house hotel motel diner cafe club bar kitchen bedroom basement "
    "rooftop balcony garden-party runaway stranger lover dancer dreamer drifter hunter sailor soldier "
    "preacher teacher doctor driver rider pilot captain king queen prince princess"
)
WORDS = tuple(_WORDS_TEXT.split())
"""Common title words, most frequent first (made-up ones follow them: _vocabulary)."""

_FIRST_NAMES_TEXT = (
    "Ada Alan Alice Amara Anna Ben Bjorn Carla Chen Clara Dan Dara Eli Elena Emil Eva Felix Freya Gus "
    "Hana Ines Ivan Jade Jonas Kai Kira Lars Lena Leo Lia Luca Maya Mei Mila Nico Nina Noah Nora Olga "
    "Omar Otto Pia Rafa Rosa Ruth Sami Sara Sven Tara Theo Tom Uma Vera Yuki Zoe"
)
FIRST_NAMES = tuple(_FIRST_NAMES_TEXT.split())
_SURNAMES_TEXT = (
    "Abbott Baker Berg Blake Brandt Byrne Castro Cole Costa Dahl Diaz Ellis Engel Fox Frost Garcia Grant "
    "Hale Hart Holm Ito Jansen Kane Klein Kovac Lane Lund Marsh Meyer Moreau Nagy Novak Olsen Park Quinn "
    "Reed Roth Rossi Ruiz Sato Shaw Silva Stone Storm Vance Voss Ward Weber Wolf Young Zeller"
)
SURNAMES = tuple(_SURNAMES_TEXT.split())
LABEL_SUFFIXES = ("Records", "Recordings", "Music", "Sound", "Audio", "Tapes", "Editions")
GENRES = ("Electronic", "Rock", "Pop", "Jazz", "Classical", "Hip-Hop", "Folk", "Ambient", "Techno", "House",
          "Soul", "Blues", "Metal", "Reggae", "Country", "Experimental", "Soundtrack", "World")
COUNTRIES = ("GB", "US", "DE", "FR", "SE", "NL", "JP", "CA")
SENDER = "PADPIDA2026BENCH01"
BATCH_ROWS = 20_000
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "tor", "vel", "dra", "ni", "qu", "es", "bar", "lin", "mo", "ur",
             "zen", "fa", "gro", "hil", "ja", "kor", "ma", "ol", "pi", "ste", "tu", "va", "wen", "yo", "an")
RARE_WORDS = 20_000
"""Made-up words after the common ones: the long tail a real catalogue's titles and names have."""


def _vocabulary(chance: random.Random) -> list[str]:
    """The common words, then RARE_WORDS made-up ones, most frequent first."""
    made: dict[str, None] = {}
    while len(made) < RARE_WORDS:
        word = "".join(chance.choice(SYLLABLES) for _ in range(chance.randint(2, 4)))
        if word not in WORDS:
            made[word] = None
    return [*WORDS, *made]


def _zipf_weights(count: int) -> list[float]:
    """Zipf's law with its head flattened: the commonest word is about 1% of all words drawn."""
    return [1 / (rank + 10) for rank in range(1, count + 1)]


def _ean13(body: str) -> str:
    """`body` (12 digits) with its GS1 mod-10 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append `rows` to `table`: COPY on PostgreSQL, executemany in batches elsewhere; the row count."""
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)})"
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, BATCH_ROWS)):
            cursor.executemany(sql, [[_sqlite_value(value) for value in row] for row in batch])
            written += len(batch)
    return written


def _sqlite_value(value: Any) -> Any:
    """Dates and times as Django's SQLite backend stores them (naive UTC text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


class _Catalogue:
    """Draws names and shapes from one seeded random source, so a catalogue is the same every time."""

    def __init__(self, releases: int, tracks: int, seed: int) -> None:
        self.chance = random.Random(seed)
        self.releases, self.tracks = releases, tracks
        self.vocabulary = _vocabulary(self.chance)
        self.word_weights = list(itertools.accumulate(_zipf_weights(len(self.vocabulary))))
        self.labels = max(10, releases // 50)
        self.artists = max(20, releases * 3 // 10)
        self.artist_names = self._artist_names()
        self.label_names = self._label_names()

    def words(self, low: int, high: int) -> str:
        count = self.chance.randint(low, high)
        picked = self.chance.choices(self.vocabulary, cum_weights=self.word_weights, k=count)
        return " ".join(word.replace("-", " ").capitalize() for word in picked)

    def _artist_names(self) -> list[str]:
        names: set[str] = set()
        while len(names) < self.artists:
            roll = self.chance.random()
            if roll < 0.3:
                name = f"{self.chance.choice(FIRST_NAMES)} {self.chance.choice(SURNAMES)}"
            elif roll < 0.6:
                name = f"{self.chance.choice(FIRST_NAMES)} {self.chance.choice(self.vocabulary[400:]).capitalize()}"
            elif roll < 0.8:
                name = f"The {self.words(1, 2)}s"
            else:
                name = self.words(1, 3)
            names.add(name)
        return sorted(names)

    def _label_names(self) -> list[str]:
        names: set[str] = set()
        while len(names) < self.labels:
            name = f"{self.words(1, 2)} {self.chance.choice(LABEL_SUFFIXES)}"
            names.add(name)
        return sorted(names)

    def track_counts(self) -> list[int]:
        """Tracks per release: singles 1-3, EPs 4-6, albums 8-16, compilations 15-30; summing to `tracks`."""
        shapes = ((0.25, 1, 3), (0.15, 4, 6), (0.55, 8, 16), (0.05, 15, 30))
        counts = []
        for _ in range(self.releases):
            roll, share = self.chance.random(), 0.0
            for weight, low, high in shapes:
                share += weight
                if roll < share:
                    counts.append(self.chance.randint(low, high))
                    break
            else:
                counts.append(10)
        gap = self.tracks - sum(counts)
        while gap:
            index = self.chance.randrange(self.releases)
            if (gap > 0 and counts[index] < 30) or (gap < 0 and counts[index] > 1):
                step = 1 if gap > 0 else -1
                counts[index] += step
                gap -= step
        return counts


def _catalogue_rows(cat: _Catalogue, counts: list[int]) -> Iterator[tuple[str, list[Sequence[Any]]]]:
    """Rows for releases and their artists, masters, tracks and track artists, a release at a time."""
    chance = cat.chance
    track_id = 0
    for release_id, count in enumerate(counts, start=1):
        label_id = chance.randrange(cat.labels) + 1
        is_compilation = count >= 15 and chance.random() < 0.5
        main = chance.randrange(cat.artists) + 1
        credited = [main] if chance.random() < 0.85 else [main, chance.randrange(cat.artists) + 1]
        credited = list(dict.fromkeys(credited))
        display = "Various Artists" if is_compilation else " & ".join(cat.artist_names[a - 1] for a in credited)
        year = chance.randint(1965, 2026)
        released = date(year, chance.randint(1, 12), chance.randint(1, 28))
        kind = ("Compilation" if is_compilation else "Single" if count <= 3 else "EP" if count <= 6 else "Album")
        quarantined = chance.random() < 0.005
        label = cat.label_names[label_id - 1]
        yield "release", [(
            release_id, cat.words(1, 4), kind, _ean13(f"50{release_id:010d}"), released, year,
            chance.choice(GENRES), f"℗ {year} {label}", f"© {year} {label}", label_id, display, COVER_KEY,
            "0" * 64, round(chance.uniform(-16, -7), 2), round(chance.uniform(-2, -0.1), 2),
            "quarantined" if quarantined else "live", "master failed verification" if quarantined else "",
            NOW - timedelta(minutes=(cat.releases - release_id) * 5), "")]
        yield "release_artists", [(release_id, artist) for artist in credited]
        masters, tracks, track_artists = [], [], []
        for position in range(1, count + 1):
            track_id += 1
            seconds = chance.randint(90, 420)
            rate = 44_100 if chance.random() < 0.8 else 96_000
            bits = 16 if rate == 44_100 else 24
            size = seconds * rate * bits // 8 * 2 * 6 // 10
            masters.append((track_id, f"{track_id:064x}", f"masters/{track_id:064x}.flac", f"{position:02d}.flac",
                            size, "FLAC", "flac", rate, bits, 2, seconds * rate, round(chance.uniform(-18, -6), 2),
                            round(chance.uniform(-3, -0.1), 2), json.dumps({"audio_bytes": size - 8_192}), NOW))
            artist = chance.randrange(cat.artists) + 1 if is_compilation else main
            track_display = cat.artist_names[artist - 1] if is_compilation else display
            track_artists.append((track_id, artist))
            if chance.random() < 0.1:
                guest = chance.randrange(cat.artists) + 1
                track_display += f" feat. {cat.artist_names[guest - 1]}"
                track_artists.append((track_id, guest))
            disc, slot = (1, position) if count <= 20 else (1 + (position - 1) // 15, (position - 1) % 15 + 1)
            isrc = f"{chance.choice(COUNTRIES)}B{track_id // 100_000:02d}{year % 100:02d}{track_id % 100_000:05d}"
            tracks.append((track_id, release_id, disc, slot, cat.words(1, 5), isrc, track_display, "",
                           track_id, seconds * 1000))
        yield "master", masters
        yield "track", tracks
        yield "track_artists", list(dict.fromkeys(track_artists))


def _tables() -> dict[str, tuple[str, list[str]]]:
    release_artists = Release.artists.through
    track_artists = Track.artists.through
    return {
        "release": (Release._meta.db_table, [
            "id", "title", "release_type", "upc", "release_date", "year", "genre", "p_line", "c_line", "label_id",
            "artist_display", "cover_key", "cover_sha256", "album_integrated_lufs", "album_true_peak_dbtp",
            "status", "quarantine_reason", "created_at", "search_text"]),
        "release_artists": (release_artists._meta.db_table, ["release_id", "artist_id"]),
        "master": (Master._meta.db_table, [
            "id", "sha256", "storage_key", "original_name", "size_bytes", "codec", "container", "sample_rate_hz",
            "bit_depth", "channels", "duration_samples", "integrated_lufs", "true_peak_dbtp", "probe",
            "created_at"]),
        "track": (Track._meta.db_table, [
            "id", "release_id", "disc_number", "position", "title", "isrc", "artist_display", "genre",
            "master_id", "duration_ms"]),
        "track_artists": (track_artists._meta.db_table, ["track_id", "artist_id"]),
    }


def _write_catalogue(cat: _Catalogue) -> None:
    _copy(Label._meta.db_table, ["id", "name", "created_at"],
          ((n, name, NOW) for n, name in enumerate(cat.label_names, start=1)))
    _copy(Artist._meta.db_table, ["id", "name", "created_at"],
          ((n, name, NOW) for n, name in enumerate(cat.artist_names, start=1)))
    tables = _tables()
    pending: dict[str, list[Sequence[Any]]] = {name: [] for name in tables}
    for name, rows in _catalogue_rows(cat, cat.track_counts()):
        pending[name].extend(rows)
        if len(pending["track"]) >= BATCH_ROWS * 5:
            _flush(tables, pending)
    _flush(tables, pending)


def _flush(tables: dict[str, tuple[str, list[str]]], pending: dict[str, list[Sequence[Any]]]) -> None:
    for name in ("release", "release_artists", "master", "track", "track_artists"):
        table, columns = tables[name]
        _copy(table, columns, pending[name])
        pending[name].clear()


def _write_rights(cat: _Catalogue) -> None:
    """Label payees (and a fifth with agreements), DDEX licences and deals, some royalty splits."""
    chance = cat.chance
    _copy(Payee._meta.db_table, ["id", "code", "name", "kind", "label_id", "email"],
          ((n, f"label-{n}", name, "label", n, "") for n, name in enumerate(cat.label_names, start=1)))
    _copy(LabelAgreement._meta.db_table, ["id", "label_id", "payee_id", "share_rate", "use_wholesale_price"],
          ((n, n, n, "0.6800", True) for n in range(1, cat.labels + 1, 5)))
    artist_payee = cat.labels + 1
    _copy(Payee._meta.db_table, ["id", "code", "name", "kind", "label_id", "email"],
          [(artist_payee, "bench-artist", "Bench Artist", "artist", None, "")])
    _copy(PriceTier._meta.db_table, ["id", "sender_party_id", "code", "currency", "wholesale_minor", "description"],
          [(1, SENDER, "FRONT", "GBP", 700, "front line album"), (2, SENDER, "FRONT", "EUR", 800, "front line album"),
           (3, SENDER, "FRONT", "USD", 900, "front line album")])
    licensed = range(1, cat.releases + 1, 10)
    _copy(Licence._meta.db_table, ["id", "release_id", "source", "sender_party_id", "message_id", "purged_at",
                                   "updated_at"],
          ((n, release, "ddex", SENDER, None, None, NOW) for n, release in enumerate(licensed, start=1)))
    empty = json.dumps([])
    _copy(Deal._meta.db_table, [
        "id", "release_id", "track_id", "message_id", "commercial_model_types", "use_types", "territory_codes",
        "excluded_territory_codes", "start_date", "price_code", "price_code_namespace", "wholesale_amount",
        "wholesale_currency", "is_takedown", "all_deals_cancelled"],
        ((n, release, None, None, json.dumps(["PayAsYouGoModel"]), json.dumps(["PermanentDownload"]),
          json.dumps(["Worldwide"]), empty, date(2020, 1, 1), "FRONT" if n % 2 else "", SENDER if n % 2 else "",
          None if n % 2 else "6.5000", "" if n % 2 else "GBP", False, False)
         for n, release in enumerate(licensed, start=1)))
    split_releases = range(3, cat.releases + 1, 20)
    _copy(RoyaltySplit._meta.db_table, ["release_id", "track_id", "payee_id", "basis_points"],
          (row for release in split_releases
           for row in ((release, None, chance.randrange(cat.labels) + 1, 7_500),
                       (release, None, artist_payee, 2_500))))


def generate(releases: int, tracks: int, seed: int = 2026) -> None:
    """Write the whole catalogue in one transaction. On PostgreSQL the triggers (foreign keys, search text)
    are off while it loads, and the search text is written once at the end."""
    cat = _Catalogue(releases, tracks, seed)
    with transaction.atomic():
        bulk = connection.vendor == "postgresql"
        if bulk:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        _write_catalogue(cat)
        _write_rights(cat)
        if bulk:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
            Release.objects.refresh_search_text()
        models = [Label, Artist, Release, Master, Track, Payee, LabelAgreement, PriceTier, Licence, Deal,
                  RoyaltySplit, Release.artists.through, Track.artists.through]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
