"""Alerts: raising, the escalation ladder, acknowledgement and closing.

`alert_raise` is the entry point other parts call (terminal ingestion for SOS, fall and removed
devices); the missed check-in sweep raises in bulk through `alerts_raise_missed`.

The ladder (rules LADDER_RUNGS / LADDER_MINUTES): `Alert.step` is the rung last told (0 = nobody
yet) and `step_due_at` when the next rung falls due. Raising tells rung 1 at once. `ladder_climb`
(the every-minute job) moves every open, unacknowledged alert whose time is up one rung; a rung
is *claimed* by a conditional `UPDATE … WHERE step = <old step> … RETURNING id`, so two workers
running at the same moment tell each rung once. A rung with nobody to tell (no family contact
and no call-back phone, no carer) is recorded with 0 recipients and the next rung is due at
once: an SOS must not wait five minutes on an empty rung. After the last rung the alert stays
open with its last deadline: the boards show it as overdue; it does not climb further.

Every rung told is an `AlertStep` row and an audit event `care.alert.escalated` (the first one,
written when the alert is raised, says `raised: true`). A batch of alerts told together writes
its steps, messages and audit events in bulk (`notify_many`, `audit_many`): a fixed number of
statements per batch, SMS sending queued as one task per 200 messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.care.models import (
    Alert,
    AlertStep,
    CareProfile,
    CarerAssignment,
    Contact,
    Terminal,
    TerminalEvent,
    Visit,
)
from cunshe.care.rules import rule
from cunshe.core.audit import Event, audit, audit_many
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import Notification
from cunshe.core.notifications import Message, notify_many
from cunshe.regions.models import Region
from cunshe.residents.services import ConcurrentEdit

ALERTS = "care.alerts"
# The ladder's rungs are numbered from 1; repeats of an SOS pressed while the first is still
# open are recorded as steps numbered from here (so they never collide with a rung).
REPEAT_STEP_BASE = 100
# Kinds for which a second event while one is open joins the open alert.
JOINING_KINDS = frozenset({Alert.Kind.SOS, Alert.Kind.FALL, Alert.Kind.DEVICE_REMOVED})
BATCH = 500

SUBJECT = gettext_lazy("【村社通】%(kind)s：%(name)s")
# Who, what, where, when, and the number to call back. No ID number, no health detail.
BODY = gettext_lazy(
    "%(name)s（%(place)s）%(when)s %(kind)s，请尽快联系或上门查看。回拨电话：%(phone)s。"
    "收到请在平台上点“已响应”。"
)
RUNG_LABELS = {
    "family": gettext_lazy("家属"),
    "carer": gettext_lazy("关爱人员"),
    "leader": gettext_lazy("村两委"),
    "township": gettext_lazy("乡镇"),
}


# --- the ladder's arithmetic -------------------------------------------------------------


def rungs() -> tuple[str, ...]:
    return tuple(rule("LADDER_RUNGS"))


def rung_minutes(kind: str, step: int) -> int:
    """Minutes rung `step` (1-based) has before the next is told."""
    minutes = rule("LADDER_MINUTES")[kind]
    return int(minutes[min(step, len(minutes)) - 1])


def rung_name(step: int) -> str:
    names = rungs()
    return names[step - 1] if 1 <= step <= len(names) else ""


def rung_label(step: int) -> str:
    name = rung_name(step)
    return str(RUNG_LABELS.get(name, name))


def is_overdue(alert: Alert, now: datetime) -> bool:
    """The last rung was told and its time is up too: nobody above is left to tell."""
    return (
        alert.status == Alert.Status.OPEN
        and alert.step >= len(rungs())
        and alert.step_due_at is not None
        and alert.step_due_at <= now
    )


def alert_link(alert_id: int) -> str:
    return reverse("care:alert", args=[alert_id])


# --- who is told on each rung --------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    user: User | None
    phone: str


def _village(code: str) -> str:
    return code[:12]


def _family(alerts: Sequence[Alert]) -> dict[int, list[Recipient]]:
    profile_ids = {a.profile_id for a in alerts if a.profile_id}
    contacts: dict[int, list[Recipient]] = defaultdict(list)
    if profile_ids:
        for c in Contact.objects.filter(profile_id__in=profile_ids, is_family=True).order_by(
            "profile_id", "order", "id"
        ):
            if c.phone:
                contacts[c.profile_id].append(Recipient(None, c.phone))
    out: dict[int, list[Recipient]] = {}
    for a in alerts:
        found = contacts.get(a.profile_id or 0) or []
        if not found and a.terminal_id and a.terminal.callback_phone:
            found = [Recipient(None, a.terminal.callback_phone)]
        out[a.pk] = found
    return out


def _carers(alerts: Sequence[Alert]) -> dict[int, list[Recipient]]:
    profile_ids = {a.profile_id for a in alerts if a.profile_id}
    carers: dict[int, list[Recipient]] = defaultdict(list)
    if profile_ids:
        rows = (
            CarerAssignment.objects.filter(profile_id__in=profile_ids, active=True)
            .select_related("user")
            .order_by("profile_id", "assigned_at", "id")
        )
        for c in rows:
            if c.user_id is not None and c.user.is_active:
                carers[c.profile_id].append(Recipient(c.user, c.phone))
            elif c.user_id is None and c.phone:
                carers[c.profile_id].append(Recipient(None, c.phone))
    return {a.pk: list(carers.get(a.profile_id or 0, [])) for a in alerts}


def _role_holders(alerts: Sequence[Alert], role: str, length: int) -> dict[int, list[Recipient]]:
    """Active users holding `role` at exactly the alert's village (12) or township (9)."""
    codes = {a.region_code[:length] for a in alerts}
    by_code: dict[str, list[Recipient]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    rows = (
        RoleAssignment.objects.active()
        .filter(region_code__in=sorted(codes), role=role, user__is_active=True)
        .select_related("user")
        .order_by("region_code", "user_id")
    )
    for ra in rows:
        if (ra.region_code, ra.user_id) not in seen:
            seen.add((ra.region_code, ra.user_id))
            by_code[ra.region_code].append(Recipient(ra.user, ""))
    return {a.pk: list(by_code.get(a.region_code[:length], [])) for a in alerts}


def recipients_for(alerts: Sequence[Alert], step: int) -> dict[int, list[Recipient]]:
    """Who rung `step` tells for each alert (a fixed number of queries for any number)."""
    name = rung_name(step)
    if name == "family":
        return _family(alerts)
    if name == "carer":
        return _carers(alerts)
    if name == "leader":
        return _role_holders(alerts, Role.VILLAGE_LEADER, 12)
    if name == "township":
        return _role_holders(alerts, Role.TOWNSHIP_OFFICER, 9)
    return {a.pk: [] for a in alerts}


# --- telling a rung --------------------------------------------------------------------------


def _places(alerts: Sequence[Alert]) -> dict[str, str]:
    codes: set[str] = set()
    for a in alerts:
        codes.add(a.region_code)
        codes.add(_village(a.region_code))
    return dict(Region.objects.filter(code__in=sorted(codes)).values_list("code", "name"))


def _place(alert: Alert, names: dict[str, str]) -> str:
    village = names.get(_village(alert.region_code), "")
    if len(alert.region_code) > 12:
        return f"{village}{names.get(alert.region_code, '')}"
    return village


def _message(alert: Alert, account: User | None, phone: str, place: str) -> Message:
    """One message in the recipient's language (Chinese for someone without an account)."""
    language = (account.language if account is not None else "") or "zh-hans"
    with translation.override(language):
        values = {
            "name": alert.person.name,
            "place": place,
            "when": timezone.localtime(alert.opened_at).strftime("%m-%d %H:%M"),
            "kind": str(Alert.Kind(alert.kind).label),
            "phone": (alert.terminal.callback_phone if alert.terminal_id else "") or "-",
        }
        subject, body = str(SUBJECT) % values, str(BODY) % values
    if account is None:
        return Message(recipient=None, subject=subject, body=body,
                       channels=(Notification.Channel.SMS,), phone=phone)  # fmt: skip
    channels: tuple[str, ...] = (Notification.Channel.IN_APP,)
    if account.phone:
        channels += (Notification.Channel.SMS,)
    return Message(recipient=account, subject=subject, body=body, link=alert_link(alert.pk),
                   channels=channels)  # fmt: skip


def _messages(alert: Alert, recipients: list[Recipient], place: str) -> list[Message]:
    out = []
    for r in recipients:
        if r.user is None:
            out.append(_message(alert, None, r.phone, place))
            continue
        out.append(_message(alert, r.user, "", place))
        if not r.user.phone and r.phone:
            # A carer's account without a phone: text the number on the assignment instead.
            out.append(_message(alert, None, r.phone, place))
    return out


def _tell(alerts: Sequence[Alert], step: int, now: datetime, *, raised: bool = False) -> None:
    """Tell rung `step` about each alert (already claimed at that step): messages, steps and
    audit events. Alerts whose rung had nobody are made due again at once."""
    if not alerts:
        return
    who = recipients_for(alerts, step)
    names = _places(alerts)
    messages: list[Message] = []
    steps: list[AlertStep] = []
    empty: list[int] = []
    for a in alerts:
        recipients = who.get(a.pk, [])
        messages.extend(_messages(a, recipients, _place(a, names)))
        steps.append(
            AlertStep(
                alert=a,
                step=step,
                rung=rung_name(step),
                at=now,
                due_at=a.step_due_at,
                recipients=len(recipients),
                note="" if recipients else "无人可通知，直接上报下一级",
            )
        )
        if not recipients and step < len(rungs()):
            empty.append(a.pk)
    notify_many(messages)
    AlertStep.objects.bulk_create(steps, batch_size=BATCH)
    if empty:
        Alert._base_manager.filter(pk__in=empty, step=step).update(step_due_at=now)
        for a in alerts:
            if a.pk in empty:
                a.step_due_at = now
    system = Jurisdiction.system("care alert ladder")
    events = []
    for a, s in zip(alerts, steps, strict=True):
        detail: dict[str, Any] = {
            "kind": a.kind,
            "step": step,
            "rung": s.rung,
            "recipients": s.recipients,
        }
        if raised:
            detail["raised"] = True
        events.append(Event("care.alert.escalated", jurisdiction=system, obj=a, detail=detail))
    # One event per alert told, appended to the chain together (one lock, one INSERT a batch).
    audit_many(events)


def _claim(ids: list[int], *, old_step: int, due_at: datetime, now: datetime) -> list[int]:
    """Move these alerts from `old_step` to the next rung if nobody has since: the ids won."""
    if not ids:
        return []
    table = connection.ops.quote_name(Alert._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET step = step + 1, step_due_at = %s "  # noqa: S608 - no user input
        f"WHERE id IN ({marks}) AND step = %s AND status = %s "
        f"AND (step_due_at IS NULL OR step_due_at <= %s) RETURNING id"
    )
    field = Alert._meta.get_field("step_due_at")
    params: list[Any] = [
        field.get_db_prep_value(due_at, connection),
        *ids,
        old_step,
        Alert.Status.OPEN,
        field.get_db_prep_value(now, connection),
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


def _load(ids: Iterable[int]) -> list[Alert]:
    return list(
        Alert._base_manager.filter(pk__in=list(ids))
        .select_related("person", "terminal")
        .order_by("pk")
    )


def ladder_climb(now: datetime | None = None) -> int:
    """Move every open, unacknowledged alert whose rung's time is up to the next rung; returns
    how many rungs were told. Safe to run in two workers at once (each rung told once)."""
    now = now or timezone.now()
    last = len(rungs())
    told = 0
    # Empty rungs make the next one due at once: a few passes let them cascade now.
    for _pass in range(last + 1):
        due = list(
            Alert._base_manager.filter(
                status=Alert.Status.OPEN, step_due_at__lte=now, step__lt=last
            ).values_list("pk", "kind", "step")
        )
        if not due:
            break
        groups: dict[tuple[str, int], list[int]] = defaultdict(list)
        for pk, kind, step in due:
            groups[(kind, step)].append(pk)
        for (kind, step), ids in sorted(groups.items()):
            new_step = step + 1
            due_at = now + timedelta(minutes=rung_minutes(kind, new_step))
            for start in range(0, len(ids), BATCH):
                with transaction.atomic():
                    won = _claim(ids[start : start + BATCH], old_step=step, due_at=due_at, now=now)
                    alerts = _load(won)
                    _tell(alerts, new_step, now, raised=(step == 0))
                    told += len(alerts)
    return told


# --- raising ---------------------------------------------------------------------------------


def _active_profiles(person_ids: Iterable[int]) -> dict[int, int]:
    """The person's active profile (the oldest, when a person has two kinds)."""
    out: dict[int, int] = {}
    rows = (
        CareProfile._base_manager.filter(
            person_id__in=list(person_ids), status=CareProfile.Status.ACTIVE
        )
        .order_by("person_id", "id")
        .values_list("person_id", "pk")
    )
    for person_id, pk in rows:
        out.setdefault(person_id, pk)
    return out


def _event_note(source_event: TerminalEvent | None) -> str:
    return f"event:{source_event.pk}" if source_event is not None else ""


def _join(open_alert: Alert, *, at: datetime, source_event: TerminalEvent | None) -> None:
    """Record a repeat on the open alert (once per source event: a redelivered message that
    comes back here finds its repeat already recorded)."""
    mark = _event_note(source_event)
    repeats = list(
        AlertStep.objects.filter(alert=open_alert, step__gte=REPEAT_STEP_BASE).values_list(
            "note", flat=True
        )
    )
    if mark and any(note.endswith(mark) for note in repeats):
        return
    AlertStep.objects.create(
        alert=open_alert,
        step=REPEAT_STEP_BASE + len(repeats) + 1,
        rung="repeat",
        at=at,
        note=f"再次触发，已并入本告警 {mark}".strip(),
    )
    audit(
        "care.alert.joined",
        jurisdiction=Jurisdiction.system("care alert raise"),
        obj=open_alert,
        detail={"kind": open_alert.kind, "source_event": getattr(source_event, "pk", None)},
    )


def alert_raise(
    *,
    terminal: Terminal,
    kind: str,
    at: datetime,
    source_event: TerminalEvent | None = None,
    for_date: date | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """Open an alert for the terminal's wearer; None when an equal one is already open (a
    second SOS press while the first is unanswered joins it) or already raised for the day.
    The first rung is told at once (`now`, default the clock: tests drive it)."""
    if kind not in Alert.Kind.values:
        raise ValueError(f"unknown alert kind {kind!r}")
    if kind == Alert.Kind.MISSED_CHECKIN and for_date is None:
        for_date = timezone.localdate(at)
    now = now or timezone.now()
    with transaction.atomic():
        # One raise per terminal at a time: two SOS presses arriving together make one alert.
        Terminal._base_manager.select_for_update().filter(pk=terminal.pk).first()
        alerts = Alert._base_manager.filter(terminal_id=terminal.pk)
        if source_event is not None and alerts.filter(source_event=source_event).exists():
            return None
        if for_date is not None and alerts.filter(kind=kind, for_date=for_date).exists():
            return None
        if kind in JOINING_KINDS:
            open_alert = (
                alerts.filter(kind=kind)
                .exclude(status=Alert.Status.CLOSED)
                .order_by("-opened_at")
                .first()
            )
            if open_alert is not None:
                _join(open_alert, at=at, source_event=source_event)
                return None
        profile_id = _active_profiles([terminal.person_id]).get(terminal.person_id)
        alert = Alert(
            person_id=terminal.person_id,
            profile_id=profile_id,
            terminal=terminal,
            source_event=source_event,
            kind=kind,
            opened_at=at,
            for_date=for_date,
            step=0,
            region_id=terminal.region_id,
            region_code=terminal.region_code,
        )
        try:
            with transaction.atomic():
                # bulk_create: the row carries its region code already (save() would re-read it).
                Alert._base_manager.bulk_create([alert])
        except IntegrityError:
            return None  # the day's missed check-in, raised meanwhile by another run
        due_at = now + timedelta(minutes=rung_minutes(kind, 1))
        loaded = _load(_claim([alert.pk], old_step=0, due_at=due_at, now=now))
        _tell(loaded, 1, now, raised=True)
        return loaded[0] if loaded else None


def alerts_raise_missed(rows: Sequence[tuple[int, int, int, str]], *, for_date: date,
                        opened_at: datetime, now: datetime) -> int:  # fmt: skip
    """Raise missed check-in alerts for (terminal id, person id, region id, region code) rows
    in bulk (the sweep) and tell their first rung; returns how many were raised. A terminal
    already alerted for the day is skipped (the DB constraint), so two sweeps raise once."""
    raised = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        profiles = _active_profiles({r[1] for r in chunk})
        new = [
            Alert(
                person_id=person_id,
                profile_id=profiles.get(person_id),
                terminal_id=terminal_id,
                kind=Alert.Kind.MISSED_CHECKIN,
                opened_at=opened_at,
                for_date=for_date,
                step=0,
                step_due_at=opened_at,
                region_id=region_id,
                region_code=region_code,
            )
            for terminal_id, person_id, region_id, region_code in chunk
        ]
        with transaction.atomic():
            Alert._base_manager.bulk_create(new, ignore_conflicts=True)
            ids = list(
                Alert._base_manager.filter(
                    terminal_id__in=[r[0] for r in chunk],
                    kind=Alert.Kind.MISSED_CHECKIN,
                    for_date=for_date,
                    step=0,
                ).values_list("pk", flat=True)
            )
            due_at = now + timedelta(minutes=rung_minutes(Alert.Kind.MISSED_CHECKIN, 1))
            won = _claim(ids, old_step=0, due_at=due_at, now=now)
            alerts = _load(won)
            _tell(alerts, 1, now, raised=True)
            raised += len(alerts)
    return raised


# --- acknowledging and closing ---------------------------------------------------------------


class AlreadyHandled(ValidationError):
    """A second acknowledgement (or an action on a closed alert): the API answers 409."""


def _who(user_id: int | None) -> str:
    if user_id is None:
        return "-"
    user = User.objects.filter(pk=user_id).first()
    return str(user) if user is not None else "-"


def alert_acknowledge(
    *, actor: User, jurisdiction: Jurisdiction, alert: Alert, now: datetime | None = None
) -> Alert:
    """Stop the ladder: record who acknowledged and when. A second acknowledgement is refused
    with who and when the first was made."""
    if not jurisdiction.has_perm(ALERTS):
        raise ValidationError({"__all__": _("没有处理告警的权限。")})
    now = now or timezone.now()
    with transaction.atomic():
        won = (
            Alert.objects.within(jurisdiction)
            .filter(pk=alert.pk, status=Alert.Status.OPEN)
            .update(
                status=Alert.Status.ACKNOWLEDGED,
                acknowledged_by=actor,
                acknowledged_at=now,
                version=F("version") + 1,
            )
        )
        current = Alert.objects.within(jurisdiction).get(pk=alert.pk)
        if not won:
            if current.acknowledged_at is None:
                raise AlreadyHandled({"__all__": _("该告警已关闭。")})
            raise AlreadyHandled(
                {
                    "__all__": _("该告警已由%(who)s于%(when)s响应。")
                    % {
                        "who": _who(current.acknowledged_by_id),
                        "when": timezone.localtime(current.acknowledged_at).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    }
                }
            )
        audit(
            "care.alert.acknowledged",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=current,
            detail={
                "kind": current.kind,
                "step": current.step,
                "seconds": int((now - current.opened_at).total_seconds()),
            },
        )
    return current


MAX_NOTE = 500


def alert_close(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    alert: Alert,
    note: str,
    visit_made: bool,
    expected_version: int,
    visit: Visit | None = None,
    now: datetime | None = None,
) -> Alert:
    """Close with a note (what happened) and whether a visit was made, linking the visit when
    one was recorded. Closing an unacknowledged alert acknowledges it at the same time. A stale
    `expected_version` raises ConcurrentEdit."""
    if not jurisdiction.has_perm(ALERTS):
        raise ValidationError({"__all__": _("没有处理告警的权限。")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写处置情况。")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("处置情况最多 %(n)s 个字。") % {"n": MAX_NOTE}})
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Alert.objects.within(jurisdiction).select_for_update(of=("self",)).get(pk=alert.pk)
        )
        if current.version != expected_version:
            raise ConcurrentEdit
        if current.status == Alert.Status.CLOSED:
            raise AlreadyHandled({"__all__": _("该告警已关闭。")})
        if visit is not None:
            if visit.profile.person_id != current.person_id:
                raise ValidationError({"visit": _("这条探访记录不是对该告警对象的探访。")})
            if not jurisdiction.covers(visit.region_code):
                raise ValidationError({"visit": _("没有这条探访记录。")})
        was_open = current.status == Alert.Status.OPEN
        if was_open:
            current.acknowledged_by = actor
            current.acknowledged_at = now
        current.status = Alert.Status.CLOSED
        current.closed_by = actor
        current.closed_at = now
        current.close_note = note
        current.visit_made = bool(visit_made or visit is not None)
        current.version += 1
        current.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "closed_by",
                "closed_at",
                "close_note",
                "visit_made",
                "version",
            ]
        )
        if visit is not None:
            Visit._base_manager.filter(pk=visit.pk).update(alert=current)
        if was_open:
            audit(
                "care.alert.acknowledged",
                actor=actor,
                jurisdiction=jurisdiction,
                obj=current,
                detail={
                    "kind": current.kind,
                    "step": current.step,
                    "seconds": int((now - current.opened_at).total_seconds()),
                    "on_close": True,
                },
            )
        audit(
            "care.alert.closed",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=current,
            detail={
                "kind": current.kind,
                "visit_made": current.visit_made,
                "visit": visit.pk if visit is not None else None,
            },
        )
    return current
