"""The storefront's forms: what a Buy button and the voucher box post."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pressplant.audio.formats import FORMATS
from pressplant.orders.actions import OrderItem


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)


class BuyForm(forms.Form):
    """One item: the release shown on the page, or one of its tracks when `track` is given.

    `idempotency_key` is made when the page renders, so a second click on the same button buys once."""

    release = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    track = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    format_name = forms.ChoiceField(label=_("Format"), choices=[(f.name, f.title) for f in FORMATS.values()])
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def order_item(self) -> OrderItem:
        data = self.cleaned_data
        if data.get("track"):
            return OrderItem(data["format_name"], track_id=data["track"])
        return OrderItem(data["format_name"], release_id=data["release"])


class VoucherForm(forms.Form):
    code = forms.CharField(label=_("Voucher code"), max_length=64)
