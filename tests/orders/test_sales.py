"""A sale as the buyer, the label and the tax office see it: where it may happen, what it costs, and
where every minor unit of it went (one ledger entry per line, reversed whole by a refund)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from pressplant.accounts.actions import sign_up
from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Release
from pressplant.delivery.links import download_path
from pressplant.ledger.actions import balance, verify_ledger
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.actions import (
    NotAvailable,
    OrderItem,
    WrongTerritory,
    place_order,
    refund_order,
)
from pressplant.orders.models import Entitlement, Order, SalePart
from pressplant.orders.shop import Shopper, offer
from pressplant.pricing.actions import quote_for_release
from pressplant.pricing.models import PriceRule
from pressplant.rights.models import Deal, LabelAgreement, Licence, Payee, PriceTier, RoyaltySplit
from tests.orders.conftest import PASSWORD, fund

SENDER = "PADPIDA2026112901Z"


def _customer(country: str) -> Customer:
    customer = sign_up(f"buyer-{country.lower()}@example.com", PASSWORD, country)
    fund(customer, 100_000)
    return customer


def _license(release: Release, **terms) -> Deal:
    """The release comes under a label's DDEX licence with one download deal (worldwide, from 2020)."""
    Licence.objects.update_or_create(release=release, defaults={"source": Licence.Source.DDEX,
                                                                "sender_party_id": SENDER})
    fields = {"commercial_model_types": ["PayAsYouGoModel"], "use_types": ["PermanentDownload"],
              "territory_codes": ["Worldwide"], "start_date": date(2020, 1, 1), **terms}
    return Deal.objects.create(release=release, **fields)


def _flat_price(release: Release, currency: str, track_minor: int, album_minor: int | None = None) -> None:
    PriceRule.objects.create(release=release, currency=currency, pricing_model=PriceRule.Model.PER_TRACK,
                             track_price_minor=track_minor, album_price_minor=album_minor, minimum_minor=0)


def _parts(order: Order) -> dict[str, int]:
    return {p.account: p.amount_minor for p in SalePart.objects.filter(line__order=order)}


@pytest.mark.django_db
def test_a_uk_sale_posts_vat_label_mechanical_and_margin_in_one_entry_that_sums_to_the_price(tracks):
    buyer = _customer("GB")
    _flat_price(tracks[0].release, "GBP", 99)
    order = place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "k")
    line = order.lines.get()
    entry = Entry.objects.get(pk=line.ledger_entry_id)
    assert order.territory == "GB" and order.declared_country == "GB" and entry.kind == "sale"
    # 99p incl. 20% VAT: ex-VAT 82.5 -> 82p (half-even), VAT 17p; label 70% of 82p = 57.4 -> 57p;
    # PRS: max(8% of 82p = 6.56 -> 7p, 5p) = 7p; the store keeps 82 - 57 - 7 = 18p.
    assert _parts(order) == {"tax:GB:GBP": 17, f"payable:label-{tracks[0].release.label_id}:GBP": 57,
                             "payable:prs-for-music:GBP": 7, "store:revenue:GBP": 18}
    assert sum(_parts(order).values()) == 99 == line.price_minor
    assert balance("tax:GB:GBP", "GBP") == Money(17, "GBP") and balance("store:sales:GBP", "GBP").is_zero
    assert line.vat_minor == 17 and verify_ledger().ok


@pytest.mark.django_db
def test_vat_follows_the_buyers_country_and_the_mechanical_its_society(tracks):
    release = tracks[0].release
    _flat_price(release, "EUR", 129)
    _flat_price(release, "USD", 129)
    german = place_order(_customer("DE"), [OrderItem("mp3-320", track_id=tracks[0].pk)], "de")
    american = place_order(_customer("US"), [OrderItem("mp3-320", track_id=tracks[0].pk)], "us")
    assert _parts(german)["tax:DE:EUR"] == 129 - 108  # 1.29 / 1.19 = 1.084 -> 1.08 ex-VAT
    assert "payable:gema:EUR" in _parts(german)
    assert not any(code.startswith("tax:") for code in _parts(american))  # no VAT charged in the US
    assert _parts(american)["payable:the-mlc:USD"] == 13  # statutory 13.1c for a track under 5 minutes
    assert Payee.objects.get(code="gema").kind == Payee.Kind.SOCIETY and verify_ledger().ok


