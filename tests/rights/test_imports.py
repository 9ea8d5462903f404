"""import_message: DDEX ERN messages from labels into the catalogue and the rights tables.

Given a message (a real sample, or a synthetic one with synthesized FLAC masters beside it), when it is
imported, then: what the catalogue holds, what a buyer in a territory is offered, what the audit row says.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError

from pressplant import cli
from pressplant.catalogue.models import Artist, Label, Master, Release, Track
from pressplant.money import Money
from pressplant.rights.availability import Status
from pressplant.rights.imports import ImportResult, Outcome, import_message, messages, reimport_message
from pressplant.rights.licences import ReleaseRights
from pressplant.rights.models import DdexMessage, Deal, Licence, PriceTier
from pressplant.rights.tasks import import_stored_message
from tests.catalogue.masters import image_bytes, write_sine
from tests.rights.ddex_messages import (
    SENDER,
    DealSpec,
    FileSpec,
    RecordingSpec,
    deliver,
    ern43,
    ern382,
    purge382,
    two_disc_album,
    write_message,
)
from tests.together import run_together

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "ddex-samples"
NOW = datetime.now(UTC)
VERSIONS = {"3.8.2": ern382, "4.3": ern43}


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path: Path) -> Path:
    """Each test gets empty local storage: what an import stored is what is in there."""
    media = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}}
    settings.RENDITION_WORK_DIR = tmp_path / "work"
    return media


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def row_counts() -> dict[str, int]:
    models = (Artist, Label, Master, Release, Track, Licence, Deal, DdexMessage)
    return {model.__name__: model.objects.count() for model in models}


def nothing_but_the_audit_row() -> dict[str, int]:
    return {"Artist": 0, "Label": 0, "Master": 0, "Release": 0, "Track": 0, "Licence": 0, "Deal": 0,
            "DdexMessage": 1}


def send(folder: Path, data: bytes, name: str = "message.xml") -> ImportResult:
    """The label's message lands beside its files and is imported from there."""
    path = write_message(folder, name, data)
    return import_message(path.read_bytes(), source_name=str(path), via="cli", folder=folder)


def offered(release: Release, territory: str, at: datetime | None = None, currency: str = "GBP") -> Status:
    when = at or datetime.now(UTC)
    return ReleaseRights(release).of_release(territory, when, currency).availability.status


# --- the real samples, as delivered: XML only ------------------------------------------------------------

MISSING = "not found beside the message"
HUG_AS_SENT = "\u30cf\u30af\u3099\uff01"  # "ハグ！" with its dakuten decomposed (NFD), as the sample sends it
SAMPLE_VERDICTS: dict[str, tuple[Outcome, str]] = {
    "7digital__DDEX-Deserialiser__ddex-sample.xml": (
        Outcome.TEST, "test message: nothing put on sale; as a live message it would be refused: disc 1 track 1 "
        "'Destination' (A1, ISRC US82M0754801): file name '/resources/myfile1.mp3' is an absolute path; files are "
        "only read from beside the message"),
    "AudiusProject__ddex-processor__02_update.xml": (
        Outcome.REFUSED, "disc 1 track 1 'Updated Example Song' (A1, ISRC USRC12345678): file "
        f"'resources/SoundRecording_001_001.flac' {MISSING}"),
    "AudiusProject__ddex-processor__03_delete.xml": (
        Outcome.REFUSED, "purge refused: purged release: GRid 'A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0' is not "
        "a valid GRid (an invalid identifier never matches a release); nothing was purged"),
    "AudiusProject__ddex-processor__track_pay_gated.xml": (
        Outcome.REFUSED, "disc 1 track 1 'Example Song' (A1, ISRC USRC12345678): file "
        f"'resources/SoundRecording_001_001.flac' {MISSING}"),
    "kazhs__ddex-json-codec__ern382_album.xml": (
        Outcome.REFUSED, f"disc 1 track 1 '{HUG_AS_SENT}' (A1, ISRC JPR842500194): file '199806591208_1_1.mp3' "
        f"{MISSING}"),
    "kazhs__ddex-json-codec__ern382_official-album.xml": (
        Outcome.REFUSED, "disc 1 track 1 'Can you feel ...the Monkey Claw!' (A1, ISRC CASE00000001): file "
        f"'A1UCASE0000000401X_01_01.wav' {MISSING}"),
    "kazhs__ddex-json-codec__ern382_single.xml": (
        Outcome.REFUSED, "disc 1 track 1 'Allez Allez Allez' (A1, ISRC DKFD52275001): the message names no file "
        "for it, and it is not in the catalogue"),
    "kazhs__ddex-json-codec__ern43_album.xml": (
        Outcome.REFUSED, f"disc 1 track 1 'Yume no Lullaby' (A1, ISRC JPTO09404900): file '0094631432057_01_001.wav' "
        f"{MISSING}"),
    "sshaw__ddex__ern42_1_Audio.xml": (
        Outcome.REFUSED, f"disc 1 track 1 'Yume no Lullaby' (A1, ISRC JPTO09404900): file '0094631432057_01_001.wav' "
        f"{MISSING}"),
    "sshaw__ddex__ern43_1_Audio.xml": (
        Outcome.REFUSED, f"disc 1 track 1 'Yume no Lullaby' (A1, ISRC JPTO09404900): file '0094631432057_01_001.wav' "
        f"{MISSING}"),
    "sshaw__ddex__ern43_4_SimpleAudioSingle.xml": (
        Outcome.REFUSED, "disc 1 track 1 'RIOPY: I Love You' (A1, ISRC GBAYC1700598): file "
        f"'resources/190295810726_00001_LL.flac' {MISSING}"),
    "sshaw__ddex__ern43_Variant_Classical.xml": (
        Outcome.REFUSED, "disc 1 track 1 'Vivaldi: Concerto For Violin And Strings In E Major, Op.8, No.1, RV 269 "
        f"\"La Primavera\". 1 Allegro' (A1, ISRC DE0000311111): file 'resources/1.flac' {MISSING}"),
}

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/ddex-samples is not present")


