"""Telling volunteers and households what happened to them, in bulk and each in their own
language (Chinese for someone without an account): in-app to the account and a text message to
its phone, or a text message to the phone in the register when there is no account — the way
servicedesk.notices.notify_person does it, but batched with notify_many.

- `tell_shift_cancelled`: the volunteers whose sign-ups a cancelled shift or activity withdrew.
- `tell_declarations`: the households whose declarations were credited (the crediting job) or
  rejected (by the 两委, the reviewer, or an upheld objection).
Rows are written in the caller's transaction (the outbox); SMS go out once it commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cunshe.core.models import Notification
from cunshe.core.notifications import Message, notify_many
from cunshe.residents.models import GONE, HEAD, Person
from cunshe.volunteering.models import Declaration, EarningRule, Volunteer

SHIFT_CANCELLED_SUBJECT = _("志愿服务班次已取消")
SHIFT_CANCELLED_BODY = _("您报名的“%(title)s”（%(when)s）已取消，报名已自动退出。原因：%(reason)s")
SHIFT_CANCELLED_BODY_PLAIN = _("您报名的“%(title)s”（%(when)s）已取消，报名已自动退出。")
CREDITED_SUBJECT = _("积分已入账")
CREDITED_BODY = _("您家申报的“%(rule)s”已公示期满，%(points)s分积分已入账。")
REJECTED_SUBJECT = _("积分申报未通过")
REJECTED_BODY = _("您家申报的“%(rule)s”（%(points)s分）未通过。原因：%(reason)s")


def _message(
    account: Any, phone: str, subject: Any, body: Any, values: dict[str, Any], link: str
) -> list[Message]:
    language = (getattr(account, "language", "") if account is not None else "") or "zh-hans"
    with translation.override(language):
        text = {k: str(v) for k, v in values.items()}
        s, b = str(subject) % text, str(body) % text
    if account is not None:
        channels: tuple[str, ...] = (Notification.Channel.IN_APP,)
        if account.phone:
            channels += (Notification.Channel.SMS,)
        return [Message(recipient=account, subject=s, body=b, link=link, channels=channels)]
    if phone:
        return [Message(recipient=None, subject=s, body=b, channels=(Notification.Channel.SMS,),
                        phone=phone)]  # fmt: skip
    return []


def tell_shift_cancelled(
    withdrawn: Iterable[tuple[int, datetime]], *, title: str, reason: str = ""
) -> int:
    """Tell each volunteer of `withdrawn` — (volunteer id, shift start) pairs — that their shift
    of `title` was cancelled. Two queries however many volunteers."""
    items = sorted(set(withdrawn))
    if not items:
        return 0
    volunteers = Volunteer._base_manager.filter(pk__in={vid for vid, _at in items}).select_related(
        "account", "person__account"
    )
    by_id = {v.pk: v for v in volunteers}
    body = SHIFT_CANCELLED_BODY if reason else SHIFT_CANCELLED_BODY_PLAIN
    link = reverse("volunteering:my_shifts")
    messages: list[Message] = []
    for vid, starts_at in items:
        v = by_id[vid]
        account = v.account or (v.person.account if v.person_id else None)
        phone = v.phone or (v.person.phone if v.person_id else "")
        when = date_format(timezone.localtime(starts_at), "Y-m-d H:i")
        values = {"title": title, "when": when, "reason": reason}
        messages += _message(account, phone, SHIFT_CANCELLED_SUBJECT, body, values, link)
    notify_many(messages)
    return len(messages)


def tell_declarations(declarations: Iterable[Declaration], *, credited: bool) -> int:
    """Tell each declaration's household (every current member with an account; with none, the
    head's phone in the register) that it was credited or rejected. A fixed number of queries
    however many declarations."""
    rows = list(declarations)
    if not rows:
        return 0
    households = {d.household_id for d in rows}
    members: dict[int, list[Person]] = {}
    for p in (
        Person._base_manager.filter(household_id__in=households)
        .exclude(residence_status__in=GONE)
        .filter(Q(account__isnull=False) | Q(relationship=HEAD))
        .select_related("account")
        .order_by("household_id", "relationship", "pk")
    ):
        members.setdefault(p.household_id, []).append(p)
    names = dict(
        EarningRule._base_manager.filter(pk__in={d.rule_id for d in rows}).values_list("pk", "name")
    )
    rules = {d.pk: names.get(d.rule_id, "") for d in rows}
    link = reverse("volunteering:my_points")
    subject, body = (
        (CREDITED_SUBJECT, CREDITED_BODY) if credited else (REJECTED_SUBJECT, REJECTED_BODY)
    )
    messages: list[Message] = []
    for d in rows:
        values = {"rule": rules[d.pk], "points": d.points, "reason": d.reject_reason or "-"}
        people = members.get(d.household_id, [])
        with_account = [p for p in people if p.account_id]
        if with_account:
            for p in with_account:
                messages += _message(p.account, "", subject, body, values, link)
        else:
            head = next((p for p in people if p.relationship == HEAD), None)
            if head is not None and head.phone:
                messages += _message(None, head.phone, subject, body, values, link)
    notify_many(messages)
    return len(messages)
