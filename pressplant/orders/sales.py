"""One sale, from the buyer's territory to where every minor unit goes.

- `territory_of`: the country a sale happens in, from two pieces of evidence (the country the buyer
  declared, and the trusted proxy's IP-country header when the operator configured one). They must not
  contradict: a store that sells only where it is licensed cannot take the buyer's word alone when the
  network says otherwise. Both pieces are kept on the order (they are also the VAT evidence).
- `offer_for`: availability, the store's price (raised to the label's floor when the deal needs more),
  and the split of that price (VAT, label and other payees, mechanical, store margin).
- `sale_postings`: the split as ledger postings: wallet -> store:sales, then store:sales -> each part.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pressplant.catalogue.models import Release, Track
from pressplant.ledger.journal import Posting
from pressplant.money import Money
from pressplant.pricing.quote import Quote
from pressplant.pricing.vat import vat_rate
from pressplant.rights.availability import Status, country_name
from pressplant.rights.licences import ReleaseRights, Standing
from pressplant.rights.mechanicals import Mechanical, mechanical_for
from pressplant.rights.models import LabelAgreement, Payee, agreement_of_label, split_rows
from pressplant.rights.split import (
    WHOLE_BP,
    LabelDeal,
    PercentageDeal,
    PriceBelowFloor,
    SaleSplit,
    StatutoryMechanical,
    WholesaleDeal,
    prices_to_ask,
    split_sale,
)

DEFAULT_LABEL_SHARE = Decimal("0.70")
"""The label's share of the ex-VAT price when no agreement says otherwise (iTunes-like, DOMAIN.md §5)."""

UNKNOWN_COUNTRIES = frozenset({"", "XX", "T1", "A1", "A2", "O1", "EU", "AP"})
"""Values IP-country headers send when they do not know (Cloudflare XX/T1, MaxMind A1/A2/O1...)."""


class TerritoryConflict(ValueError):
    """The declared country and the network's country disagree: the sale cannot be placed."""


class SplitsDoNotSum(ValueError):
    """An item's royalty splits exist but do not add up to 10,000 basis points: it cannot be sold until
    the operator fixes them (paying anyone a guessed share would be worse)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    territory: str
    declared_country: str
    detected_country: str


def territory_of(declared_country: str, detected_country: str | None) -> Evidence:
    detected = (detected_country or "").strip().upper()
    if detected in UNKNOWN_COUNTRIES:
        detected = ""
    declared = declared_country.upper()
    if detected and detected != declared:
        raise TerritoryConflict(
            f"your account says you live in {country_name(declared)}, but you are connecting from "
            f"{country_name(detected)}: sales are licensed per country, so change the country in your "
            f"account if you have moved")
    return Evidence(declared, declared, detected)


@dataclass(frozen=True, slots=True)
class Payees:
    """Who shares the label's part, in basis points, with their names and kinds."""

    basis_points: dict[str, int]
    names: dict[str, str]
    kinds: dict[str, str]


@dataclass(frozen=True, slots=True)
class Offer:
    """What the buyer is offered: `quote` carries the price asked (the rule's, or the deal's floor when
    higher, with the reason in its basis; zero for a free download)."""

    standing: Standing
    quote: Quote
    price: Money
    floor_note: str
    vat_rate: Decimal
    split: Split | None = None
    """The split of `price`, when it can be bought for a price (offers_for, for pages, leaves it None)."""

    @property
    def can_buy(self) -> bool:
        return self.standing.can_buy

    @property
    def reason(self) -> str:
        return self.standing.availability.reason


@dataclass(frozen=True, slots=True)
class Split:
    """A sale's split with the names behind its accounts."""

    sale: SaleSplit
    payees: Payees
    mechanical_code: str
    mechanical_name: str
    deal_basis: str


def standing_of(item: Track | Release, territory: str, at: datetime, currency: str,
                rights: ReleaseRights | None = None) -> Standing:
    release = item.release if isinstance(item, Track) else item
    rights = rights or ReleaseRights(release, for_track=item if isinstance(item, Track) else None, currency=currency)
    if isinstance(item, Track):
        return rights.of_track(item, territory, at, currency)
    return rights.of_release(territory, at, currency)


