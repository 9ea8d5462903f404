"""The label's Bandcamp-style sales report: Bandcamp's column names, one row per sale or refund."""

from __future__ import annotations

import csv
import io

from pressplant.royalties.periods import Period
from pressplant.royalties.sales_reports import SALES_REPORT_COLUMNS, sales_report_csv
from tests.royalties.conftest import Share, at, refund, sell

NOVEMBER = Period(2026, 11)


def rows(text: str) -> list[dict[str, str]]:
    table = list(csv.reader(io.StringIO(text)))
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_the_columns_are_bandcamps_names():
    assert SALES_REPORT_COLUMNS[:8] == ("date", "paid to", "item type", "item name", "artist", "currency",
                                        "item price", "quantity")
    assert {"sub total", "seller tax", "marketplace tax", "net amount", "catalog number", "upc", "isrc",
            "country"} <= set(SALES_REPORT_COLUMNS)


def test_a_sale_and_its_refund_are_rows_with_the_labels_net(catalogue, customer):
    # given a track sold in the UK (1.20 incl. 0.20 VAT: label 0.56, artist 0.14, PRS 0.08), refunded,
    # and an album sold; and a sale of another label's single
    shares = [Share("label", "cache-records", "Cache Records Ltd", 56), Share("artist", "the-encoders",
                                                                             "The Encoders", 14),
              Share("mechanical", "prs-for-music", "PRS for Music", 8)]
    line = sell(customer, catalogue.tracks[0], when=at("2026-11-02 10:00"), price_minor=120, vat_minor=20,
                shares=shares)
    refund(line, at("2026-11-09 08:30"))
    sell(customer, catalogue.album, when=at("2026-11-04 10:00"), price_minor=960, vat_minor=160, format_name="wav",
         shares=[Share("label", "cache-records", "Cache Records Ltd", 560)])
    sell(customer, catalogue.single, when=at("2026-11-04 11:00"), price_minor=100, vat_minor=0, territory="US",
         shares=[Share("label", "other-label", "Other Label", 70)])
    # when the label's report for November is read back
    sale, album, returned = rows(sales_report_csv(catalogue.label, NOVEMBER))
    # then each row carries Bandcamp's meanings, and the refund is negative on its own date
    assert (sale["date"], sale["item type"], sale["item name"], sale["artist"], sale["quantity"]) == (
        "2026-11-02 10:00:00", "track", "One", "The Encoders", "1")
    assert (sale["item price"], sale["sub total"], sale["marketplace tax"], sale["tax rate"],
            sale["item total"]) == ("1.00", "1.00", "0.20", "20%", "1.20")
    assert (sale["collection society share"], sale["store share"], sale["net amount"], sale["paid to"]) == (
        "0.08", "0.22", "0.70", "Cache Records Ltd; The Encoders")
    assert (sale["upc"], sale["isrc"], sale["country code"], sale["country"], sale["option"]) == (
        "5710261026118", "GBXYZ2600001", "GB", "United Kingdom", "flac")
    assert (album["item type"], album["net amount"], album["isrc"], album["option"]) == ("release", "5.60", "",
                                                                                          "wav")
    assert (returned["date"], returned["item type"], returned["quantity"], returned["net amount"],
            returned["item total"]) == ("2026-11-09 08:30:00", "refund", "-1", "-0.70", "-1.20")
    assert returned["transaction id"] == f"refund-{line.pk}"


def test_a_quiet_month_is_a_header_alone(catalogue):
    assert rows(sales_report_csv(catalogue.label, NOVEMBER)) == []
    assert sales_report_csv(catalogue.label, NOVEMBER).startswith("date,paid to,item type,")
