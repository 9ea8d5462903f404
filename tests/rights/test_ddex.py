"""parse_message against the real label samples in the shared folder, and against hostile inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pressplant.rights.ddex import DdexError, ErnMessage, ReleaseInfo, is_download_deal, parse_message
from pressplant.rights.ddex.values import duration_ms

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "ddex-samples"

if not SAMPLES.is_dir():
    pytest.skip("the shared DDEX samples folder (../shared/ddex-samples) is not present", allow_module_level=True)


def sample(name: str) -> ErnMessage:
    return parse_message((SAMPLES / name).read_bytes())


def main_release(message: ErnMessage) -> ReleaseInfo:
    (release,) = [r for r in message.releases if r.is_main]
    return release


# --- every sample ---------------------------------------------------------------------------------

EXPECTED_VERSIONS = {
    "7digital__DDEX-Deserialiser__ddex-sample.xml": "3.4.1",
    "AudiusProject__ddex-processor__02_update.xml": "3.8.2",
    "AudiusProject__ddex-processor__03_delete.xml": "3.8.2",
    "AudiusProject__ddex-processor__track_pay_gated.xml": "3.8.2",
    "kazhs__ddex-json-codec__ern382_album.xml": "3.8.2",
    "kazhs__ddex-json-codec__ern382_official-album.xml": "3.8.2",
    "kazhs__ddex-json-codec__ern382_single.xml": "3.8.2",
    "kazhs__ddex-json-codec__ern43_album.xml": "4.3",
    "sshaw__ddex__ern42_1_Audio.xml": "4.2",
    "sshaw__ddex__ern43_1_Audio.xml": "4.3",
    "sshaw__ddex__ern43_4_SimpleAudioSingle.xml": "4.3",
    "sshaw__ddex__ern43_Variant_Classical.xml": "4.3",
}


def test_the_expected_samples_are_all_there() -> None:
    assert {p.name for p in SAMPLES.glob("*.xml")} == set(EXPECTED_VERSIONS)


@pytest.mark.parametrize(("name", "version"), sorted(EXPECTED_VERSIONS.items()))
def test_every_sample_parses_with_its_version_detected(name: str, version: str) -> None:
    message = sample(name)

    assert message.version == version
    assert message.message_id or "message header: MessageId is missing or empty" in message.problems
    assert message.sender_party_id
    assert isinstance(message.created_at, datetime)


# --- 3.4.1: 7digital, placeholders, takedown, test message ------------------------------------------


def test_7digital_placeholders_are_kept_and_reported_never_fixed() -> None:
    message = sample("7digital__DDEX-Deserialiser__ddex-sample.xml")

    assert [r.isrc for r in message.sound_recordings] == ["US82M0754801", "ISRC_Woot"]
    assert main_release(message).icpn == "ICPN_VALUE"
    assert "sound recording A2: ISRC 'ISRC_Woot' is not a valid ISRC" in message.problems
    assert "release R0: ICPN 'ICPN_VALUE' is not a valid ICPN (UPC/EAN)" in message.problems
    assert "release R0: GRid 'GRID_NUMBER' is not a valid GRid" in message.problems
    assert not any("US82M0754801" in p for p in message.problems)


def test_7digital_is_a_test_update_message_with_a_us_takedown() -> None:
    message = sample("7digital__DDEX-Deserialiser__ddex-sample.xml")

    assert message.is_test
    assert message.update_indicator == "UpdateMessage"
    assert len(message.deals) == 345
    takedowns = [d for d in message.deals if d.is_takedown]
    assert {d.territory_codes for d in takedowns} == {("US",)}
    assert {d.release_references for d in takedowns} == {("R0",), ("R1",), ("R2",)}
    assert all(is_download_deal(d) is None for d in takedowns)


def test_7digital_deals_carry_price_types_and_pre_order_dates() -> None:
    message = sample("7digital__DDEX-Deserialiser__ddex-sample.xml")
    austria_sale = next(
        d
        for d in message.deals
        if d.territory_codes == ("AT",) and is_download_deal(d) == "sale" and "R0" in d.release_references
    )

    assert austria_sale.price_code is not None
    assert (austria_sale.price_code.code, austria_sale.price_code.namespace) == ("A08", "DPID:MyPartyId")
    assert austria_sale.start == date(2007, 8, 28)
    assert austria_sale.pre_order_release_date == date(2007, 8, 14)
    assert austria_sale.pre_order_preview_date == date(2007, 8, 28)


def test_7digital_release_and_recording_details() -> None:
    message = sample("7digital__DDEX-Deserialiser__ddex-sample.xml")
    album = main_release(message)
    first = message.sound_recordings[0]

    assert (album.reference, album.release_type, album.title) == ("R0", "Single", "Album Title?")
    assert (album.display_artist, album.label_name, album.genre) == ("Messages", "Me Iz Label", "Alternative Rock")
    assert album.original_release_date == date(2007, 8, 28)
    assert [(t.disc_number, t.track_number, t.resource_reference) for t in album.tracks] == [(1, 1, "A1"), (1, 2, "A2")]
    assert album.cover_image_reference == "A3"
    assert album.c_line == "2007 The Me Iz Label"
    assert first.duration_ms == 307_000
    assert [(f.name, f.hash_algorithm, f.hash_value) for f in first.files] == [
        ("/resources/myfile1.mp3", "MD5", "4c342562837456fff325434e325a24cf")
    ]
    assert [r.is_main for r in message.releases] == [True, False, False]


# --- 3.8.2: kazhs (The Orchard), official DDEX album -------------------------------------------------


def test_kazhs_single_is_a_takedown_for_japan_with_an_effective_date() -> None:
    message = sample("kazhs__ddex-json-codec__ern382_single.xml")

    assert message.update_indicator == "UpdateMessage"
    assert len(message.deals) == 2
    assert all(d.is_takedown and d.territory_codes == ("JP",) for d in message.deals)
    assert {d.effective_date for d in message.deals} == {date(2024, 10, 2)}
    assert main_release(message).icpn == "5710261026118"
    assert message.recipient_party_id is None
    assert message.problems == ()


def test_kazhs_album_sells_downloads_in_japan() -> None:
    message = sample("kazhs__ddex-json-codec__ern382_album.xml")
    sales = [d for d in message.deals if is_download_deal(d) == "sale"]

    assert sales
    assert all(d.territory_codes == ("JP",) for d in sales)
    assert {d.effective_date for d in message.deals} == {date(2025, 12, 8)}
    assert main_release(message).icpn == "199806591208"
    assert [t.resource_reference for t in main_release(message).tracks] == ["A1", "A2"]


def test_official_382_album_has_no_deals_and_six_tracks() -> None:
    message = sample("kazhs__ddex-json-codec__ern382_official-album.xml")
    album = main_release(message)

    assert message.deals == ()
    assert message.message_id is None
    assert "message header: MessageId is missing or empty" in message.problems
    assert album.title == "A Monkey Claw in a Velvet Glove"
    assert album.release_date == date(2010, 1, 1)
    assert album.original_release_date == date(2010, 10, 1)
    assert [t.track_number for t in album.tracks] == [1, 2, 3, 4, 5, 6]
    assert album.cover_image_reference == "A7"
    assert message.sound_recordings[0].display_artists == ("Monkey Claw", "Second Artist")


# --- 3.8.2: Audius hand-made fixtures ------------------------------------------------------------------


def test_audius_pay_gated_single_has_a_worldwide_wholesale_price() -> None:
    message = sample("AudiusProject__ddex-processor__track_pay_gated.xml")
    (deal,) = message.deals

    assert is_download_deal(deal) == "sale"
    assert deal.territory_codes == ("Worldwide",)
    assert deal.wholesale_price is not None
    assert (deal.wholesale_price.amount, deal.wholesale_price.currency) == (Decimal("4.0"), "USD")
    assert deal.start == date(2023, 9, 2)
    assert deal.end is None


def test_audius_update_is_a_free_download() -> None:
    message = sample("AudiusProject__ddex-processor__02_update.xml")
    (deal,) = message.deals

    assert deal.commercial_model_types == ("FreeOfChargeModel",)
    assert is_download_deal(deal) == "free"
    assert deal.territory_codes == ("Worldwide",)
    assert message.sound_recordings[0].title == "Updated Example Song"


def test_audius_delete_is_a_purge_of_one_release_whose_grid_is_a_placeholder() -> None:
    message = sample("AudiusProject__ddex-processor__03_delete.xml")

    assert message.kind == "PurgeReleaseMessage"
    assert [r.grid for r in message.releases] == ["A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0"]
    assert message.problems == ("purged release: GRid 'A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0' is not a valid GRid",)
    assert message.deals == ()


# --- 4.2 / 4.3: DDEX official samples ------------------------------------------------------------------

OFFICIAL_ISRCS = [
    "JPTO09404900",
    "JPTO09404910",
    "JPTO09404920",
    "JPTO09404930",
    "JPTO09404940",
    "JPTO09404950",
    "JPTO09404960",
    "JPTO09404970",
    "JPTO09404980",
    "JPTO09404990",
    "JPTO09405000",
    "JPTO09405010",
    "JPTO09405020",
    "JPTO09405030",
    "JPTO09405040",
    "JPTO09405050",
    "JPTO09405060",
    "JPTO09405070",
    "JPTO09332840",
    "JPTO09405080",
    "JPTO09332830",
]
OFFICIAL_SECONDS = [148, 102, 72, 82, 92, 74, 69, 72, 74, 90, 65, 58, 81, 105, 86, 65, 71, 132, 204, 222, 226]


@pytest.mark.parametrize("name", ["sshaw__ddex__ern43_1_Audio.xml", "sshaw__ddex__ern42_1_Audio.xml"])
def test_official_album_lists_21_tracks_in_order_with_isrcs_and_durations(name: str) -> None:
    message = sample(name)
    album = main_release(message)
    recordings = {r.reference: r for r in message.sound_recordings}

    tracks = [recordings[t.resource_reference] for t in album.tracks]
    assert [t.track_number for t in album.tracks] == list(range(1, 22))
    assert {t.disc_number for t in album.tracks} == {1}
    assert [r.isrc for r in tracks] == OFFICIAL_ISRCS
    assert [r.duration_ms for r in tracks] == [s * 1000 for s in OFFICIAL_SECONDS]
    assert (album.icpn, album.release_type, album.title) == ("00094631432057", "Album", "Yume no Hajmari")
    assert (album.display_artist, album.label_name) == ("Saeko Shu", "EMI MUSIC JAPAN INC.")
    assert album.cover_image_reference == "A22"
    assert tracks[0].display_artists == ("Saeko Shu",)
    assert tracks[0].files[0].name == "0094631432057_01_001.wav"
    assert tracks[0].p_line == "(P) 1994 EMI Music Japan Inc."
    assert sum(not r.is_main for r in message.releases) == 21
    assert message.problems == ()


def test_official_43_album_prices_track_downloads_by_price_code() -> None:
    message = sample("sshaw__ddex__ern43_1_Audio.xml")
    track_sale = next(d for d in message.deals if "R1" in d.release_references and is_download_deal(d) == "sale")

    assert track_sale.price_code is not None
    assert (track_sale.price_code.code, track_sale.price_code.namespace) == ("AAAA", "PADPIDA2013042401U")
    assert len(track_sale.release_references) == 21


def test_simple_single_has_747_deals_over_249_territories() -> None:
    message = sample("sshaw__ddex__ern43_4_SimpleAudioSingle.xml")
    territories = {code for d in message.deals for code in d.territory_codes}

    assert len(message.deals) == 747
    assert len(territories) == 249
    assert "Worldwide" not in territories
    single = main_release(message)
    assert (single.icpn, single.grid) == (None, "A10302B0003989564F")
    assert [p.value for p in single.proprietary_ids] == ["GBAYC1700598"]
    assert message.sound_recordings[0].files[0].hash_algorithm == "MD5"


def test_classical_variant_flattens_work_groups_into_one_disc() -> None:
    message = sample("sshaw__ddex__ern43_Variant_Classical.xml")
    album = main_release(message)

    assert [t.resource_reference for t in album.tracks] == [f"A{i}" for i in range(1, 13)]
    assert [t.track_number for t in album.tracks] == list(range(1, 13))
    (deal,) = message.deals
    assert is_download_deal(deal) == "sale"
    assert message.sound_recordings[0].display_artists == ("The English Concert", "Simon Standage", "Trevor Pinnock")


def test_trimmed_43_album_resolves_parties() -> None:
    message = sample("kazhs__ddex-json-codec__ern43_album.xml")

    assert main_release(message).label_name == "EMI MUSIC JAPAN INC."
    assert [r.isrc for r in message.sound_recordings] == ["JPTO09404900", "JPTO09404910"]
    assert not message.is_test


# --- synthetic messages --------------------------------------------------------------------------------

SYNTHETIC_43 = b"""<?xml version="1.0"?>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">
  <MessageHeader><MessageId>M1</MessageId><MessageSender><PartyId>PADPIDA0000000001</PartyId></MessageSender>
    <MessageCreatedDateTime>2026-01-01T10:00:00+02:00</MessageCreatedDateTime>
    <MessageControlType>TestMessage</MessageControlType></MessageHeader>
  <DealList><ReleaseDeal><DealReleaseReference>R0</DealReleaseReference><Deal><DealTerms>
    <ExcludedTerritoryCode>US</ExcludedTerritoryCode><TerritoryCode>Worldwide</TerritoryCode>
    <ValidityPeriod><StartDateTime>2026-02-01T00:00:00+01:00</StartDateTime><EndDate>2027-01-01</EndDate></ValidityPeriod>
    <CommercialModelType>PayAsYouGoModel</CommercialModelType><UseType>Stream</UseType>
  </DealTerms></Deal></ReleaseDeal></DealList>