def offer_for(item: Track | Release, quote: Quote, territory: str, at: datetime,
              rights: ReleaseRights | None = None, payees: Payees | None = None) -> Offer:
    """The offer for `quote` (a track's or a release's, in one format) to a buyer in `territory`.
    `rights` and `payees` (payees_of(item)) are read here unless the caller has them."""
    currency = quote.price.currency
    standing = standing_of(item, territory, at, currency, rights)
    rate = vat_rate(territory)
    if standing.availability.is_free:
        free = dataclasses.replace(quote, price=Money.zero(currency), basis="free download", track_prices=())
        return Offer(standing, free, Money.zero(currency), "free download", rate)
    if not standing.can_buy:
        return Offer(standing, quote, quote.price, "", rate)
    try:
        payees = payees if payees is not None else payees_of(item)
        split = split_of(item, quote.price, territory, at, standing, payees=payees)
    except SplitsDoNotSum:
        unsplit = dataclasses.replace(standing.availability, status=Status.UNPRICED,
                                      reason="not on sale yet: its royalty split is being set up")
        return Offer(Standing(unsplit, None), quote, quote.price, "", rate)
    except PriceBelowFloor as exc:
        note = f"raised to {exc.floor.format()}: the least that pays the rights holders"
        raised = dataclasses.replace(quote, price=exc.floor, basis=f"{quote.basis}; {note}")
        return Offer(standing, raised, exc.floor, note, rate,
                     split_of(item, exc.floor, territory, at, standing, payees=payees))
    return Offer(standing, quote, quote.price, "", rate, split)


def offers_for(item: Track | Release, quotes: list[Quote], territory: str, at: datetime,
               rights: ReleaseRights | None = None, payees: Payees | None = None) -> list[Offer]:
    """offer_for() of each of `quotes` (one item's, in one currency: e.g. every format of a track), each
    price raised to the floor as there, but with no split (`split` None): what a page shows. The item's
    standing, deal and floor are worked out once for them all."""
    if not quotes:
        return []
    currency = quotes[0].price.currency
    standing = standing_of(item, territory, at, currency, rights)
    rate = vat_rate(territory)
    if standing.availability.is_free:
        return [Offer(standing, dataclasses.replace(q, price=Money.zero(currency), basis="free download",
                                                    track_prices=()), Money.zero(currency), "free download", rate)
                for q in quotes]
    if not standing.can_buy:
        return [Offer(standing, q, q.price, "", rate) for q in quotes]
    try:
        if payees is None:
            payees_of(item)  # only to know they sum: the page splits nothing
    except SplitsDoNotSum:
        unsplit = dataclasses.replace(standing.availability, status=Status.UNPRICED,
                                      reason="not on sale yet: its royalty split is being set up")
        return [Offer(Standing(unsplit, None), q, q.price, "", rate) for q in quotes]
    terms = _terms(item, currency, territory, at, standing, is_upgrade=False)
    offers = []
    for quote, price in zip(quotes, prices_to_ask([q.price for q in quotes], rate, terms.deal,
                                                  terms.mechanical.rule, terms.durations_ms, terms.year), strict=True):
        if price == quote.price:
            offers.append(Offer(standing, quote, price, "", rate))
            continue
        note = f"raised to {price.format()}: the least that pays the rights holders"
        offers.append(Offer(standing, dataclasses.replace(quote, price=price, basis=f"{quote.basis}; {note}"),
                            price, note, rate))
    return offers


@dataclass(frozen=True, slots=True)
class _Terms:
    """What one sale of an item is split by, whatever its price: the label's deal, the mechanical and the
    sale year it is looked up by, and the durations it is counted on."""

    deal: LabelDeal
    deal_basis: str
    mechanical: Mechanical
    year: int
    durations_ms: list[int]


def _terms(item: Track | Release, currency: str, territory: str, at: datetime, standing: Standing,
           is_upgrade: bool) -> _Terms:
    release = item.release if isinstance(item, Track) else item
    tracks = [item] if isinstance(item, Track) else list(item.tracks.all())
    deal, basis = _label_deal(release, standing, currency, is_upgrade)
    mechanical = mechanical_for(territory, currency)
    year = at.year
    if isinstance(mechanical.rule, StatutoryMechanical):
        year = min(year, max(mechanical.rule.by_year))  # rates continue until the table has the new year
    return _Terms(deal, basis, mechanical, year, [t.duration_ms for t in tracks])


def split_of(item: Track | Release, price: Money, territory: str, at: datetime, standing: Standing,
             *, is_upgrade: bool = False, payees: Payees | None = None) -> Split:
    """Split `price` (VAT included) paid in `territory` at `at`. An upgrade's difference is shared by the
    label's percentage, never a second wholesale price. Raises PriceBelowFloor when it cannot cover."""
    terms = _terms(item, price.currency, territory, at, standing, is_upgrade)
    payees = payees or payees_of(item)
    sale = split_sale(price, vat_rate(territory), terms.deal, terms.mechanical.rule, terms.durations_ms, terms.year,
                      payees.basis_points)
    return Split(sale, payees, terms.mechanical.payee.code, terms.mechanical.payee.name, terms.deal_basis)


