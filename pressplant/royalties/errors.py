"""What can go wrong when reporting and paying royalties, as types with sentences a user can act on."""

from __future__ import annotations


class RoyaltiesError(Exception):
    """A royalties request that cannot be carried out; nothing was written."""


class InvalidPeriod(RoyaltiesError):
    """A reporting period that is not a month written YYYY-MM."""


class InvalidThreshold(RoyaltiesError):
    """A payout threshold that is negative, zero, or in a currency the store does not hold."""


class PayoutKeyReused(RoyaltiesError):
    """A payout run key used before with other thresholds or another cut-off: replaying it would lie."""