@pytest.mark.django_db
def test_contradicting_country_evidence_refuses_the_sale_and_keeps_both_pieces_otherwise(tracks):
    buyer = _customer("DE")
    with pytest.raises(WrongTerritory, match="you live in Germany, but you are connecting from France"):
        place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "k1", detected_country="FR")
    assert Order.objects.count() == 0 and balance(buyer.wallet_account, "EUR") == Money(100_000, "EUR")
    order = place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "k2", detected_country="de")
    assert (order.territory, order.declared_country, order.detected_country) == ("DE", "DE", "DE")
    unknown = place_order(buyer, [OrderItem("flac", track_id=tracks[1].pk)], "k3", detected_country="XX")
    assert unknown.detected_country == ""


@pytest.mark.django_db
def test_the_trusted_header_is_read_only_when_the_operator_names_it(tracks):
    buyer = _customer("DE")
    client = Client()
    client.force_login(buyer.user)
    form = {"release": tracks[0].release_id, "track": tracks[0].pk, "format_name": "flac", "idempotency_key": "a"}
    client.post(reverse("storefront:buy"), form, headers={"CF-IPCountry": "FR"})
    assert Order.objects.count() == 1  # no header configured: the declared country alone decides
    with override_settings(PRESSPLANT_COUNTRY_HEADER="CF-IPCountry"):
        page = client.post(reverse("storefront:buy"), {**form, "track": tracks[1].pk, "idempotency_key": "b"},
                           headers={"CF-IPCountry": "FR"}, follow=True).content.decode()
    assert "Nothing was charged" in page and "connecting from France" in page and Order.objects.count() == 1


@pytest.mark.django_db
def test_an_item_licensed_elsewhere_says_where_and_cannot_be_bought(tracks):
    release = tracks[0].release
    _license(release, territory_codes=["GB", "IE"])
    german = _customer("DE")
    with pytest.raises(NotAvailable, match="not licensed in Germany"):
        place_order(german, [OrderItem("flac", release_id=release.pk)], "k")
    client = Client()
    client.force_login(german.user)
    page = client.get(reverse("storefront:release", args=[release.pk])).content.decode()
    assert "You cannot buy this release here: not licensed in Germany." in page
    assert 'name="idempotency_key"' not in page  # no Buy button anywhere on the page
    briton = _customer("GB")
    assert place_order(briton, [OrderItem("flac", release_id=release.pk)], "k").territory == "GB"


@pytest.mark.django_db
def test_the_api_quote_gives_status_and_reason(tracks, client):
    release = tracks[0].release
    _license(release, excluded_territory_codes=["GB"], territory_codes=[])
    quote = client.get(f"/api/v1/releases/{release.pk}/quote", {"format": "flac"}).json()
    assert (quote["available"], quote["status"], quote["reason"]) == (False, "not_licensed",
                                                                      "not licensed in the United Kingdom")
    assert quote["vat_included"] is True and quote["vat_rate"] == "0.20"


@pytest.mark.django_db
def test_a_pre_order_is_charged_now_and_downloads_on_the_release_date(tracks):
    release = tracks[0].release
    starts = timezone.now().date() + timedelta(days=40)
    _license(release, start_date=starts)
    buyer = _customer("GB")
    shown = offer("release", release.pk, "flac", Shopper("GBP", "GB", None))
    assert shown.standing.availability.reason.endswith(": pre-order") and shown.can_buy
    order = place_order(buyer, [OrderItem("flac", release_id=release.pk)], "pre")
    assert order.total.amount_minor > 0 and balance(buyer.wallet_account, "GBP").amount_minor < 100_000
    entitlement = Entitlement.objects.get(customer=buyer)
    assert entitlement.available_at == datetime.combine(starts, datetime.min.time(), tzinfo=UTC)
    client = Client()
    client.force_login(buyer.user)
    refused = client.get(download_path(buyer.pk, "release", release.pk, "flac"))
    assert refused.status_code == 403 and "pre-ordered: the download opens on" in refused.content.decode()
    assert "Pre-ordered: downloads from" in client.get(reverse("storefront:library")).content.decode()


