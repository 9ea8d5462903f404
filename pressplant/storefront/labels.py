"""The pages for a label's people: its dashboard (sales by day, format, territory and item; statements and
reports to download; the DDEX messages it sent) and the form that delivers its DDEX messages.

Only the label's members see them (staff see every label); anyone else signed in gets 403, a visitor is
sent to sign in. The figures come from royalties.dashboard, the files from the royalties reports, the
delivery from rights.uploads: these views choose, call and render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from pressplant.catalogue.models import Label
from pressplant.delivery.responses import attachment
from pressplant.rights.members import labels_for, may_act_for, messages_from, sender_party_ids
from pressplant.rights.models import Payee
from pressplant.rights.uploads import ArchiveLimits, Received, Uploaded, UploadRefused, receive
from pressplant.royalties.dashboard import (
    DaySpan,
    dashboard,
    label_dsr,
    label_payee,
    label_sales_report,
    payee_statement,
    report_months,
)
from pressplant.royalties.documents import statement_csv, statement_html
from pressplant.royalties.errors import InvalidPeriod
from pressplant.royalties.periods import Period
from pressplant.royalties.reports import store_party
from pressplant.storefront.charts import Chart, category_bars, day_columns
from pressplant.storefront.pages import render_page, sign_in_first
from pressplant.storefront.templatetags.label_tags import territory_name
from pressplant.storefront.templatetags.storefront_tags import format_title

SPANS_DAYS = (30, 90)
"""The spans the dashboard offers, in days; the first is the default."""
UPLOAD_MAX_BYTES = 200 * 1024**2
"""The default cap on one delivery upload; PRESSPLANT_UPLOAD_MAX_BYTES overrides it."""
_FORM_FIELDS_ROOM_BYTES = 64 * 1024
"""What the form's other fields and the multipart framing may add to the files' size."""

LabelView = Callable[..., HttpResponse]


def _upload_max_bytes() -> int:
    return int(getattr(settings, "PRESSPLANT_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES))


def for_members(view: LabelView) -> LabelView:
    """Give `view` the label of the URL when the user may act for it: else sign in first, or 403."""

    @wraps(view)
    def checked(request: HttpRequest, label_id: int, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return sign_in_first(request)
        label = get_object_or_404(Label, pk=label_id)
        if not may_act_for(request.user, label):
            return _forbidden(request)
        return view(request, label, **kwargs)

    return checked


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render_page(request, "storefront/label/forbidden.html", {}, status=403)


@require_safe
def label_home(request: HttpRequest) -> HttpResponse:
    """A member of one label goes straight to its dashboard; of several, chooses one."""
    if not request.user.is_authenticated:
        return sign_in_first(request)
    labels = list(labels_for(request.user))
    if not labels:
        return _forbidden(request)
    if len(labels) == 1:
        return redirect("storefront:label_dashboard", label_id=labels[0].pk)
    return render_page(request, "storefront/label/choose.html", {"labels": labels})


def _span_days(request: HttpRequest) -> int:
    text = request.GET.get("days", "")
    return int(text) if text.isdigit() and int(text) in SPANS_DAYS else SPANS_DAYS[0]


@require_safe
@for_members
def label_dashboard(request: HttpRequest, label: Label) -> HttpResponse:
    days = _span_days(request)
    figures = dashboard(label, DaySpan.last(days, timezone.now().astimezone(UTC).date()))
    return render_page(request, "storefront/label/dashboard.html", {
        "label": label, "figures": figures, "days": days, "span_choices": SPANS_DAYS,
        "day_chart": _day_chart(figures.span.days(), figures.units_per_day()),
        "format_chart": _category_chart([(format_title(name), n) for name, n in figures.units_by_format()]),
        "territory_chart": _category_chart([(territory_name(code), n) for code, n in figures.units_by_territory()]),
        "months": report_months(label), "ddex_messages": messages_from(label), "senders": sender_party_ids(label),
    })  # fmt: skip


def _day_chart(days: list[date], units: dict[date, int]) -> Chart:
    def describe(day: date, count: int) -> str:
        return ngettext("%(day)s: %(count)d unit, net of refunds", "%(day)s: %(count)d units, net of refunds",
                        abs(count)) % {"day": date_format(day, "j E Y"), "count": count}

    return day_columns(days, units, describe, lambda day: date_format(day, "j M"))


def _category_chart(rows: list[tuple[str, int]]) -> Chart:
    def describe(name: str, count: int) -> str:
        return ngettext("%(name)s: %(count)d unit", "%(name)s: %(count)d units", abs(count)) % {
            "name": name, "count": count}

    return category_bars(rows, describe)


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except InvalidPeriod:
        raise Http404("no such month") from None


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = attachment(filename)
    response["Cache-Control"] = "private, no-store"
    return response


_STATEMENT_TYPES = {"html": "text/html", "csv": "text/csv"}
"""A statement's file kinds and their content types."""


