"""The dashboard's SVG charts as geometry: one column per day with a value, refunds below the zero line,
one horizontal bar per category in proportion. Pure: no database, no template."""

from __future__ import annotations

from datetime import date, timedelta

from pressplant.storefront.charts import COLUMN_HEIGHT, WIDTH, category_bars, day_columns

DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]


def _said(day: date, value: int) -> str:
    return f"{day:%d %b}: {value}"


def test_a_column_for_each_day_with_a_value_and_none_for_the_others() -> None:
    chart = day_columns(DAYS, {DAYS[0]: 4, DAYS[9]: 2, DAYS[29]: -1, DAYS[5]: 0}, _said, str)
    assert [bar.title for bar in chart.bars] == ["01 Nov: 4", "10 Nov: 2", "30 Nov: -1"]
    four, two, refund = chart.bars
    assert four.height == 2 * two.height and four.x < two.x < refund.x
    zero_y = chart.lines[0][1]
    assert four.y + four.height == zero_y and not four.is_negative
    assert refund.is_negative and refund.y == zero_y and refund.height > 0
    assert all(bar.x >= 0 and bar.x + bar.width <= WIDTH and 0 <= bar.y <= COLUMN_HEIGHT for bar in chart.bars)
    assert [text.text for text in chart.texts if text.anchor == "end"][:3] == ["4", "0", "-1"]


def test_no_sales_draws_the_axes_only() -> None:
    chart = day_columns(DAYS, {}, _said, str)
    assert chart.bars == [] and len(chart.lines) == 2 and chart.view_box == f"0 0 {WIDTH} {COLUMN_HEIGHT}"


def test_category_bars_are_in_proportion_and_keep_their_order() -> None:
    chart = category_bars([("FLAC", 6), ("MP3 320 kb/s", 3), ("A format with a very, very long name indeed", 1)],
                          lambda name, value: f"{name}: {value}")
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 2 * widths[1] and widths[1] > widths[2] > 0
    assert [bar.title for bar in chart.bars][2] == "A format with a very, very long name indeed: 1"
    labels = [text.text for text in chart.texts if text.anchor == "end"]
    assert labels[:2] == ["FLAC", "MP3 320 kb/s"] and labels[2].endswith("…") and len(labels[2]) <= 34