@pytest.mark.django_db
def test_a_refund_reverses_every_part_and_revokes_the_download(tracks):
    buyer = _customer("GB")
    order = place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk),
                                OrderItem("wav", release_id=tracks[0].release_id)], "k")
    accounts = list(_parts(order))
    refunded = refund_order(order, "refund-1", "changed my mind")
    assert refunded.status == Order.Status.REFUNDED and refunded.refunded_at is not None
    assert balance(buyer.wallet_account, "GBP") == Money(100_000, "GBP")
    assert all(balance(code, "GBP").is_zero for code in accounts)
    assert Entry.objects.filter(kind="reversal").count() == 2 and verify_ledger().ok
    assert refund_order(order, "refund-1").pk == order.pk  # a retry changes nothing
    assert Entry.objects.filter(kind="reversal").count() == 2
    assert not Entitlement.objects.of(buyer).exists()
    again = place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "k-again")  # may buy it again
    assert again.total_minor > 0


@pytest.mark.django_db
def test_a_wholesale_price_code_pays_the_label_exactly_and_a_low_price_is_raised_to_the_floor(tracks):
    release = tracks[0].release
    _license(release, price_code="FRONT", price_code_namespace="DPID:" + SENDER)
    _flat_price(release, "GBP", 20, album_minor=300)
    buyer = _customer("GB")
    shown = offer("release", release.pk, "flac", Shopper("GBP", "GB", None))
    assert shown.standing.availability.status == "unpriced"
    assert shown.reason == "not on sale in GBP yet: the label's price is being set up"
    with pytest.raises(NotAvailable):
        place_order(buyer, [OrderItem("flac", release_id=release.pk)], "early")
    PriceTier.objects.create(sender_party_id=SENDER, code="FRONT", currency="GBP", wholesale_minor=500)
    shown = offer("release", release.pk, "flac", Shopper("GBP", "GB", None))
    assert shown.price > Money(300, "GBP") and "the least that pays the rights holders" in shown.quote.basis
    order = place_order(buyer, [OrderItem("flac", release_id=release.pk)], "k")
    assert order.total == shown.price
    assert _parts(order)[f"payable:label-{release.label_id}:GBP"] == 500
    # at the floor the store keeps little or nothing, and the parts still sum to the price
    assert sum(_parts(order).values()) == order.total_minor and verify_ledger().ok


@pytest.mark.django_db
def test_payee_splits_share_the_label_part_by_basis_points(tracks):
    release = tracks[0].release
    label = Payee.objects.create(code="cache-records", name="Cache Records", kind=Payee.Kind.LABEL)
    artist = Payee.objects.create(code="the-renderers", name="The Renderers", kind=Payee.Kind.ARTIST)
    LabelAgreement.objects.create(label=release.label, payee=label, share_rate=Decimal("0.65"))
    RoyaltySplit.objects.create(release=release, payee=label, basis_points=6_667)
    RoyaltySplit.objects.create(release=release, payee=artist, basis_points=3_333)
    _flat_price(release, "GBP", 100)
    order = place_order(_customer("GB"), [OrderItem("flac", track_id=tracks[0].pk)], "k")
    parts = _parts(order)
    # 1.00 incl. VAT: ex-VAT 83p; label share 65% = 53.95 -> 54p; 6,667 bp = 36.0018 -> 36p, 3,333 bp -> 18p
    assert (parts["payable:cache-records:GBP"], parts["payable:the-renderers:GBP"]) == (36, 18)