def _label_deal(release: Release, standing: Standing, currency: str, is_upgrade: bool) -> tuple[LabelDeal, str]:
    agreement = agreement_of(release)
    rate = agreement.share_rate if agreement else DEFAULT_LABEL_SHARE
    use_wholesale = agreement.use_wholesale_price if agreement else True
    if standing.wholesale is not None and use_wholesale and not is_upgrade:
        return WholesaleDeal(standing.wholesale), f"wholesale {standing.wholesale.format()}"
    return PercentageDeal(Decimal(rate)), f"{Decimal(rate) * 100:.1f}% of ex-VAT"


def agreement_of(release: Release) -> LabelAgreement | None:
    """The label's agreement: as loaded with the release (select_related("label__agreement")), else read."""
    if release.label_id is None:
        return None
    if not Release.label.is_cached(release):
        return agreement_of_label(release.label_id)
    agreement: LabelAgreement | None = getattr(release.label, "agreement", None)
    return agreement


def payees_of(item: Track | Release) -> Payees:
    """The item's royalty splits (a track's own, else its release's), else all to the label's payee."""
    release = item.release if isinstance(item, Track) else item
    # A track's own splits, else its release's: both in one read.
    found = split_rows(release.pk, item.pk if isinstance(item, Track) else None)
    rows = [r[1:] for r in found if r[0] is not None] or [r[1:] for r in found if r[0] is None]
    if rows and sum(bp for bp, *_ in rows) != WHOLE_BP:
        total = sum(bp for bp, *_ in rows)
        raise SplitsDoNotSum(f"the royalty splits of {item} sum to {total:,} of {WHOLE_BP:,} basis points")
    if rows:
        return Payees({code: bp for bp, code, _, _ in rows}, {code: name for _, code, name, _ in rows},
                      {code: kind for _, code, _, kind in rows})
    payee = label_payee(release)
    return Payees({payee.code: WHOLE_BP}, {payee.code: payee.name}, {payee.code: payee.kind})


def label_payee(release: Release) -> Payee:
    """The payee the label's share goes to: its agreement's, else one made for the label on first sale."""
    if release.label_id is None:
        payee, _ = Payee.objects.get_or_create(code="unassigned", defaults={
            "name": "Unassigned rights holder (release without a label)", "kind": Payee.Kind.OTHER})
        return payee
    agreement = agreement_of(release)
    if agreement is not None:
        return agreement.payee
    assert release.label is not None
    payee, _ = Payee.objects.get_or_create(code=f"label-{release.label_id}", defaults={
        "name": release.label.name, "kind": Payee.Kind.LABEL, "label": release.label})
    return payee


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a sale as posted: the account credited and what the buyer's receipt calls it."""

    role: str
    account: str
    amount: Money
    payee_code: str = ""
    payee_name: str = ""
    basis: str = ""

    def row(self) -> tuple[str, str, str, str, int, str, str]:
        """The part as its SalePart row stores it: PARTS_KEY_COLUMNS, in their order."""
        return (str(self.role), self.account, self.payee_code, self.payee_name, self.amount.amount_minor,
                self.amount.currency, self.basis[:200])


def sale_parts(split: Split, territory: str) -> list[Part]:
    """Every non-zero part of the split, in receipt order; they sum to the price."""
    sale, currency = split.sale, split.sale.price.currency
    parts = [Part("vat", f"tax:{territory}:{currency}", sale.vat, basis=f"VAT {country_name(territory)}")]
    for code, amount in sale.payees:
        kind = split.payees.kinds.get(code, "other")
        bp = split.payees.basis_points[code]
        parts.append(Part(kind, f"payable:{code}:{currency}", amount, code, split.payees.names[code],
                          f"{bp / 100:g}% of the label share ({split.deal_basis})"))
    parts.append(Part("mechanical", f"payable:{split.mechanical_code}:{currency}", sale.mechanical,
                      split.mechanical_code, split.mechanical_name, "mechanical royalty"))
    parts.append(Part("store", f"store:revenue:{currency}", sale.store_margin, basis="store margin"))
    kept = [p for p in parts if p.amount.amount_minor > 0]
    assert sum(p.amount.amount_minor for p in kept) == sale.price.amount_minor
    return kept


def sale_postings(wallet: str, parts: list[Part], price: Money) -> tuple[Posting, ...]:
    """wallet -> store:sales for the price, then store:sales -> each part's account."""
    sales = f"store:sales:{price.currency}"
    return (Posting(debit=wallet, credit=sales, amount=price),
            *(Posting(debit=sales, credit=p.account, amount=p.amount) for p in parts))

