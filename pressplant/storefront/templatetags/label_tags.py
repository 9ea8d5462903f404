"""The label pages' template filters: the header's Label link (for the people who work for a label, and
staff), and a territory's name."""

from __future__ import annotations

from django import template

from pressplant.accounts.countries import find_country
from pressplant.rights.availability import country_name
from pressplant.rights.members import AnyUser, works_for_a_label

register = template.Library()


@register.filter
def works_for_label(user: AnyUser) -> bool:
    """{% if user|works_for_label %}: one EXISTS query for a signed-in user, none for a visitor."""
    return works_for_a_label(user)


@register.filter
def territory_name(code: str) -> str:
    """"GB" -> "United Kingdom": the country a sale took place in, by name (the code when unknown)."""
    if not code:
        return "?"
    found = find_country(code)
    return found.name if found is not None else country_name(code)
