"""Telling a villager something, in their language, the way every part of the desk does it:
in-app to their account when they have one, and a text message to the account's phone or,
failing that, to the phone in the register (kept encrypted in the outbox)."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cunshe.core.models import Notification
from cunshe.core.notifications import notify
from cunshe.residents.models import Person


def _in_language(text: str | Promise) -> str:
    return str(text) if isinstance(text, Promise) else _(text)


def notify_person(
    person: Person,
    subject: str | Promise,
    body: str | Promise,
    values: dict[str, Any] | None = None,
    link: str = "",
) -> None:
    """`subject` and `body` are lazy translations (or gettext source strings) with %(name)s
    placeholders filled from `values`, rendered in the person's language."""
    account = person.account if person.account_id else None
    notify_account_or_phone(account, person.phone, subject, body, values, link)


def notify_account_or_phone(
    account: Any,
    phone: str,
    subject: str | Promise,
    body: str | Promise,
    values: dict[str, Any] | None = None,
    link: str = "",
) -> None:
    """The same delivery for anyone: in-app to `account` if there is one, the text to the
    account's phone or else to `phone`; in the account's language (Chinese without one)."""
    language = (getattr(account, "language", "") if account else "") or "zh-hans"
    with translation.override(language):
        subject_text = _in_language(subject) % (values or {})
        body_text = _in_language(body) % (values or {})
    if account is not None:
        channels = [Notification.Channel.IN_APP]
        if account.phone:
            channels.append(Notification.Channel.SMS)
        notify(recipient=account, subject=subject_text, body=body_text, link=link,
               channels=channels)  # fmt: skip
        if account.phone:
            return
    if phone:
        notify(recipient=None, subject=subject_text, body=body_text,
               channels=(Notification.Channel.SMS,), phone=phone)  # fmt: skip