@pytest.mark.django_db
def test_the_receipt_shows_where_the_money_went(tracks):
    buyer = _customer("GB")
    _flat_price(tracks[0].release, "GBP", 99)
    order = place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "k")
    client = Client()
    client.force_login(buyer.user)
    page = client.get(reverse("storefront:receipt", args=[order.pk])).content.decode()
    for text in ("bought in United Kingdom", "Where your money went", "Cache Records", "0.57 GBP",
                 "PRS for Music (MCPS)", "0.07 GBP",
                 "VAT the United Kingdom", "0.17 GBP", "Pressplant store", "0.18 GBP"):
        assert text in page
    stranger = Client()
    stranger.force_login(_customer("FR").user)
    assert stranger.get(reverse("storefront:receipt", args=[order.pk])).status_code == 404


@pytest.mark.django_db
def test_a_purged_release_leaves_sale_but_stays_downloadable_for_its_buyers(tracks):
    release = tracks[0].release
    buyer = _customer("GB")
    place_order(buyer, [OrderItem("mp3-128", track_id=tracks[0].pk)], "k")
    _license(release)
    Licence.objects.filter(release=release).update(purged_at=timezone.now())
    with pytest.raises(NotAvailable, match="withdrawn by the label"):
        place_order(buyer, [OrderItem("flac", track_id=tracks[1].pk)], "k2")
    assert Entitlement.objects.of(buyer).count() == 1


@pytest.mark.django_db
def test_a_free_download_deal_costs_nothing_and_posts_nothing(tracks):
    release = tracks[0].release
    _license(release, commercial_model_types=["FreeOfChargeModel"])
    buyer = _customer("GB")
    order = place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "free")
    assert order.total_minor == 0 and order.lines.get().ledger_entry_id is None
    assert balance(buyer.wallet_account, "GBP") == Money(100_000, "GBP")




@pytest.mark.django_db
def test_splits_that_do_not_sum_keep_the_item_off_sale_instead_of_guessing(tracks):
    release = tracks[0].release
    artist = Payee.objects.create(code="half-artist", name="Half Artist", kind=Payee.Kind.ARTIST)
    RoyaltySplit.objects.create(release=release, payee=artist, basis_points=9_000)
    shown = offer("release", release.pk, "flac", Shopper("GBP", "GB", None))
    assert not shown.can_buy and shown.reason == "not on sale yet: its royalty split is being set up"
    with pytest.raises(NotAvailable, match="royalty split"):
        place_order(_customer("GB"), [OrderItem("flac", release_id=release.pk)], "k")
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_an_upgrade_from_a_tiny_wholesale_deal_never_fails_and_never_charges_above_the_offer(tracks):
    release = tracks[0].release
    _license(release, wholesale_amount=Decimal("0.01"), wholesale_currency="GBP")
    rule = PriceRule.objects.create(release=release, currency="GBP", pricing_model=PriceRule.Model.PER_MEGABYTE,
                                    rate_per_mb="1.00", minimum_minor=1)
    rule.rate_per_mb = Decimal(40) / quote_for_release(release, "flac", "GBP").price.amount_minor
    rule.save()  # the FLAC release at about 0.40 GBP, the MP3 one below the deal's floor
    buyer = _customer("GB")
    first = place_order(buyer, [OrderItem("mp3-128", release_id=release.pk)], "first")
    shown = offer("release", release.pk, "flac", Shopper("GBP", "GB", None))
    assert shown.price.amount_minor > first.total_minor  # an upgrade with a few pence to pay
    upgrade = place_order(buyer, [OrderItem("flac", release_id=release.pk)], "upgrade")
    line = upgrade.lines.get()
    # the difference cannot carry a 70% share plus PRS's 5p a track: the buyer pays at most the FLAC's price
    assert line.price_minor == shown.price.amount_minor and line.basis == shown.quote.basis
    assert sum(_parts(upgrade).values()) == line.price_minor and verify_ledger().ok
