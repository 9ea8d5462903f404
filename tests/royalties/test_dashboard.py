"""The label dashboard's figures: real sales (place_order) and refunds (refund_order) on chosen days, read
back by day, format, territory and item; checked against the order lines and sale parts themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pressplant.accounts.actions import sign_up
from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import Money
from pressplant.orders.actions import OrderItem, place_order, refund_order
from pressplant.orders.models import Order, SalePart
from pressplant.rights.models import Payee
from pressplant.royalties.dashboard import DaySpan, dashboard, payee_statement, report_months
from pressplant.royalties.periods import Period
from tests.catalogue.conftest import media_storage  # noqa: F401  (empty storage per test)
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (Cache Songs, three tracks, Cache Records)
from tests.orders.conftest import PASSWORD, buyer, fund  # noqa: F401
from tests.royalties.conftest import clock

pytestmark = pytest.mark.django_db

TODAY = datetime.now(UTC).date()


def day(days_ago: int, hour: int = 12) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def customer_in(country: str, email: str) -> Customer:
    customer = sign_up(email, PASSWORD, country)
    fund(customer, 100_000, key=f"topup-{email}")
    return customer


def buy(customer: Customer, item: OrderItem, when: datetime) -> Order:
    with clock(when):
        return place_order(customer, [item], f"{customer.pk}-{item}-{when.isoformat()}")


def refund(order: Order, when: datetime) -> None:
    with clock(when):
        refund_order(order, f"refund-{order.pk}")


def gross(*orders: Order) -> int:
    return sum(line.price_minor for order in orders for line in order.lines.all())


def earned(label: Label, *orders: Order) -> int:
    """What the label's payees were given by these orders, read from the sale parts themselves."""
    codes = set(Payee.objects.filter(label=label).values_list("code", flat=True))
    parts = SalePart.objects.filter(line__order__in=orders)
    return sum(part.amount_minor for part in parts if part.payee_code in codes)


def other_label_track(master_track: Track) -> Track:
    other = Release.objects.create(title="Elsewhere", artist_display="Someone Else",
                                   label=Label.objects.create(name="Other Label"))
    return Track.objects.create(release=other, position=1, title="Elsewhere", artist_display="Someone Else",
                                master=master_track.master, duration_ms=master_track.duration_ms)


@pytest.fixture
def sales(buyer: Customer, tracks: list[Track]) -> dict[str, Order]:  # noqa: F811
    """Ten days ago a GB buyer bought One (FLAC), Two and Six (MP3 320); Six was refunded yesterday.
    Three days ago a German buyer bought the album in FLAC; forty days ago an American bought One.
    The same GB buyer bought another label's track ten days ago."""
    fund(buyer, 100_000)
    one, two, six = tracks
    german, american = customer_in("DE", "de@example.com"), customer_in("US", "us@example.com")
    orders = {
        "one": buy(buyer, OrderItem("flac", track_id=one.pk), day(10)),
        "two": buy(buyer, OrderItem("mp3-320", track_id=two.pk), day(10, 13)),
        "six": buy(buyer, OrderItem("mp3-320", track_id=six.pk), day(10, 14)),
        "album": buy(german, OrderItem("flac", release_id=one.release_id), day(3)),
        "old": buy(american, OrderItem("flac", track_id=one.pk), day(40)),
        "other": buy(buyer, OrderItem("flac", track_id=other_label_track(one).pk), day(10, 15)),
    }
    refund(orders["six"], day(1))
    return orders


def test_sales_by_day_count_refunds_as_negatives_on_the_day_they_were_made(sales: dict[str, Order]) -> None:
    # given the sales above, when the label reads its last 30 days
    label = Label.objects.get(name="Cache Records")
    figures = dashboard(label, DaySpan.last(30, TODAY))
    # then ten days ago shows three GBP sales, three days ago one EUR sale, yesterday the refund
    rows = {(row.key, row.currency): row for row in figures.by_day}
    assert sorted(rows) == [(TODAY - timedelta(days=10), "GBP"), (TODAY - timedelta(days=3), "EUR"),
                            (TODAY - timedelta(days=1), "GBP")]
    ten_days_ago = rows[(TODAY - timedelta(days=10), "GBP")]
    assert ten_days_ago.units == 3
    assert ten_days_ago.gross == Money(gross(sales["one"], sales["two"], sales["six"]), "GBP")
    assert ten_days_ago.earnings == Money(earned(label, sales["one"], sales["two"], sales["six"]), "GBP")
    refunded = rows[(TODAY - timedelta(days=1), "GBP")]
    assert (refunded.units, refunded.gross, refunded.earnings) == (
        -1, Money(-gross(sales["six"]), "GBP"), Money(-earned(label, sales["six"]), "GBP"))
    assert figures.units_per_day() == {TODAY - timedelta(days=10): 3, TODAY - timedelta(days=3): 1,
                                       TODAY - timedelta(days=1): -1}


