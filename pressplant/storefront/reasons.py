"""Why an item can or cannot be bought, in the buyer's language.

`rights.availability` is pure and speaks English (the API returns its words as they are); the pages
rebuild the same sentence from the answer's status and dates through gettext, so English pages read
exactly as the API and other languages get a translation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import formats
from django.utils.translation import gettext as _

from pressplant.rights.availability import Availability, Status, country_name


def _day(moment: datetime) -> str:
    return formats.date_format(moment, "j E Y")


def reason_text(availability: Availability, territory: str) -> str:
    status = availability.status
    if status == Status.NOT_LICENSED:
        return _("not licensed in %(country)s") % {"country": country_name(territory)}
    if status == Status.WITHDRAWN:
        return _("withdrawn by the label")
    if status == Status.PRE_ORDER and availability.starts_at is not None:
        if availability.is_free:
            return _("free download from %(date)s: pre-order") % {"date": _day(availability.starts_at)}
        return _("on sale from %(date)s: pre-order") % {"date": _day(availability.starts_at)}
    if status == Status.ENDED and availability.ends_at is not None:
        return _("no longer on sale since %(date)s") % {"date": _day(availability.ends_at)}
    if status == Status.UNPRICED:
        return _("not on sale here yet: its price is being set up")
    if status in (Status.ON_SALE, Status.FREE) and availability.ends_at is not None:
        last_day = _day(availability.ends_at - timedelta(microseconds=1))
        if status == Status.FREE:
            return _("free download until %(date)s") % {"date": last_day}
        return _("on sale until %(date)s") % {"date": last_day}
    return _("free download") if status == Status.FREE else _("on sale")
