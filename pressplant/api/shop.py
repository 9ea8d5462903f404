"""The buyer's side, behind the Bearer token: wallet, vouchers, orders and the library."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Header, Router, Status

from pressplant.api.auth import api_token, caller
from pressplant.api.errors import IdempotencyKeyRequired
from pressplant.api.schemas import (
    ErrorOut,
    LibraryItemOut,
    LibraryOut,
    OrderIn,
    OrderOut,
    RedemptionOut,
    VoucherIn,
    WalletOut,
)
from pressplant.orders import shop
from pressplant.orders.actions import OrderItem, place_order
from pressplant.orders.models import Order
from pressplant.payments.actions import redeem_voucher

router = Router(tags=["shop"], auth=api_token)


@router.get("/wallet", response={200: WalletOut, 401: ErrorOut})
def get_wallet(request: HttpRequest) -> WalletOut:
    customer = caller(request)
    entries = [{"id": entry.pk, "kind": entry.kind, "memo": entry.memo, "amount": amount.as_api(),
                "created_at": entry.created_at} for entry, amount in shop.wallet_history(customer)]
    return WalletOut.model_validate({"balance": shop.wallet_balance(customer).as_api(), "entries": entries})


@router.post("/wallet/vouchers", response={200: RedemptionOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut,
                                           409: ErrorOut})
def redeem(request: HttpRequest, body: VoucherIn) -> RedemptionOut:
    redemption = redeem_voucher(caller(request).pk, body.code)
    return RedemptionOut.model_validate({"credited": redemption.voucher_amount.as_api(),
                                         "bonus": redemption.bonus.as_api(), "balance": redemption.balance.as_api()})


@router.post("/orders", response={201: OrderOut, 400: ErrorOut, 401: ErrorOut, 402: ErrorOut, 403: ErrorOut,
                                   409: ErrorOut, 451: ErrorOut})
def create_order(
    request: HttpRequest, body: OrderIn, idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None
) -> Status[OrderOut]:
    """Buy from the wallet. Retrying with the same Idempotency-Key and items returns the same order."""
    if not idempotency_key:
        raise IdempotencyKeyRequired()
    items = [OrderItem(item.format, track_id=item.track_id, release_id=item.release_id) for item in body.items]
    order = place_order(caller(request), items, idempotency_key, shop.detected_country(request))
    return Status(201, _order_out(order))


@router.get("/library", response={200: LibraryOut, 401: ErrorOut})
def get_library(request: HttpRequest) -> LibraryOut:
    """Everything bought, newest first, each with a fresh download link (send the same Bearer header)."""
    items = []
    for item in shop.library(caller(request)):
        entitlement = item.entitlement
        item_id = entitlement.track_id if item.kind == "track" else entitlement.release_id
        assert item_id is not None
        items.append(LibraryItemOut(kind=item.kind, id=item_id, title=item.title, artist=item.artist,
                                    format=item.format_name,
                                    download_url=request.build_absolute_uri(item.download_path)))
    return LibraryOut(items=items)


def _order_out(order: Order) -> OrderOut:
    lines = [{"track_id": line.track_id, "release_id": line.release_id, "format": line.format_name,
              "price": line.price.as_api(), "vat": line.vat.as_api(), "size_bytes": line.size_bytes,
              "size_is_exact": line.size_is_exact, "available_at": line.entitlement.available_at,
              "parts": [{"role": part.role, "to": part.payee_name or part.basis, "amount": part.amount.as_api()}
                        for part in line.parts.all()]}
             for line in order.lines.select_related("entitlement").prefetch_related("parts")]
    return OrderOut.model_validate({"id": order.pk, "status": order.status, "total": order.total.as_api(),
                                    "territory": order.territory, "created_at": order.created_at, "lines": lines})


@router.get("/orders/{order_id}", response={200: OrderOut, 401: ErrorOut, 404: ErrorOut})
def get_order(request: HttpRequest, order_id: int) -> OrderOut:
    """One of the caller's orders: the receipt, with where every part of the money went."""
    return _order_out(Order.objects.get(pk=order_id, customer=caller(request)))