@needs_samples
def test_every_sample_has_its_expected_verdict() -> None:
    assert {p.name for p in SAMPLES.glob("*.xml")} == set(SAMPLE_VERDICTS)


@needs_samples
@pytest.mark.parametrize("name", sorted(SAMPLE_VERDICTS))
def test_each_sample_alone_is_kept_and_imported_or_refused_with_its_reason(name: str, tmp_path: Path,
                                                                           media_storage: Path) -> None:
    data = (SAMPLES / name).read_bytes()

    result = send(tmp_path / "drop", data, name)

    outcome, reason = SAMPLE_VERDICTS[name]
    assert (result.outcome, result.reason) == (outcome, reason)
    assert row_counts() == nothing_but_the_audit_row()
    assert stored_files(media_storage) == []
    kept = DdexMessage.objects.get()
    assert (bytes(kept.xml), kept.outcome, kept.detail, kept.source_name) == (
        data, outcome, result.detail, str(tmp_path / "drop" / name))


def copy_sample(name: str, folder: Path) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / name, folder / name)
    return (folder / name).read_bytes()


@needs_samples
def test_the_official_43_album_with_its_21_masters_goes_in_and_names_its_unknown_price_code(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    for n in range(1, 22):
        write_sine(drop / f"0094631432057_01_{n:03d}.wav", seconds=0.5, freq_hz=200.0 + 10 * n)
    (drop / "0094631432057.jpg").write_bytes(image_bytes("JPEG", 500))

    result = send(drop, copy_sample("sshaw__ddex__ern43_1_Audio.xml", drop), "album.xml")

    assert result.outcome == Outcome.IMPORTED, result.detail
    release = Release.objects.get()
    assert (release.title, release.artist_display, release.upc, release.release_type) == (
        "Yume no Hajmari", "Saeko Shu", "00094631432057", Release.Type.ALBUM)
    assert release.label is not None and release.label.name == "EMI MUSIC JAPAN INC."
    assert [t.isrc for t in release.tracks.all()][:3] == ["JPTO09404900", "JPTO09404910", "JPTO09404920"]
    assert release.tracks.count() == 21 and release.cover_key
    track_deals = Deal.objects.filter(track__isnull=False)
    assert track_deals.count() == 21 * 2  # a sale and a stream deal for each TrackRelease R1..R21
    assert "price code(s) 'AAAA' have no price tier for sender 'PADPIDA2013042401U'" in result.detail
    first = release.tracks.get(position=1)
    standing = ReleaseRights(release).of_track(first, "JP", NOW, "JPY")
    assert standing.availability.status == Status.UNPRICED


@needs_samples
def test_the_official_382_album_with_masters_is_quarantined_for_its_placeholder_grids(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    for n in range(1, 7):
        write_sine(drop / f"A1UCASE0000000401X_01_{n:02d}.wav", seconds=0.5, freq_hz=300.0 + 20 * n)
    (drop / "A1UCASE0000000401X.jpeg").write_bytes(image_bytes("JPEG", 500))

    result = send(drop, copy_sample("kazhs__ddex-json-codec__ern382_official-album.xml", drop), "album.xml")

    assert result.outcome == Outcome.QUARANTINED
    release = Release.objects.get()
    assert release.status == Release.Status.QUARANTINED
    assert "release R0: GRid 'A1UCASE0000000401X' is not a valid GRid" in release.quarantine_reason
    assert "message header: MessageId is missing or empty" in release.quarantine_reason
    assert result.detail.splitlines()[1] == f"quarantined: {release.quarantine_reason}"
    assert release.tracks.count() == 6 and release.artist_display == "Monkey Claw"
    assert Deal.objects.count() == 0 and offered(release, "GB") == Status.WITHDRAWN  # no deal = no deal


@needs_samples
def test_the_simple_single_refuses_a_master_that_does_not_match_its_md5(tmp_path: Path, media_storage: Path) -> None:
    drop = tmp_path / "drop"
    write_sine(drop / "resources" / "190295810726_00001_LL.flac")

    result = send(drop, copy_sample("sshaw__ddex__ern43_4_SimpleAudioSingle.xml", drop), "single.xml")

    assert result.outcome == Outcome.REFUSED
    assert result.reason.startswith("disc 1 track 1 'RIOPY: I Love You' (A1, ISRC GBAYC1700598): file "
                                    "'resources/190295810726_00001_LL.flac' does not match its HashSum (MD5 "
                                    "db7dd2f3bb9b322646e3f4d7b65b47ab expected, the file's is ")
    assert row_counts() == nothing_but_the_audit_row() and stored_files(media_storage) == []


@needs_samples
def test_the_audius_single_is_delivered_then_updated_and_its_placeholder_purge_is_refused(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    write_sine(drop / "resources" / "SoundRecording_001_001.flac", seconds=1.0)
    (drop / "resources" / "Image_001_001.jpg").write_bytes(image_bytes("JPEG", 500))

    first = send(drop, copy_sample("AudiusProject__ddex-processor__track_pay_gated.xml", drop))
    update = send(drop, copy_sample("AudiusProject__ddex-processor__02_update.xml", drop))
    purge = send(drop, copy_sample("AudiusProject__ddex-processor__03_delete.xml", drop))

    assert first.outcome == Outcome.QUARANTINED  # its GRid is a 40-character placeholder
    assert update.outcome == Outcome.QUARANTINED and update.reason.startswith("updated 'DJ Theo - Example Album'")
    release = Release.objects.get()
    assert [t.title for t in release.tracks.all()] == ["Updated Example Song"]
    (deal,) = Deal.objects.all()
    assert deal.commercial_model_types == ["FreeOfChargeModel"] and deal.message == update.message
    assert purge.outcome == Outcome.REFUSED and "is not a valid GRid" in purge.reason
    assert Licence.objects.get().purged_at is None


# --- synthetic messages with masters beside them -----------------------------------------------------------


@pytest.mark.parametrize(("version", "algorithm"), [("3.8.2", "SHA-256"), ("4.3", "MD5")])
def test_a_full_delivery_creates_the_release_tracks_in_disc_order_cover_masters_and_deals(
        version: str, algorithm: str, tmp_path: Path, media_storage: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album(), algorithm=algorithm)

    result = send(tmp_path / "drop", VERSIONS[version](masters.spec))

    assert result.outcome == Outcome.IMPORTED, result.detail
    assert result.reason == ("imported 'The Sines - First Light' (UPC 0012345678905) as a new release: 3 tracks, "
                             "with its cover")
    release = Release.objects.get()
    assert result.releases == (release,)
    assert (release.title, release.artist_display, release.upc, release.release_type, release.genre) == (
        "First Light", "The Sines", "0012345678905", Release.Type.ALBUM, "Ambient")
    assert (release.release_date.isoformat(), release.year, release.label.name) == (
        "2024-03-01", 2024, "Pressplant Test Records")
    assert (release.p_line, release.c_line) == ("(P) 2024 Pressplant Test Records", "(C) 2024 Pressplant Test Records")
    assert [(t.disc_number, t.position, t.title, t.isrc) for t in release.tracks.all()] == [
        (1, 1, "Opening", "GBAYE2600001"), (1, 2, "Middle", "GBAYE2600002"), (2, 1, "Coda", "GBAYE2600003")]
    assert [a.name for a in release.artists.all()] == ["The Sines"]
    assert release.cover_bytes() == masters.cover_path.read_bytes()
    track = release.tracks.get(title="Coda")
    assert track.master.sha256 == hashlib.sha256(masters.paths["A3"].read_bytes()).hexdigest()
    assert Master.objects.count() == 3 and len(stored_files(media_storage)) == 4  # three masters, a cover
    licence = Licence.objects.get()
    assert (licence.source, licence.sender_party_id, licence.message) == ("ddex", SENDER, result.message)
    (deal,) = Deal.objects.all()
    assert (deal.track, deal.wholesale_amount, deal.wholesale_currency) == (None, Decimal("0.70"), "GBP")
    standing = ReleaseRights(release).of_release("GB", NOW, "GBP")
    assert (standing.availability.status, standing.wholesale) == (Status.ON_SALE, Money(70, "GBP"))


def test_a_master_that_does_not_match_its_hash_refuses_the_release_and_writes_nothing(
        tmp_path: Path, media_storage: Path) -> None:
    drop = tmp_path / "drop"
    masters = deliver(drop, two_disc_album())
    write_sine(masters.paths["A2"], seconds=1.0, freq_hz=999.0)  # replaced after its digest was taken

    result = send(drop, ern382(masters.spec))

    assert result.outcome == Outcome.REFUSED
    assert result.reason.startswith("disc 1 track 2 'Middle' (A2, ISRC GBAYE2600002): file 'resources/A2.flac' "
                                    "does not match its HashSum (SHA256 ")
    assert row_counts() == nothing_but_the_audit_row()
    assert stored_files(media_storage) == []


def test_excluded_territories_are_not_licensed_and_everywhere_else_is(tmp_path: Path) -> None:
    spec = dataclasses.replace(two_disc_album(), deals=(DealSpec(excluded=("US", "CA"), wholesale=("0.70", "GBP")),))
    masters = deliver(tmp_path / "drop", spec)

    send(tmp_path / "drop", ern43(masters.spec))

    release = Release.objects.get()
    assert Deal.objects.get().excluded_territory_codes == ["US", "CA"]
    assert [offered(release, t) for t in ("GB", "DE", "US", "CA")] == [
        Status.ON_SALE, Status.ON_SALE, Status.NOT_LICENSED, Status.NOT_LICENSED]


def test_an_end_date_stops_the_sale_after_that_day(tmp_path: Path) -> None:
    spec = dataclasses.replace(two_disc_album(), deals=(DealSpec(end="2025-06-30", wholesale=("0.70", "GBP")),))
    masters = deliver(tmp_path / "drop", spec)

    send(tmp_path / "drop", ern382(masters.spec))

    release = Release.objects.get()
    assert offered(release, "GB", datetime(2025, 6, 30, 23, 59, tzinfo=UTC)) == Status.ON_SALE
    assert offered(release, "GB", datetime(2025, 7, 1, tzinfo=UTC)) == Status.ENDED


def test_a_future_start_is_a_pre_order(tmp_path: Path) -> None:
    start = (NOW + timedelta(days=30)).date().isoformat()
    spec = dataclasses.replace(two_disc_album(), deals=(DealSpec(start=start, wholesale=("0.70", "GBP")),))
    masters = deliver(tmp_path / "drop", spec)

    send(tmp_path / "drop", ern43(masters.spec))

    release = Release.objects.get()
    assert offered(release, "GB") == Status.PRE_ORDER
    assert offered(release, "GB", NOW + timedelta(days=31)) == Status.ON_SALE


def test_a_takedown_withdraws_the_release_and_a_later_redelivery_puts_it_back(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "first", two_disc_album())
    sale = DealSpec(wholesale=("0.70", "GBP"))
    send(tmp_path / "first", ern382(masters.spec))
    later = tmp_path / "later"  # re-deliveries carry no audio: the masters are already in the catalogue

    takedown = send(later, ern382(dataclasses.replace(
        masters.spec, message_id="MSG-2", deals=(sale, DealSpec(takedown=True, start="2025-01-01")))))
    release = Release.objects.get()
    withdrawn = offered(release, "GB")
    back = send(later, ern382(dataclasses.replace(masters.spec, message_id="MSG-3", deals=(sale,))))

    assert takedown.outcome == Outcome.IMPORTED and withdrawn == Status.WITHDRAWN
    assert Deal.objects.filter(is_takedown=True).count() == 0  # replaced by the third message's deals
    assert back.outcome == Outcome.IMPORTED and offered(release, "GB") == Status.ON_SALE
    assert back.reason == ("updated 'The Sines - First Light' (UPC 0012345678905) from a re-delivery: 3 tracks "
                           "(0 new), with its cover")
    assert (Release.objects.count(), Track.objects.count(), Master.objects.count()) == (1, 3, 3)
    assert Licence.objects.get().message == back.message


def test_a_takedown_with_a_future_effective_date_leaves_the_release_on_sale_until_that_day(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "first", two_disc_album())
    send(tmp_path / "first", ern382(masters.spec))
    release = Release.objects.get()
    effective = (NOW + timedelta(days=10)).date()
    takedown = DealSpec(takedown=True, start=None, effective=effective.isoformat())

    result = send(tmp_path / "later", ern382(dataclasses.replace(masters.spec, message_id="MSG-2", deals=(takedown,))))

    day_before = datetime.combine(effective, datetime.min.time(), tzinfo=UTC) - timedelta(seconds=1)
    assert result.outcome == Outcome.IMPORTED and "stay in force until the message's EffectiveDate" in result.detail
    assert offered(release, "GB") == Status.ON_SALE and offered(release, "GB", day_before) == Status.ON_SALE
    assert offered(release, "GB", day_before + timedelta(seconds=1)) == Status.WITHDRAWN
    again = send(tmp_path / "later", ern382(dataclasses.replace(masters.spec, message_id="MSG-3")))
    assert again.outcome == Outcome.IMPORTED and Deal.objects.filter(superseded_at__isnull=False).count() == 0
    assert offered(release, "GB", day_before + timedelta(days=5)) == Status.ON_SALE  # the pending takedown is gone


def test_an_ern4_redelivery_that_leaves_a_deal_out_withdraws_it(tmp_path: Path) -> None:
    deals = (DealSpec(territories=("GB",), wholesale=("0.70", "GBP")), DealSpec(territories=("JP",),
             wholesale=("100", "JPY")), DealSpec(references=("R2",), territories=("GB",), wholesale=("0.30", "GBP")))
    masters = deliver(tmp_path / "drop", dataclasses.replace(two_disc_album(), deals=deals))
    send(tmp_path / "drop", ern43(masters.spec))
    release = Release.objects.get()
    opening = release.tracks.get(title="Opening")  # R2 is the TrackRelease of A1
    assert Deal.objects.get(track__isnull=False).track == opening

    second = send(tmp_path / "drop", ern43(dataclasses.replace(masters.spec, message_id="MSG-2", deals=deals[1:2])))

    assert second.outcome == Outcome.IMPORTED
    assert [(d.territory_codes, d.track) for d in Deal.objects.all()] == [(["JP"], None)]
    assert offered(release, "GB") == Status.NOT_LICENSED
    assert offered(release, "JP", currency="JPY") == Status.ON_SALE
    empty = send(tmp_path / "drop", ern43(dataclasses.replace(masters.spec, message_id="MSG-3", deals=())))
    assert empty.outcome == Outcome.IMPORTED and Deal.objects.count() == 0
    assert offered(release, "JP", currency="JPY") == Status.WITHDRAWN  # no deal = no deal


def test_per_track_releases_carry_their_own_deals(tmp_path: Path) -> None:
    deals = (DealSpec(wholesale=("0.70", "GBP")), DealSpec(references=("R1", "R3"), wholesale=("0.25", "GBP")))
    masters = deliver(tmp_path / "drop", dataclasses.replace(two_disc_album(), deals=deals))

    send(tmp_path / "drop", ern382(masters.spec))

    release = Release.objects.get()
    rights = ReleaseRights(release)
    coda, middle = release.tracks.get(title="Coda"), release.tracks.get(title="Middle")  # R1 is A3, R3 is A2
    assert {d.track for d in Deal.objects.filter(track__isnull=False)} == {coda, middle}
    assert rights.of_track(coda, "GB", NOW, "GBP").wholesale == Money(25, "GBP")
    assert rights.of_release("GB", NOW, "GBP").wholesale == Money(70, "GBP")


def test_an_unknown_price_code_is_imported_off_sale_and_named_in_the_detail(tmp_path: Path) -> None:
    spec = dataclasses.replace(two_disc_album(), deals=(DealSpec(price_code="FRONTLINE"),))
    masters = deliver(tmp_path / "drop", spec)

    result = send(tmp_path / "drop", ern43(masters.spec))

    assert result.outcome == Outcome.IMPORTED
    assert (f"price code(s) 'FRONTLINE' have no price tier for sender '{SENDER}': the deals priced by them show "
            "as off sale until the operator adds the tiers (admin: Price tiers)") in result.detail.splitlines()
    release = Release.objects.get()
    assert offered(release, "GB") == Status.UNPRICED
    PriceTier.objects.create(sender_party_id=SENDER, code="FRONTLINE", currency="GBP", wholesale_minor=79)
    assert ReleaseRights(release).of_release("GB", NOW, "GBP").wholesale == Money(79, "GBP")


def test_a_test_message_puts_nothing_on_sale_and_creates_no_catalogue_rows(tmp_path: Path, media_storage: Path) -> None:
    masters = deliver(tmp_path / "drop", dataclasses.replace(two_disc_album(), is_test=True))

    result = send(tmp_path / "drop", ern382(masters.spec))

    assert result.outcome == Outcome.TEST
    assert result.detail == ("test message: nothing put on sale; as a live message it would import "
                             "'The Sines - First Light' (UPC 0012345678905) (3 tracks)")
    assert row_counts() == nothing_but_the_audit_row() and stored_files(media_storage) == []
    assert DdexMessage.objects.get().is_test


def test_the_same_bytes_again_change_nothing(tmp_path: Path, media_storage: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    data = ern382(masters.spec)
    first = send(tmp_path / "drop", data)
    counts, files = row_counts(), stored_files(media_storage)

    again = send(tmp_path / "drop", data, "copy-of-message.xml")

    assert again.is_repeat and again.outcome == Outcome.IMPORTED
    assert again.detail == (f"already received as message {first.message.pk} (imported): imported 'The Sines - "
                            "First Light' (UPC 0012345678905) as a new release: 3 tracks, with its cover")
    assert again.releases == first.releases
    assert row_counts() == counts and stored_files(media_storage) == files


def test_a_purge_keeps_the_release_and_its_rows_but_takes_it_off_sale(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    send(tmp_path / "drop", ern382(masters.spec))
    counts = row_counts()

    purge = send(tmp_path / "drop", purge382(upc="0012345678905"), "purge.xml")

    release = Release.objects.get()
    assert purge.outcome == Outcome.PURGED and purge.releases == (release,)
    assert purge.reason == ("purged release The Sines - First Light: off sale from now on; purchases already made "
                            "stay downloadable")
    assert row_counts() == {**counts, "DdexMessage": counts["DdexMessage"] + 1}
    assert Licence.objects.get().purged_at is not None
    assert offered(release, "GB") == Status.WITHDRAWN
    again = send(tmp_path / "drop", purge382(upc="0012345678905", message_id="PURGE-2"), "purge-2.xml")
    assert again.reason.startswith("release The Sines - First Light was already purged on ")


def test_a_purge_from_another_sender_or_of_an_unknown_release_is_refused(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    send(tmp_path / "drop", ern382(masters.spec))

    stranger = send(tmp_path / "drop", purge382(upc="0012345678905", sender="PADPIDA2099999999Z"), "p1.xml")
    unknown = send(tmp_path / "drop", purge382(upc="4006381333931", message_id="P2"), "p2.xml")

    assert stranger.reason == ("purge refused: release The Sines - First Light is licensed by DDEX sender "
                               f"'{SENDER}'; sender 'PADPIDA2099999999Z' cannot change it")
    assert unknown.reason == ("purge refused: no release delivered by this sender matches ICPN '4006381333931'; "
                              "nothing was purged")
    assert Licence.objects.get().purged_at is None


def test_a_redelivery_after_a_purge_lifts_it(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    send(tmp_path / "drop", ern382(masters.spec))
    send(tmp_path / "drop", purge382(upc="0012345678905"), "purge.xml")

    back = send(tmp_path / "drop", ern382(dataclasses.replace(masters.spec, message_id="MSG-2")))

    assert any(line.startswith("the purge of ") and line.endswith("is lifted: the sender delivered the release again")
               for line in back.detail.splitlines())
    assert offered(Release.objects.get(), "GB") == Status.ON_SALE


HOSTILE = {
    "billion-laughs": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                       b'<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/382"><MessageHeader><MessageId>'
                       b"&lol2;</MessageId></MessageHeader></ern:NewReleaseMessage>",
                       "unreadable message: hostile XML (DTDForbidden): refused: the message declares an "
                       "entity/DTD"),
    "xxe": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43"><MessageHeader><MessageId>&xxe;'
            b"</MessageId></MessageHeader></ern:NewReleaseMessage>",
            "unreadable message: hostile XML (DTDForbidden): refused: the message declares an entity/DTD"),
    "malformed": (b'<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">\n'
                  b"<MessageHeader>\n</Header>\n", "unreadable message: line 4: mismatched tag"),
    "not-ern": (b'<x:NewReleaseMessage xmlns:x="http://example.com/ern/43"/>',
                "unreadable message: unknown ERN version: root namespace 'http://example.com/ern/43' is not a "
                "supported DDEX ERN namespace"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_and_malformed_xml_is_refused_with_the_parsers_reason_and_only_kept(case: str, tmp_path: Path) -> None:
    data, reason = HOSTILE[case]

    result = send(tmp_path / "drop", data)
    again = send(tmp_path / "drop", data)

    assert (result.outcome, result.detail) == (Outcome.REFUSED, reason)
    assert row_counts() == nothing_but_the_audit_row()
    assert again.is_repeat and again.detail == f"already received as message {result.message.pk} (refused): {reason}"


@pytest.mark.parametrize(("version", "name", "reason"), [
    ("3.8.2", "../../etc/passwd", "file name '../../etc/passwd' climbs out of the message's folder (path traversal)"),
    ("4.3", "resources/../../../etc/passwd",
     "file name 'resources/../../../etc/passwd' climbs out of the message's folder (path traversal)"),
    ("4.3", "..%2F..%2Fetc%2Fpasswd", "file name '..%2F..%2Fetc%2Fpasswd' climbs out of the message's folder"),
    ("4.3", "/etc/passwd", "file name '/etc/passwd' is an absolute path"),
    ("4.3", "file:///etc/passwd", "file 'file:///etc/passwd' is a file: URI"),
    ("4.3", "C:\\masters\\A1.flac", "file name 'C:\\\\masters\\\\A1.flac' is an absolute path"),
])
def test_a_file_name_reaching_outside_the_folder_is_refused(version: str, name: str, reason: str,
                                                             tmp_path: Path, media_storage: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    first = masters.spec.recordings[1]
    hostile = dataclasses.replace(first, file=FileSpec(name))
    spec = dataclasses.replace(masters.spec, recordings=(masters.spec.recordings[0], hostile,
                                                         masters.spec.recordings[2]))

    result = send(tmp_path / "drop", VERSIONS[version](spec))

    assert result.outcome == Outcome.REFUSED
    assert result.reason.startswith(f"disc 1 track 1 'Opening' (A1, ISRC GBAYE2600001): {reason}")
    assert row_counts() == nothing_but_the_audit_row() and stored_files(media_storage) == []


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    outside = write_sine(tmp_path / "elsewhere" / "secret.flac")
    masters.paths["A1"].unlink()
    masters.paths["A1"].symlink_to(outside)

    result = send(tmp_path / "drop", ern382(masters.spec))

    assert result.reason == ("disc 1 track 1 'Opening' (A1, ISRC GBAYE2600001): file 'resources/A1.flac' is a link "
                             "to outside the message's folder")


def test_a_message_refused_for_a_missing_master_goes_in_once_the_master_is_there(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    parked = masters.paths["A3"].rename(tmp_path / "parked.flac")
    data = ern382(masters.spec)

    refused = send(tmp_path / "drop", data)
    parked.rename(masters.paths["A3"])
    retried = send(tmp_path / "drop", data)

    assert refused.reason == ("disc 2 track 1 'Coda' (A3, ISRC GBAYE2600003): file 'resources/A3.flac' not found "
                              "beside the message")
    assert retried.outcome == Outcome.IMPORTED and retried.message.pk == refused.message.pk
    assert retried.detail.endswith(f"(refused when first received: {refused.reason})")
    assert DdexMessage.objects.get().outcome == Outcome.IMPORTED and Track.objects.count() == 3
    assert send(tmp_path / "drop", data).is_repeat


def test_the_task_imports_a_kept_message_again_idempotently(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    kept = import_message(ern43(masters.spec), source_name="upload.xml", via="upload", folder=None)
    assert kept.reason.endswith("not found: the message came without its files")

    done = import_stored_message.delay(kept.message.pk, str(tmp_path / "drop")).get()
    again = import_stored_message.delay(kept.message.pk, str(tmp_path / "drop")).get()

    assert (done["outcome"], done["repeat"], again["outcome"], again["repeat"]) == ("imported", False, "imported", True)
    assert reimport_message(kept.message.pk, folder=None).is_repeat and Track.objects.count() == 3


def test_a_placeholder_isrc_quarantines_the_release_with_the_reason(tmp_path: Path) -> None:
    album = two_disc_album()
    placeholder = dataclasses.replace(album.recordings[2], isrc="ISRC_Woot")
    masters = deliver(tmp_path / "drop", dataclasses.replace(album, recordings=(*album.recordings[:2], placeholder)))

    result = send(tmp_path / "drop", ern43(masters.spec))

    release = Release.objects.get()
    assert result.outcome == Outcome.QUARANTINED
    assert release.quarantine_reason == "sound recording A2: ISRC 'ISRC_Woot' is not a valid ISRC"
    assert release.tracks.get(title="Middle").isrc == ""
    assert not Release.objects.on_sale().exists()


def test_a_redelivery_adds_a_new_track_without_duplicating_the_others(tmp_path: Path, media_storage: Path) -> None:
    album = two_disc_album()
    masters = deliver(tmp_path / "drop", album)
    send(tmp_path / "drop", ern382(masters.spec))
    bonus = deliver(tmp_path / "bonus", dataclasses.replace(
        album, recordings=(RecordingSpec("A4", "GBAYE2600004", "Bonus", disc=2, seconds=1.5),)), cover=False)
    spec = dataclasses.replace(masters.spec, message_id="MSG-2",
                               recordings=(*masters.spec.recordings, bonus.spec.recordings[0]))
    shutil.copy(bonus.paths["A4"], tmp_path / "drop" / "resources" / "A4.flac")

    result = send(tmp_path / "drop", ern382(spec))

    assert result.outcome == Outcome.IMPORTED, result.detail
    release = Release.objects.get()
    assert [(t.disc_number, t.position, t.title) for t in release.tracks.all()] == [
        (1, 1, "Opening"), (1, 2, "Middle"), (2, 1, "Coda"), (2, 2, "Bonus")]
    assert Master.objects.count() == 4 and len(stored_files(media_storage)) == 5


def test_a_redelivery_from_another_sender_is_refused(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    send(tmp_path / "drop", ern382(masters.spec))

    other = send(tmp_path / "drop", ern382(dataclasses.replace(masters.spec, sender="PADPIDA2099999999Z")))

    assert other.reason == ("re-delivery refused: release The Sines - First Light is licensed by DDEX sender "
                            f"'{SENDER}'; sender 'PADPIDA2099999999Z' cannot change it")


def test_a_failure_after_the_masters_are_stored_leaves_no_rows_and_no_files(
        tmp_path: Path, media_storage: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())

    def broken(*args: object) -> list[str]:
        raise DatabaseError("disk full")

    monkeypatch.setattr(messages, "replace_deals", broken)
    with pytest.raises(DatabaseError, match="disk full"):
        send(tmp_path / "drop", ern382(masters.spec))

    assert all(count == 0 for count in row_counts().values())
    assert stored_files(media_storage) == []


def test_a_refusal_after_the_masters_are_stored_keeps_only_the_audit_row(
        tmp_path: Path, media_storage: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())

    def refusing(*args: object) -> list[str]:
        raise messages.ImportRefused("the deals could not be read")

    monkeypatch.setattr(messages, "replace_deals", refusing)
    result = send(tmp_path / "drop", ern382(masters.spec))

    assert (result.outcome, result.detail) == (Outcome.REFUSED, "the deals could not be read")
    assert row_counts() == nothing_but_the_audit_row() and stored_files(media_storage) == []


# --- the command line -----------------------------------------------------------------------------------


@pytest.fixture
def in_process_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI in this process: Django is set up and the test database migrated already."""
    monkeypatch.setattr(cli, "setup_django", lambda: None)


def test_ddex_import_prints_a_line_per_file_and_exits_1_if_any_was_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], in_process_cli: None) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    good = write_message(tmp_path / "drop", "album.xml", ern382(masters.spec))
    bad = write_message(tmp_path / "drop", "broken.xml", b"<ern:NewReleaseMessage")

    status = cli.main(["ddex", "import", str(good), str(bad)])

    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[0] == (f"imported     {good}  The Sines - First Light  imported 'The Sines - First Light' "
                        "(UPC 0012345678905) as a new release: 3 tracks, with its cover")
    assert lines[1] == f"refused      {bad}  -  unreadable message: line 1: unclosed token"
    assert cli.main(["ddex", "import", "--json", str(good)]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["file"], row["outcome"], row["repeat"]) == (str(good), "imported", True)
    assert row["releases"][0]["upc"] == "0012345678905"


def test_ddex_import_of_a_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   in_process_cli: None) -> None:
    assert cli.main(["ddex", "import", str(tmp_path / "nowhere.xml")]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere.xml'}: no such file\n"


def test_the_admin_shows_messages_and_licences_with_their_deals_read_only(tmp_path: Path, client,
                                                                          django_user_model) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    result = send(tmp_path / "drop", ern382(masters.spec))
    admin = django_user_model.objects.create_superuser("operator", "op@example.com", "x")
    client.force_login(admin)
    licence = Licence.objects.get()

    listing = client.get("/admin/rights/ddexmessage/").content.decode()
    message_page = client.get(f"/admin/rights/ddexmessage/{result.message.pk}/change/").content.decode()
    licence_page = client.get(f"/admin/rights/licence/{licence.pk}/change/").content.decode()

    assert "NewReleaseMessage" in listing and SENDER in listing
    assert "ern:NewReleaseMessage" in message_page and 'name="_save"' not in message_page
    assert "<td>PayAsYouGoModel</td><td>PermanentDownload</td><td>Worldwide</td>" in licence_page
    assert client.get("/admin/rights/pricetier/add/").status_code == 200


def test_a_redelivery_that_leaves_a_track_out_keeps_it_and_says_so(tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", two_disc_album())
    send(tmp_path / "drop", ern43(masters.spec))

    shorter = dataclasses.replace(masters.spec, message_id="MSG-2", recordings=masters.spec.recordings[:2])
    result = send(tmp_path / "later", ern43(shorter))

    assert result.outcome == Outcome.IMPORTED and Track.objects.count() == 3
    assert ("track 1-2 'Middle' (ISRC GBAYE2600002) is not in this message; it stays on the release (tracks are "
            "never removed: buyers keep what they bought)") in result.detail.splitlines()


@pytest.mark.django_db(transaction=True)
def test_two_messages_for_one_new_release_at_the_same_moment_make_one_release(tmp_path: Path,
                                                                                media_storage: Path) -> None:
    # given two messages (their ids differ) delivering the same new album, imported at the same moment, as
    # two workers would
    masters = deliver(tmp_path / "drop", two_disc_album())
    paths = [write_message(tmp_path / "drop", f"message-{n}.xml",
                           ern382(dataclasses.replace(masters.spec, message_id=f"MSG-{n}"))) for n in (1, 2)]
    results = run_together(2, lambda n: import_message(paths[n].read_bytes(), source_name=str(paths[n]), via="cli",
                                                       folder=tmp_path / "drop"))
    # then one imports the album and the other updates it: one release, its three tracks and masters once
    assert all(isinstance(r, ImportResult) and r.outcome == Outcome.IMPORTED for r in results), results
    assert sorted(r.detail.split()[0] for r in results if isinstance(r, ImportResult)) == ["imported", "updated"]
    release = Release.objects.get()
    assert release.tracks.count() == 3 and Master.objects.count() == 3
    assert len(stored_files(media_storage)) == 4
