"""Deals of a DealList, and which of them a download store acts on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import Literal

from .document import all_texts, child_texts, clean, first_element, first_text, is_true
from .model import Deal, PriceCode, WholesalePrice
from .paths import DealPaths
from .values import parse_date, parse_decimal, parse_instant

DownloadKind = Literal["sale", "free"]

#: (commercial model, use type) -> what the deal means for a download store; anything else is ignored
DOWNLOAD_DEALS: dict[tuple[str, str], DownloadKind] = {
    ("PayAsYouGoModel", "PermanentDownload"): "sale",
    ("FreeOfChargeModel", "PermanentDownload"): "free",
}


def is_download_deal(deal: Deal) -> DownloadKind | None:
    """'sale' or 'free' for a permanent-download deal, None for streaming, subscription, takedown..."""
    if deal.is_takedown or deal.all_deals_cancelled:
        return None
    for model in deal.commercial_model_types:
        for use in deal.use_types:
            kind = DOWNLOAD_DEALS.get((model, use))
            if kind is not None:
                return kind
    return None


def read_deals(deal_list: ET.Element | None, paths: DealPaths) -> tuple[Deal, ...]:
    """Every Deal of every ReleaseDeal, in document order, each with its ReleaseDeal's references."""
    if deal_list is None:
        return ()
    deals: list[Deal] = []
    for release_deal in deal_list.findall("ReleaseDeal"):
        references = child_texts(release_deal, "DealReleaseReference")
        effective = parse_date(clean(release_deal.findtext("EffectiveDate")))
        for terms in release_deal.findall("Deal/DealTerms"):
            deals.append(read_deal_terms(terms, paths, references, effective))
    return tuple(deals)


def _moment(terms: ET.Element, date_path: str, datetime_path: str) -> date | datetime | None:
    instant = parse_instant(clean(terms.findtext(datetime_path)))
    return instant if instant is not None else parse_date(clean(terms.findtext(date_path)))


def _price_code(terms: ET.Element, paths: DealPaths) -> PriceCode | None:
    element = first_element(terms, paths.price_code)
    code = clean(element.text) if element is not None else None
    if element is None or code is None:
        return None
    return PriceCode(code=code, namespace=element.get("Namespace"))


def _wholesale(terms: ET.Element) -> WholesalePrice | None:
    element = terms.find("PriceInformation/WholesalePricePerUnit")
    amount = parse_decimal(element.text) if element is not None and element.text else None
    if element is None or amount is None:
        return None
    return WholesalePrice(amount=amount, currency=element.get("CurrencyCode", ""))


def read_deal_terms(terms: ET.Element, paths: DealPaths, references: tuple[str, ...], effective: date | None) -> Deal:
    return Deal(
        release_references=references,
        commercial_model_types=child_texts(terms, "CommercialModelType"),
        use_types=all_texts(terms, paths.use_types),
        territory_codes=child_texts(terms, "TerritoryCode"),
        excluded_territory_codes=child_texts(terms, "ExcludedTerritoryCode"),
        start=_moment(terms, "ValidityPeriod/StartDate", "ValidityPeriod/StartDateTime"),
        end=_moment(terms, "ValidityPeriod/EndDate", "ValidityPeriod/EndDateTime"),
        pre_order_release_date=parse_date(first_text(terms, ("PreOrderReleaseDate",))),
        pre_order_preview_date=parse_date(first_text(terms, ("PreOrderPreviewDate",))),
        price_code=_price_code(terms, paths),
        wholesale_price=_wholesale(terms),
        is_takedown=is_true(terms, "TakeDown"),
        all_deals_cancelled=is_true(terms, "AllDealsCancelled"),
        effective_date=effective,
    )
