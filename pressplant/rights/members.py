"""Who may act for a label: its members see its dashboard and statements and deliver its DDEX messages;
staff may do so for every label. And which messages are the label's: those from its sender ids (DPIDs).

The rule that a label delivers only its own messages lives here, so that every interface (the upload
form, an API) refuses the same messages with the same sentence.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from pressplant.catalogue.models import Label
from pressplant.rights.models import DdexMessage, LabelMember

AnyUser = AbstractBaseUser | AnonymousUser

LATEST_MESSAGES = 50
"""How many of a label's messages its dashboard lists."""


class WrongSender(Exception):
    """A message a label member may not deliver: it comes from another sender. Nothing was written."""


def is_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def labels_for(user: AnyUser) -> QuerySet[Label]:
    """The labels `user` may see, by name: every label for staff, else those they are a member of."""
    if not user.is_authenticated:
        return Label.objects.none()
    if is_staff(user):
        return Label.objects.order_by("name")
    return Label.objects.filter(members__user_id=user.pk).distinct().order_by("name")


def works_for_a_label(user: AnyUser) -> bool:
    """Whether the site's header offers `user` the label pages."""
    return is_staff(user) or bool(user.is_authenticated and LabelMember.objects.filter(user_id=user.pk).exists())


def may_act_for(user: AnyUser, label: Label) -> bool:
    return is_staff(user) or bool(user.is_authenticated and LabelMember.objects.filter(user_id=user.pk,
                                                                                       label=label).exists())


def sender_party_ids(label: Label) -> list[str]:
    """The DPIDs the label's messages come from, as its memberships record them."""
    ids = LabelMember.objects.filter(label=label).exclude(sender_party_id="").values_list("sender_party_id",
                                                                                            flat=True)
    return sorted(set(ids))


def messages_from(label: Label, limit: int = LATEST_MESSAGES) -> QuerySet[DdexMessage]:
    """The label's latest messages, newest first, without their XML."""
    return DdexMessage.objects.filter(sender_party_id__in=sender_party_ids(label)).defer("xml")[:limit]


def check_sender(user: AnyUser, label: Label, sender_party_id: str | None) -> None:
    """WrongSender unless the message comes from one of the label's sender ids (staff may deliver any)."""
    if is_staff(user):
        return
    ours = sender_party_ids(label)
    if not ours:
        raise WrongSender(f"{label} has no DDEX sender id on record, so its messages cannot be checked: "
                          f"ask the store to add the label's DPID to your membership")
    if sender_party_id not in ours:
        raise WrongSender(f"this message is from sender {sender_party_id or '(none given)'}, "
                          f"not from {label} ({', '.join(ours)})")