@require_safe
@for_members
def label_statement(request: HttpRequest, label: Label, period: str, payee_code: str, kind: str) -> HttpResponse:
    """One of the label's payees' statement for a month, made now from the sales, as HTML or CSV."""
    if kind not in _STATEMENT_TYPES:
        raise Http404("statements are HTML or CSV")
    month = _period(period)
    try:
        payee = label_payee(label, payee_code)
    except Payee.DoesNotExist:
        raise Http404("no such payee of this label") from None
    statement = payee_statement(payee, month)
    text = statement_csv(statement) if kind == "csv" else statement_html(statement, store_party().name)
    return _download(text, f"statement-{payee.code}-{month}.{kind}", _STATEMENT_TYPES[kind])


@require_safe
@for_members
def label_dsr_file(request: HttpRequest, label: Label, period: str) -> HttpResponse:
    """The label's DDEX DSR (.tsv) for a month."""
    found = label_dsr(label, _period(period), timezone.now())
    if found is None:
        raise Http404("nothing of this label's sold or was refunded that month")
    return _download(found.text, found.name, "text/tab-separated-values")


@require_safe
@for_members
def label_sales_file(request: HttpRequest, label: Label, period: str) -> HttpResponse:
    """The label's sales report CSV (Bandcamp's columns) for a month."""
    month = _period(period)
    name = f"sales-{slugify(label.name) or f'label-{label.pk}'}-{month}.csv"
    return _download(label_sales_report(label, month), name, "text/csv")


class DeliveryForm(forms.Form):
    message = forms.FileField(label=gettext_lazy("ERN message (.xml)"), required=False)
    archive = forms.FileField(label=gettext_lazy("Delivery ZIP: the message with its masters and cover, or "
                                                 "only the files when you choose the message above"),
                              required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("message") and not data.get("archive"):
            raise forms.ValidationError(_("Choose an ERN message (.xml), a delivery ZIP, or both."))
        return data


class _CappedUpload(FileUploadHandler):
    """Stops reading uploaded files past `max_bytes`, whatever the request's Content-Length said."""

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received_bytes = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received_bytes += len(raw_data)
        if self.received_bytes > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # checked by csrf_protect below, once the upload handlers are in place
@require_http_methods(["GET", "HEAD", "POST"])
@for_members
def label_deliveries(request: HttpRequest, label: Label) -> HttpResponse:
    """The upload form, and what importing the upload did. Membership is checked before the body is read."""
    max_bytes = _upload_max_bytes()
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes + _FORM_FIELDS_ROOM_BYTES:
        return _deliveries_page(request, label, DeliveryForm(), error=_too_big(max_bytes), status=413)
    cap = _CappedUpload(request, max_bytes)
    request.upload_handlers.insert(0, cap)
    return _delivery_upload(request, label, cap)


def _too_big(max_bytes: int) -> str:
    return _("The upload is larger than %(megabytes)d MB, the most one delivery may be. Split it, or ask the "
             "store to import it from its drop folder.") % {"megabytes": max_bytes // (1024 * 1024)}


@csrf_protect
def _delivery_upload(request: HttpRequest, label: Label, cap: _CappedUpload) -> HttpResponse:
    if request.method != "POST":
        return _deliveries_page(request, label, DeliveryForm())
    form = DeliveryForm(request.POST, request.FILES)
    if cap.exceeded:
        return _deliveries_page(request, label, DeliveryForm(), error=_too_big(cap.max_bytes), status=413)
    if not form.is_valid():
        return _deliveries_page(request, label, form, status=400)
    try:
        received = receive(label, request.user, message=_uploaded(form.cleaned_data["message"]),
                           archive=_uploaded(form.cleaned_data["archive"]), limits=_archive_limits(cap.max_bytes))
    except UploadRefused as refusal:
        return _deliveries_page(request, label, form, error=str(refusal), status=400)
    return _deliveries_page(request, label, DeliveryForm(), received=received)


def _uploaded(file: UploadedFile[bytes] | None) -> Uploaded | None:
    return Uploaded(file.name or "upload", file) if file is not None else None


def _archive_limits(max_bytes: int) -> ArchiveLimits:
    defaults = ArchiveLimits()
    return ArchiveLimits(max_entries=int(getattr(settings, "PRESSPLANT_UPLOAD_MAX_ENTRIES", defaults.max_entries)),
                         max_unpacked_bytes=int(getattr(settings, "PRESSPLANT_UPLOAD_MAX_UNPACKED_BYTES",
                                                        5 * max_bytes)),
                         max_ratio=defaults.max_ratio)


def _deliveries_page(request: HttpRequest, label: Label, form: DeliveryForm, *, error: str = "",
                     received: list[Received] | None = None, status: int = 200) -> HttpResponse:
    return render_page(request, "storefront/label/deliveries.html", {
        "label": label, "form": form, "error": error, "received": received or [],
        "max_megabytes": _upload_max_bytes() // (1024 * 1024), "senders": sender_party_ids(label),
        "ddex_messages": messages_from(label),
    }, status=status)  # fmt: skip
