"""What can go wrong when money comes in from outside, as types with messages a person can act on."""

from __future__ import annotations


class PaymentError(Exception):
    """Base of the payments app's errors."""


class VoucherError(PaymentError):
    """A voucher code was refused; nothing was credited."""


class VoucherNotFound(VoucherError):
    """No voucher has this code (or the text is not a voucher code at all)."""


class VoucherAlreadyRedeemed(VoucherError):
    """The voucher exists but was redeemed before: a voucher pays out once, ever."""


class InvalidVoucherBatch(PaymentError):
    """create_vouchers() was asked for something it cannot make (a count out of range, a non-positive amount)."""


class ProviderError(PaymentError):
    """The payment provider refused a request or answered with something we cannot read."""


class WebhookSignatureError(PaymentError):
    """A webhook delivery is not provably from the provider: bad or missing signature, stale timestamp."""


class WebhookPayloadError(PaymentError):
    """A correctly signed webhook whose body we cannot read (not JSON, fields missing)."""