</ern:NewReleaseMessage>"""


def test_a_synthetic_43_test_message_with_a_start_datetime_in_utc() -> None:
    message = parse_message(SYNTHETIC_43)
    (deal,) = message.deals

    assert message.is_test
    assert message.created_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert deal.start == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    assert deal.end == date(2027, 1, 1)
    assert deal.excluded_territory_codes == ("US",)
    assert is_download_deal(deal) is None  # streaming only


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT3M45S", 225_000),
        ("PT5M7.000S", 307_000),
        ("PT0H3M8S", 188_000),
        ("PT4M23.583S", 263_583),
        ("P1DT1S", 86_401_000),
    ],
)
def test_xs_durations_become_milliseconds(text: str, expected: int) -> None:
    assert duration_ms(text) == expected


@pytest.mark.parametrize("text", [None, "", "PT", "3:45", "P"])
def test_odd_durations_are_none(text: str | None) -> None:
    assert duration_ms(text) is None


# --- hostile and broken inputs -----------------------------------------------------------------------

REFUSED = "refused: the message declares an entity/DTD"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/382"><MessageHeader><MessageId>&lol3;</MessageId>
</MessageHeader></ern:NewReleaseMessage>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ern:NewReleaseMessage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/382"><MessageHeader><MessageId>&xxe;</MessageId>
</MessageHeader></ern:NewReleaseMessage>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE ern:NewReleaseMessage SYSTEM "http://example.invalid/release-notification.dtd">
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/382"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "dtd"])
def test_entities_and_dtds_are_refused(data: bytes) -> None:
    with pytest.raises(DdexError, match=REFUSED) as refused:
        parse_message(data)

    assert "root:" not in str(refused.value)


def test_malformed_xml_names_the_line() -> None:
    data = b'<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">\n<MessageHeader>\n</Header>\n'

    with pytest.raises(DdexError, match=r"^line 4: mismatched tag$"):
        parse_message(data)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b'<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/999"/>', "'http://ddex.net/xml/ern/999'"),
        (b'<x:NewReleaseMessage xmlns:x="http://example.com/ern/43"/>', "'http://example.com/ern/43'"),
        (b"<NewReleaseMessage/>", "''"),
    ],
)
def test_unknown_namespaces_are_refused_by_name(data: bytes, named: str) -> None:
    with pytest.raises(DdexError, match=f"unknown ERN version: root namespace {named}"):
        parse_message(data)


def test_a_known_namespace_with_an_unknown_root_is_refused() -> None:
    with pytest.raises(DdexError, match="root element 'SalesReport' is not one of"):
        parse_message(b'<ern:SalesReport xmlns:ern="http://ddex.net/xml/ern/43"/>')


@pytest.mark.parametrize("data", [b"", b"  \n "])
def test_an_empty_document_is_refused(data: bytes) -> None:
    with pytest.raises(DdexError, match="empty document"):
        parse_message(data)


def test_text_that_is_not_xml_names_line_1() -> None:
    with pytest.raises(DdexError, match=r"^line 1: syntax error$"):
        parse_message(b"hello, label")
