"""The terminal register and the review of parked messages: every write here is audited.

A terminal's secret is generated here, shown once to the clerk who registers the terminal (or
resets its secret) and never again: pages and the API show only that one is set.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.care import ingest
from cunshe.care.access import VIEW_CHILDREN
from cunshe.care.models import ParkedEvent, Terminal, new_terminal_secret
from cunshe.care.rules import rule
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit

TERMINALS = "care.terminals"
PARKED = "care.parked"
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{3,39}$")
MAX_REASON = 200

__all__ = ["ConcurrentEdit"]


def _require(jurisdiction: Jurisdiction, perm: str) -> None:
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def is_child(person: Person, today: Any = None) -> bool:
    """Whether the wearer is a child under the care rules (their terminal is a child's record)."""
    today = today or timezone.localdate()
    years = rule("CHILD_MAX_AGE_EXCLUSIVE")
    born = person.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < years


def default_window() -> tuple[time, time]:
    start, end = rule("CHECKIN_WINDOW")
    return time.fromisoformat(start), time.fromisoformat(end)


def clean_phone(raw: str, field: str = "callback_phone") -> str:
    value = "".join((raw or "").split()).replace("-", "")
    if not (value.isdigit() and 7 <= len(value) <= 12):
        raise ValidationError({field: _("电话应为11位手机号或7至12位固定电话。")})
    return value


def _check_person(jurisdiction: Jurisdiction, person: Person | None) -> Person:
    """The wearer must be a living person of the caller's subtree; a child's terminal needs the
    permission to see children's records."""
    if person is None or not jurisdiction.covers(person.region_code):
        raise ValidationError({"person": _("请选择本辖区登记在册的人员。")})
    if person.died_on is not None:
        raise ValidationError({"person": _("该人员已登记死亡，不能绑定终端。")})
    if is_child(person) and not jurisdiction.has_perm(VIEW_CHILDREN):
        raise ValidationError({"person": _("您无权为儿童登记终端。")})
    return person


def _check_window(start: time | None, end: time | None) -> tuple[time, time]:
    if start is None and end is None:
        return default_window()
    if start is None or end is None:
        raise ValidationError({"checkin_end": _("签到开始和截止时间须同时填写。")})
    if start >= end:
        raise ValidationError({"checkin_end": _("签到截止时间须晚于开始时间。")})
    return start, end


def terminal_register(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person | None,
    serial: str,
    callback_phone: str,
    model_name: str = "",
    checkin_start: time | None = None,
    checkin_end: time | None = None,
) -> tuple[Terminal, str]:
    """Register a terminal for a person; returns it with its new secret (shown once)."""
    _require(jurisdiction, TERMINALS)
    serial = (serial or "").strip()
    if not SERIAL.match(serial):
        raise ValidationError(
            {"serial": _("序列号/IMEI 为4至40位字母、数字或 . _ : -，以字母或数字开头。")}
        )
    person = _check_person(jurisdiction, person)
    phone = clean_phone(callback_phone)
    start, end = _check_window(checkin_start, checkin_end)
    model_name = (model_name or "").strip()[:60]
    secret = new_terminal_secret()
    with transaction.atomic():
        if Terminal._base_manager.filter(serial=serial).exists():
            raise ValidationError({"serial": _("该序列号已登记。")})
        terminal = Terminal(
            serial=serial,
            person=person,
            region_id=person.region_id,
            region_code=person.region_code,
            model_name=model_name,
            callback_phone=phone,
            secret=secret,
            checkin_start=start,
            checkin_end=end,
            registered_by=actor,
        )
        terminal.save()
        parked = ParkedEvent.objects.filter(serial=serial, reviewed_at__isnull=True).count()
        audit(
            "care.terminal.registered",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=terminal,
            detail={"serial": serial, "person_id": person.pk, "parked_waiting": parked},
        )
    return terminal, secret


def _lock(jurisdiction: Jurisdiction, terminal: Terminal, version: int | None) -> Terminal:
    fresh = (
        Terminal.objects.within(jurisdiction)
        .select_for_update(of=("self",))
        .select_related("person")
        .get(pk=terminal.pk)
    )
    if version is not None and fresh.version != version:
        raise ConcurrentEdit
    return fresh


def terminal_update(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    terminal: Terminal,
    version: int | None,
    person: Person | None = None,
    callback_phone: str | None = None,
    model_name: str | None = None,
    checkin_start: time | None = None,
    checkin_end: time | None = None,
    window: bool = False,
) -> Terminal:
    """Change a terminal's wearer, call-back phone, model or check-in window (`window=True`
    when the window is given; both None then means the rule's default). Stale `version` →
    ConcurrentEdit."""
    _require(jurisdiction, TERMINALS)
    changes: dict[str, Any] = {}
    if person is not None:
        person = _check_person(jurisdiction, person)
    if callback_phone is not None:
        callback_phone = clean_phone(callback_phone)
    if window:
        checkin_start, checkin_end = _check_window(checkin_start, checkin_end)
    with transaction.atomic():
        t = _lock(jurisdiction, terminal, version)
        if person is not None and person.pk != t.person_id:
            changes["person_id"] = [t.person_id, person.pk]
            t.person, t.region_id, t.region_code = person, person.region_id, person.region_code
        if callback_phone is not None and callback_phone != t.callback_phone:
            changes["callback_phone"] = True
            t.callback_phone = callback_phone
        if model_name is not None and model_name.strip()[:60] != t.model_name:
            changes["model_name"] = [t.model_name, model_name.strip()[:60]]
            t.model_name = model_name.strip()[:60]
        if window and (checkin_start, checkin_end) != (t.checkin_start, t.checkin_end):
            changes["window"] = [f"{checkin_start:%H:%M}", f"{checkin_end:%H:%M}"]
            t.checkin_start, t.checkin_end = checkin_start, checkin_end
        if not changes:
            return t
        t.version = F("version") + 1
        t.save()
        t.refresh_from_db(fields=["version"])
        audit(
            "care.terminal.updated",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=t,
            detail={"changed": changes},
        )
    return t


def terminal_set_active(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    terminal: Terminal,
    active: bool,
    reason: str = "",
    version: int | None = None,
) -> Terminal:
    """Deactivate (lost, returned, the wearer moved or died: a reason is required) or reactivate
    a terminal. A deactivated terminal's messages are parked, not stored."""
    _require(jurisdiction, TERMINALS)
    reason = (reason or "").strip()
    if not active and not reason:
        raise ValidationError({"reason": _("请填写停用原因。")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("原因最多200个字。")})
    with transaction.atomic():
        t = _lock(jurisdiction, terminal, version)
        if t.active == active:
            return t
        if active:
            _check_person(jurisdiction, t.person)
        t.active = active
        t.version = F("version") + 1
        t.save(update_fields=["active", "version"])
        t.refresh_from_db(fields=["version"])
        audit(
            "care.terminal.deactivated" if not active else "care.terminal.reactivated",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=t,
            detail={"reason": reason},
        )
    return t


def terminal_reset_secret(
    *, actor: Any, jurisdiction: Jurisdiction, terminal: Terminal
) -> tuple[Terminal, str]:
    """A new secret (the old one stops working at once); returned to show once."""
    _require(jurisdiction, TERMINALS)
    secret = new_terminal_secret()
    with transaction.atomic():
        t = _lock(jurisdiction, terminal, None)
        t.secret = secret
        t.version = F("version") + 1
        t.save(update_fields=["secret", "version"])
        t.refresh_from_db(fields=["version"])
        audit("care.terminal.secret_reset", actor=actor, jurisdiction=jurisdiction, obj=t)
    return t, secret


# --- parked messages --------------------------------------------------------------------------


def _waiting(serial: str) -> list[ParkedEvent]:
    return list(
        ParkedEvent.objects.select_for_update()
        .filter(serial=serial, reviewed_at__isnull=True)
        .order_by("received_at", "id")
    )


def parked_replay(*, actor: Any, jurisdiction: Jurisdiction, serial: str) -> dict[str, int]:
    """Replay a serial's waiting messages through ingestion now that a terminal with that serial
    is registered and active; each row is marked with what became of it."""
    _require(jurisdiction, PARKED)
    if not Terminal._base_manager.filter(serial=serial, active=True).exists():
        raise ValidationError({"serial": _("该序列号尚未登记或已停用，请先在“呼叫终端”中登记。")})
    with transaction.atomic():
        rows = _waiting(serial)
        if not rows:
            raise ValidationError({"serial": _("没有待处理的消息。")})
        result = ingest.ingest_batch(
            [r.payload for r in rows],
            rows[0].source,
            timezone.now(),
            count=False,
            # A message's age counts from when it was parked, not from the review.
            arrived=[r.received_at for r in rows],
        )
        now = timezone.now()
        for row, outcome in zip(rows, result.results, strict=True):
            row.reviewed_by, row.reviewed_at = actor, now
            row.outcome = f"replayed:{outcome.key}"[:200]
        ParkedEvent.objects.bulk_update(rows, ["reviewed_by", "reviewed_at", "outcome"])
        counts = result.counts
        audit(
            "care.parked.replayed",
            actor=actor,
            jurisdiction=jurisdiction,
            object_type="care.parkedevent",
            object_id=serial,
            detail={"serial": serial, "messages": len(rows), "outcomes": counts},
        )
    return counts


def parked_discard(*, actor: Any, jurisdiction: Jurisdiction, serial: str, reason: str) -> int:
    """Mark a serial's waiting messages discarded with a reason (the rows are kept)."""
    _require(jurisdiction, PARKED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写不予处理的原因。")})
    if len(reason) > MAX_REASON - 10:
        raise ValidationError({"reason": _("原因最多190个字。")})
    with transaction.atomic():
        rows = _waiting(serial)
        if not rows:
            raise ValidationError({"serial": _("没有待处理的消息。")})
        ParkedEvent.objects.filter(pk__in=[r.pk for r in rows]).update(
            reviewed_by=actor, reviewed_at=timezone.now(), outcome=f"discarded:{reason}"
        )
        audit(
            "care.parked.discarded",
            actor=actor,
            jurisdiction=jurisdiction,
            object_type="care.parkedevent",
            object_id=serial,
            detail={"serial": serial, "messages": len(rows), "reason": reason},
        )
    return len(rows)
