"""DSR flat files: read back independently (csv module, DSR Part 1 rules), counted, and summed."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from decimal import Decimal

from pressplant.rights.models import LabelMember
from pressplant.royalties.dsr import RECORD_CELLS, DsrParty, dsr_files, dsr_for_label, iso_duration, record
from pressplant.royalties.periods import Period
from pressplant.royalties.reports import write_period_reports
from tests.royalties.conftest import Share, at, refund, sell

NOVEMBER = Period(2026, 11)
STORE = DsrParty("PADPIDA2026112901S", "Pressplant Test Store")
CREATED = at("2026-12-01 06:30:05")
FILE_NAME = re.compile(r"DSR_(?P<recipient>[A-Za-z0-9-]+)_(?P<sender>[A-Za-z0-9-]+)_(?P<service>[A-Za-z0-9-]+)_"
                       r"(?P<period>[0-9]{4}-[0-9]{2})_(?P<territory>[A-Z]{2}|multi)_(?P<x>[0-9]+)of(?P<y>[0-9]+)_"
                       r"(?P<created>[0-9]{8}T[0-9]{6})\.tsv")


def parse(text: str) -> tuple[list[list[str]], int]:
    """The records (comment rows skipped) and the number of lines, as a DSR reader sees them: tabs
    separate cells, a backslash escapes the next character, '#' rows are comments."""
    lines = text.split("\n")
    assert lines[-1] == "", "the file ends with a line feed"
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", strict=True))
    return [row for row in rows if not row[0].startswith("#")], len(lines) - 1


def shares(cat, label_minor: int) -> list[Share]:
    return [Share("label", cat.label_payee.code, cat.label_payee.name, label_minor),
            Share("mechanical", "prs-for-music", "PRS for Music", 8)]


def test_every_record_carries_every_cell_and_the_footer_counts_hold(catalogue, customer):
    # given two track sales (one refunded), an album sale in France, and a sale of another label's single
    one = sell(customer, catalogue.tracks[0], when=at("2026-11-02 10:00"), price_minor=120, vat_minor=20,
               shares=shares(catalogue, 70))
    sell(customer, catalogue.tracks[1], when=at("2026-11-03 10:00"), price_minor=120, vat_minor=20,
         shares=shares(catalogue, 70), list_price_minor=150)
    sell(customer, catalogue.album, when=at("2026-11-04 10:00"), price_minor=960, vat_minor=160, territory="FR",
         shares=[Share("label", "cache-records", "Cache Records Ltd", 560)])
    sell(customer, catalogue.single, when=at("2026-11-04 11:00"), price_minor=100, vat_minor=0, territory="US",
         shares=[Share("label", "other-label", "Other Label", 70)])
    refund(one, at("2026-11-20 10:00"))
    # when the label's DSR is made
    dsr = dsr_for_label(catalogue.label, NOVEMBER, STORE, CREATED)
    assert dsr is not None
    records, line_count = parse(dsr.text)
    # then each record type has exactly its table's cells, HEAD first, FOOT last
    assert records[0][0] == "HEAD" and records[-1][0] == "FOOT"
    for row in records:
        assert len(row) == len(RECORD_CELLS[row[0]]), row
    counted = Counter(row[0] for row in records)
    assert counted == {"HEAD": 1, "SY02.02": 2, "RE01": 1, "AS02.02": 2, "SU01": 4, "FOOT": 1}
    foot = dict(zip(RECORD_CELLS["FOOT"], records[-1], strict=True))
    assert int(foot["NumberOfLinesInFile"]) == int(foot["NumberOfLinesInReport"]) == line_count
    assert int(foot["NumberOfSummaryRecords"]) == counted["SY02.02"]
    assert int(foot["NumberOfBlocksInFile"]) == int(foot["NumberOfBlocksInReport"]) == counted["RE01"]
    # and the file name follows DSR_<recipient>_<sender>_<service>_<period>_<territory>_<x>of<y>_<created>.tsv
    name = FILE_NAME.fullmatch(dsr.name)
    assert name is not None, dsr.name
    assert name.groupdict() == {"recipient": "CacheRecords", "sender": "PADPIDA2026112901S", "service": "Download",
                                "period": "2026-11", "territory": "multi", "x": "1", "y": "1",
                                "created": "20261201T063005"}


def test_sales_lines_summaries_and_resources_carry_the_figures(catalogue, customer):
    one = sell(customer, catalogue.tracks[0], when=at("2026-11-02 10:00"), price_minor=120, vat_minor=20,
               shares=shares(catalogue, 70))
    sell(customer, catalogue.tracks[1], when=at("2026-11-03 10:00"), price_minor=120, vat_minor=20,
         shares=shares(catalogue, 70), list_price_minor=150)
    sell(customer, catalogue.album, when=at("2026-11-04 10:00"), price_minor=960, vat_minor=160,
         shares=[Share("label", "cache-records", "Cache Records Ltd", 560)])
    refund(one, at("2026-11-20 10:00"))
    dsr = dsr_for_label(catalogue.label, NOVEMBER, STORE, CREATED)
    assert dsr is not None and "_GB_1of1_" in dsr.name
    records, _ = parse(dsr.text)
    named = [dict(zip(RECORD_CELLS[row[0]], row, strict=True)) for row in records]
    head, [summary], sales = named[0], [r for r in named if r["RecordType"] == "SY02.02"], \
        [r for r in named if r["RecordType"] == "SU01"]
    assert (head["Profile"], head["UsageStartDate"], head["UsageEndDate"], head["SenderPartyId"]) == (
        "BasicAudioProfile", "2026-11-01", "2026-11-30", "PADPIDA2026112901S")
    assert (summary["CommercialModel"], summary["UseType"], summary["Territory"], summary["Usages"]) == (
        "PayAsYouGoModel", "PermanentDownload", "GB", "2")
    assert (summary["CurrencyOfReporting"], summary["NetRevenue"], summary["AllocatedRevenue"]) == (
        "GBP", "9.00", "6.30")
    assert [(s["SalesTransactionId"], s["Usages"], s["Returns"], s["PriceConsumerPaidExcSalesTax"],
             s["SalesUpgrade"]) for s in sales] == [
        (f"sale-{one.pk}", "1", "0", "1.00", "false"), (f"sale-{one.pk + 1}", "1", "0", "1.00", "true"),
        (f"sale-{one.pk + 2}", "1", "0", "8.00", "false"), (f"refund-{one.pk}", "0", "1", "1.00", "false")]
    assert sum(Decimal(s["PriceConsumerPaidExcSalesTax"]) * (int(s["Usages"]) - int(s["Returns"]))
               for s in sales) == Decimal(summary["NetRevenue"])
    resources = {r["ResourceReference"]: r for r in named if r["RecordType"] == "AS02.02"}
    assert [sales[0]["TransactedResource"], sales[2]["TransactedRelease"]] == ["SR1", "RE1"]
    assert (resources["SR1"]["ISRC"], resources["SR1"]["Duration"], resources["SR1"]["Title"]) == (
        "GBXYZ2600001", "PT3M15.25S", "One")
    assert resources["SR2"]["Title"] == "Two\tTab \\| Pipe"  # the file has Two\<TAB>Tab \\| Pipe


def test_values_with_delimiters_are_escaped_as_dsr_part_1_says():
    row = record("RE01", Title="A\tB|C\\D")
    assert row[RECORD_CELLS["RE01"].index("Title")] == "A\\\tB\\\\|C\\\\\\D"
    assert len(row) == len(RECORD_CELLS["RE01"])


def test_one_file_per_label_with_its_dpid_and_nothing_for_a_quiet_label(catalogue, customer, django_user_model):
    user = django_user_model.objects.create_user("label@example.com")
    LabelMember.objects.create(user=user, label=catalogue.label, sender_party_id="PADPIDA2011072101T")
    sell(customer, catalogue.tracks[0], when=at("2026-11-02 10:00"), price_minor=120, vat_minor=20,
         shares=shares(catalogue, 70))
    [dsr] = dsr_files(NOVEMBER, STORE, CREATED)
    assert dsr.name.startswith("DSR_PADPIDA2011072101T_PADPIDA2026112901S_Download_2026-11_GB_1of1_")
    records, _ = parse(dsr.text)
    head = dict(zip(RECORD_CELLS["HEAD"], records[0], strict=True))
    assert (head["RecipientPartyId"], head["RecipientName"]) == ("PADPIDA2011072101T", "Cache Records")
    assert dsr_for_label(catalogue.other_label, NOVEMBER, STORE, CREATED) is None


def test_labels_delivered_by_one_distributor_each_keep_their_own_dsr_file(catalogue, customer, django_user_model,
                                                                         tmp_path):
    # given two labels whose DDEX messages both come from one distributor's DPID, each with a sale
    for n, label in enumerate((catalogue.label, catalogue.other_label)):
        user = django_user_model.objects.create_user(f"distributor{n}@example.com")
        LabelMember.objects.create(user=user, label=label, sender_party_id="PADPIDA2011072101T")
    sell(customer, catalogue.tracks[0], when=at("2026-11-02 10:00"), price_minor=120, vat_minor=20,
         shares=shares(catalogue, 70))
    other = [Share("label", catalogue.other_payee.code, catalogue.other_payee.name, 60)]
    sell(customer, catalogue.single, when=at("2026-11-03 10:00"), price_minor=100, vat_minor=17, shares=other)
    # when the month's DSRs are made, and when the month's reports are written to a folder
    files = dsr_files(NOVEMBER, STORE, CREATED)
    report = write_period_reports(NOVEMBER, tmp_path, created_at=CREATED)
    # then each label has a file of its own, named after the DPID and the label, holding its own sale
    names = sorted(f.name for f in files)
    assert len(set(names)) == 2 and all(FILE_NAME.fullmatch(name) for name in names)
    assert [name.split("_")[1] for name in names] == ["PADPIDA2011072101T-CacheRecords",
                                                     "PADPIDA2011072101T-OtherLabel"]
    written = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("DSR_"))
    assert report.ok and [n.split("_")[1] for n in written] == [n.split("_")[1] for n in names]
    titles = {name: {r[RECORD_CELLS["RE01"].index("Title")] for r in parse((tmp_path / name).read_text())[0]
                     if r[0] == "RE01"} for name in written}
    assert list(titles.values()) == [{"Cache Songs"}, {"Elsewhere"}]


def test_durations_are_xs_durations():
    assert [iso_duration(ms) for ms in (195_250, 61_000, 3_600_000, 999)] == [
        "PT3M15.25S", "PT1M1S", "PT1H0M0S", "PT0.999S"]