def test_totals_keep_currencies_apart_and_leave_out_other_labels_and_other_days(sales: dict[str, Order]) -> None:
    label = Label.objects.get(name="Cache Records")
    figures = dashboard(label, DaySpan.last(30, TODAY))
    totals = {row.currency: row for row in figures.totals()}
    assert sorted(totals) == ["EUR", "GBP"]
    assert (totals["GBP"].units, totals["GBP"].gross, totals["GBP"].earnings) == (
        2, Money(gross(sales["one"], sales["two"]), "GBP"), Money(earned(label, sales["one"], sales["two"]), "GBP"))
    assert (totals["EUR"].units, totals["EUR"].gross, totals["EUR"].earnings) == (
        1, Money(gross(sales["album"]), "EUR"), Money(earned(label, sales["album"]), "EUR"))
    assert totals["GBP"].earnings.amount_minor > 0 and totals["EUR"].earnings.amount_minor > 0
    # the American sale is forty days old: it shows over 90 days, in dollars
    longer = {row.currency: row for row in dashboard(label, DaySpan.last(90, TODAY)).totals()}
    assert longer["USD"].units == 1 and longer["USD"].gross == Money(gross(sales["old"]), "USD")
    # the other label sees only its own sale
    other = dashboard(Label.objects.get(name="Other Label"), DaySpan.last(30, TODAY))
    assert [(row.currency, row.units) for row in other.totals()] == [("GBP", 1)]


def test_by_format_territory_and_item(sales: dict[str, Order]) -> None:
    label = Label.objects.get(name="Cache Records")
    figures = dashboard(label, DaySpan.last(30, TODAY))
    by_format = {(row.key, row.currency): row.units for row in figures.by_format}
    assert by_format == {("flac", "GBP"): 1, ("flac", "EUR"): 1, ("mp3-320", "GBP"): 1}
    by_territory = {(row.key, row.currency): (row.units, row.gross) for row in figures.by_territory}
    assert by_territory == {("GB", "GBP"): (2, Money(gross(sales["one"], sales["two"]), "GBP")),
                            ("DE", "EUR"): (1, Money(gross(sales["album"]), "EUR"))}
    assert figures.units_by_format() == [("flac", 2), ("mp3-320", 1)]
    items = {(row.key.kind, row.key.title, row.currency): row.units for row in figures.top_items}
    assert items == {("track", "One", "GBP"): 1, ("track", "Two", "GBP"): 1, ("track", "Six", "GBP"): 0,
                     ("release", "Cache Songs", "EUR"): 1}


def test_the_months_with_reports_and_a_payees_statement(sales: dict[str, Order]) -> None:
    label = Label.objects.get(name="Cache Records")
    label_payee = Payee.objects.get(label=label)
    months = report_months(label)
    assert [month.period for month in months] == sorted(
        {Period.containing(day(n)) for n in (1, 3, 10, 40)}, reverse=True)
    assert all(month.payees == [label_payee] for month in months)
    # the statement of the German sale's month holds its line, with what the label earned from it
    [album_line] = sales["album"].lines.all()
    lines = {(line.item.title, line.territory, line.currency): line
             for line in payee_statement(label_payee, Period.containing(day(3))).lines}
    album = lines["Cache Songs", "DE", "EUR"]
    assert album.amount == Money(earned(label, sales["album"]), "EUR")
    assert (album.sold, album.returned, album.format_name, album.price_minor) == (
        1, 0, album_line.format_name, album_line.price_minor)


def test_the_number_of_queries_does_not_grow_with_the_sales(buyer: Customer,  # noqa: F811
                                                           tracks: list[Track]) -> None:  # noqa: F811
    fund(buyer, 100_000)
    label = Label.objects.get(name="Cache Records")
    buy(buyer, OrderItem("flac", track_id=tracks[0].pk), day(2))
    buy(buyer, OrderItem("mp3-320", release_id=tracks[0].release_id), day(2))
    with CaptureQueriesContext(connection) as few:
        dashboard(label, DaySpan.last(30, TODAY))
    for n, track in enumerate(tracks[1:], start=3):
        buy(buyer, OrderItem("flac", track_id=track.pk), day(n))
    buy(buyer, OrderItem("aac-256", release_id=tracks[0].release_id), day(9))
    with CaptureQueriesContext(connection) as more:
        figures = dashboard(label, DaySpan.last(30, TODAY))
    assert figures.units == 5
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_span_is_whole_utc_days() -> None:
    span = DaySpan.last(30, date(2026, 11, 30))
    assert (span.first_day, span.last_day, len(span.days())) == (date(2026, 11, 1), date(2026, 11, 30), 30)
    assert span.starts_at == datetime(2026, 11, 1, tzinfo=UTC) and span.ends_at == datetime(2026, 12, 1, tzinfo=UTC)
