"""Recorded service hours: measured at sign-out, confirmed by the organiser, approved by another
person with volunteering.approve; manual entries (补录) and corrections go the same way.

Entries are never edited (the model refuses any change but its flow fields): a disputed entry is
corrected by a new entry (`corrects`, signed minutes, a reason). Approval adds the minutes to
`Volunteer.approved_minutes` in the same transaction, under a lock on the volunteer's row, so the
cached total never goes below zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import Event, audit, audit_many
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.residents.models import Person
from cunshe.volunteering.models import Activity, HoursEntry, Signup, Volunteer
from cunshe.volunteering.rules import round_minutes, rule
from cunshe.volunteering.services.activities import MANAGE, require

APPROVE = "volunteering.approve"
Status = HoursEntry.Status
Kind = HoursEntry.Kind
MAX_ENTRY_MINUTES = 24 * 60


def counted_minutes(
    shift_start: datetime, shift_end: datetime, checked_in: datetime, checked_out: datetime
) -> tuple[int, int]:
    """(raw, rounded) minutes at the place: from sign-in (not before the shift starts) to
    sign-out (not after its end plus SHIFT_OVERTIME_MINUTES), whole minutes, then rounded by
    the rule. Time before the shift (travel, waiting) never counts."""
    start = max(checked_in, shift_start)
    end = min(checked_out, shift_end + timedelta(minutes=int(rule("SHIFT_OVERTIME_MINUTES"))))
    raw = max(0, int((end - start).total_seconds() // 60))
    return raw, round_minutes(raw)


def record_attendance(*, actor: Any, signup: Signup) -> HoursEntry:
    """The attendance entry of a signed-out sign-up (called inside the sign-out's transaction,
    whose audit event names it)."""
    shift = signup.shift
    raw, minutes = counted_minutes(
        shift.starts_at, shift.ends_at, signup.checked_in_at, signup.checked_out_at
    )
    activity = shift.activity
    entry = HoursEntry(
        region=signup.volunteer.region,
        volunteer=signup.volunteer,
        signup=signup,
        activity=activity,
        organisation_id=activity.project.organisation_id,
        kind=Kind.ATTENDANCE,
        service_date=timezone.localtime(shift.starts_at).date(),
        minutes=minutes,
        raw_minutes=raw,
        recorded_by=actor,
    )
    entry.save(force_insert=True)
    return entry


def _lock(entry: HoursEntry) -> HoursEntry:
    return (
        HoursEntry._base_manager.select_for_update(of=("self",))
        .select_related("activity", "volunteer__person")
        .get(pk=entry.pk)
    )


def is_own(actor: Any, volunteer: Volunteer) -> bool:
    """True when `actor` is this volunteer (their account, or their register entry's)."""
    if actor is None or actor.pk is None:
        return False
    if volunteer.account_id == actor.pk:
        return True
    person = volunteer.person if volunteer.person_id else None
    return person is not None and person.account_id == actor.pk


def is_own_household(actor: Any, volunteer: Volunteer) -> bool:
    """True when `actor` is this volunteer or lives in the volunteer's household (the register):
    nobody confirms or approves the hours of their own household (the hours earn its points)."""
    if is_own(actor, volunteer):
        return True
    if actor is None or actor.pk is None:
        return False
    mine = (
        Person._base_manager.filter(account_id=actor.pk)
        .exclude(household_id=None)
        .values_list("household_id", flat=True)
        .first()
    )
    if mine is None:
        return False
    theirs = Person._base_manager.filter(household_id=mine)
    if volunteer.person_id:
        return theirs.filter(pk=volunteer.person_id).exists()
    return (
        volunteer.account_id is not None and theirs.filter(account_id=volunteer.account_id).exists()
    )


def _refuse_own(jurisdiction: Jurisdiction, actor: Any, entry: HoursEntry, message: str) -> None:
    """Refuse self-dealing, audited as a refusal (kept even though the transaction rolls back)."""
    audit("volunteering.hours.self_dealing_refused", actor=actor, jurisdiction=jurisdiction,
          obj=entry, outcome=AuditEvent.Outcome.DENIED,
          detail={"volunteer": entry.volunteer_id})  # fmt: skip
    raise ValidationError({"status": message})


def may_confirm(jurisdiction: Jurisdiction, actor: Any, entry: HoursEntry) -> bool:
    """The activity's organiser, or anyone with volunteering.manage over the entry."""
    if not jurisdiction.covers(entry.region_code) and not (
        entry.activity_id and jurisdiction.covers(entry.activity.region_code)
    ):
        return False
    if entry.activity_id and entry.activity.organiser_id == getattr(actor, "pk", None):
        return True
    return jurisdiction.has_perm(MANAGE)


def _check_confirm(jurisdiction: Jurisdiction, actor: Any, entry: HoursEntry) -> None:
    if not may_confirm(jurisdiction, actor, entry):
        raise PermissionDenied(_("只有活动组织者或志愿服务管理人员可以确认时长。"))
    if entry.status != Status.RECORDED:
        raise ValidationError({"status": _("只有待确认的时长可以确认。")})
    if is_own_household(actor, entry.volunteer):
        _refuse_own(jurisdiction, actor, entry, _("不能确认自己或家人的服务时长。"))


def _check_approve(jurisdiction: Jurisdiction, actor: Any, entry: HoursEntry) -> None:
    require(jurisdiction, entry.region_code, APPROVE)
    if entry.status != Status.CONFIRMED:
        raise ValidationError({"status": _("只有已确认的时长可以审核。")})
    if is_own_household(actor, entry.volunteer):
        _refuse_own(jurisdiction, actor, entry, _("不能审核自己或家人的服务时长。"))
    if rule("FOUR_EYES"):
        if entry.confirmed_by_id == actor.pk:
            raise ValidationError({"status": _("审核人不能是确认人（四眼原则）。")})
        if entry.kind != Kind.ATTENDANCE and entry.recorded_by_id == actor.pk:
            raise ValidationError({"status": _("审核人不能是录入人（四眼原则）。")})


def _add_approved(entry: HoursEntry) -> None:
    """Add the entry's minutes to the volunteer's approved total (never below zero)."""
    volunteer = Volunteer._base_manager.select_for_update().get(pk=entry.volunteer_id)
    if volunteer.approved_minutes + entry.minutes < 0:
        raise ValidationError({"minutes": _("更正后该志愿者的累计时长将小于零。")})
    Volunteer._base_manager.filter(pk=volunteer.pk).update(
        approved_minutes=F("approved_minutes") + entry.minutes
    )


def _confirm(entry: HoursEntry, actor: Any, now: datetime) -> None:
    entry.status, entry.confirmed_by, entry.confirmed_at = Status.CONFIRMED, actor, now
    entry.save(update_fields=["status", "confirmed_by", "confirmed_at"])


def _approve(entry: HoursEntry, actor: Any, now: datetime) -> None:
    _add_approved(entry)
    entry.status, entry.decided_by, entry.decided_at = Status.APPROVED, actor, now
    entry.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def hours_confirm(*, actor: Any, jurisdiction: Jurisdiction, entry: HoursEntry) -> HoursEntry:
    entry = _lock(entry)
    _check_confirm(jurisdiction, actor, entry)
    _confirm(entry, actor, timezone.now())
    audit("volunteering.hours.confirmed", actor=actor, jurisdiction=jurisdiction, obj=entry,
          detail={"minutes": entry.minutes, "volunteer": entry.volunteer_id})  # fmt: skip
    return entry


@transaction.atomic
def hours_approve(*, actor: Any, jurisdiction: Jurisdiction, entry: HoursEntry) -> HoursEntry:
    entry = _lock(entry)
    _check_approve(jurisdiction, actor, entry)
    _approve(entry, actor, timezone.now())
    audit("volunteering.hours.approved", actor=actor, jurisdiction=jurisdiction, obj=entry,
          detail={"minutes": entry.minutes, "volunteer": entry.volunteer_id})  # fmt: skip
    return entry


@transaction.atomic
def hours_reject(
    *, actor: Any, jurisdiction: Jurisdiction, entry: HoursEntry, note: str
) -> HoursEntry:
    """An approver sends recorded or confirmed hours back with a note (final: a new manual entry
    or correction is the way on)."""
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": _("退回时请写明原因。")})
    if len(note) > 300:
        raise ValidationError({"note": _("审核意见最多300字。")})
    entry = _lock(entry)
    require(jurisdiction, entry.region_code, APPROVE)
    if entry.status not in (Status.RECORDED, Status.CONFIRMED):
        raise ValidationError({"status": _("只有待确认或已确认的时长可以退回。")})
    if is_own(actor, entry.volunteer):
        raise ValidationError({"status": _("不能审核自己的服务时长。")})
    entry.status, entry.decided_by, entry.decided_at = Status.REJECTED, actor, timezone.now()
    entry.decision_note = note
    entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit("volunteering.hours.rejected", actor=actor, jurisdiction=jurisdiction, obj=entry,
          detail={"note": note, "volunteer": entry.volunteer_id})  # fmt: skip
    return entry


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请写明原因。")})
    if len(reason) > 300 or "\x00" in reason:
        raise ValidationError({"reason": _("原因最多300字。")})
    return reason


@transaction.atomic
def hours_record_manual(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    minutes: int,
    service_date: date,
    reason: str,
    activity: Activity | None = None,
    need: Any = None,
) -> HoursEntry:
    """补录: hours a volunteer served without signing in (a clerk, with a reason); `need` links
    the hours of a volunteering need done (services/needs.py need_record_hours)."""
    require(jurisdiction, volunteer.region_code)
    reason = _reason(reason)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_ENTRY_MINUTES:
        raise ValidationError({"minutes": _("时长须在1到1440分钟之间。")})
    if service_date is None or service_date > timezone.localdate():
        raise ValidationError({"service_date": _("服务日期不能晚于今天。")})
    if activity is not None and not jurisdiction.covers(activity.region_code):
        raise ValidationError({"activity": _("该活动不在您的管辖范围内。")})
    entry = HoursEntry(
        region=volunteer.region,
        volunteer=volunteer,
        activity=activity,
        need=need,
        organisation_id=activity.project.organisation_id if activity else None,
        kind=Kind.MANUAL,
        service_date=service_date,
        minutes=minutes,
        reason=reason,
        recorded_by=actor,
    )
    entry.save(force_insert=True)
    audit("volunteering.hours.recorded", actor=actor, jurisdiction=jurisdiction, obj=entry,
          detail={"kind": "manual", "minutes": minutes, "volunteer": volunteer.pk,
                  "reason": reason})  # fmt: skip
    return entry


@transaction.atomic
def hours_correct(
    *, actor: Any, jurisdiction: Jurisdiction, entry: HoursEntry, minutes: int, reason: str
) -> HoursEntry:
    """A correction of an approved entry: signed minutes (+ adds, − takes away) and a reason.
    Neither the corrected entry's nor the volunteer's total may end below zero."""
    reason = _reason(reason)
    original = _lock(entry)
    require(jurisdiction, original.region_code)
    if original.status != Status.APPROVED or original.kind == Kind.CORRECTION:
        raise ValidationError({"corrects": _("只能更正已审核的时长记录。")})
    if not isinstance(minutes, int) or minutes == 0 or abs(minutes) > MAX_ENTRY_MINUTES:
        raise ValidationError({"minutes": _("更正时长须为非零整数，且不超过1440分钟。")})
    volunteer = Volunteer._base_manager.select_for_update().get(pk=original.volunteer_id)
    live = ~Q(status=Status.REJECTED)
    pending = (
        HoursEntry._base_manager.filter(live, kind=Kind.CORRECTION, corrects=original).aggregate(
            s=Sum("minutes")
        )["s"]
        or 0
    )
    if original.minutes + pending + minutes < 0:
        raise ValidationError({"minutes": _("更正后这条记录的时长将小于零。")})
    open_negative = (
        HoursEntry._base_manager.filter(
            volunteer=volunteer, status__in=(Status.RECORDED, Status.CONFIRMED), minutes__lt=0
        ).aggregate(s=Sum("minutes"))["s"]
        or 0
    )
    if volunteer.approved_minutes + open_negative + min(minutes, 0) < 0:
        raise ValidationError({"minutes": _("更正后该志愿者的累计时长将小于零。")})
    correction = HoursEntry(
        region=volunteer.region,
        volunteer=volunteer,
        signup_id=None,
        activity_id=original.activity_id,
        need_id=original.need_id,
        organisation_id=original.organisation_id,
        kind=Kind.CORRECTION,
        service_date=original.service_date,
        minutes=minutes,
        corrects=original,
        reason=reason,
        recorded_by=actor,
    )
    correction.save(force_insert=True)
    audit("volunteering.hours.corrected", actor=actor, jurisdiction=jurisdiction,
          obj=correction, detail={"corrects": original.pk, "minutes": minutes,
                                  "reason": reason})  # fmt: skip
    return correction


@transaction.atomic
def hours_bulk(
    *, actor: Any, jurisdiction: Jurisdiction, entries: Iterable[HoursEntry], action: str
) -> int:
    """Confirm or approve many entries at once: all or none (the first refusal names the entry
    and changes nothing), one audit_many call."""
    if action not in ("confirm", "approve"):
        raise ValidationError({"action": _("未知的操作。")})
    ids = sorted({e.pk for e in entries})
    if not ids:
        raise ValidationError({"entries": _("请至少选择一条记录。")})
    locked = list(
        HoursEntry._base_manager.select_for_update(of=("self",))
        .select_related("activity", "volunteer__person")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise ValidationError({"entries": _("有记录不存在。")})
    now = timezone.now()
    check = _check_confirm if action == "confirm" else _check_approve
    for entry in locked:
        try:
            check(jurisdiction, actor, entry)
        except (ValidationError, PermissionDenied) as exc:
            message = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            raise ValidationError(
                {"entries": _("%(name)s %(date)s：%(why)s")
                 % {"name": entry.volunteer.name, "date": entry.service_date, "why": message}}
            ) from None  # fmt: skip
    for entry in locked:
        (_confirm if action == "confirm" else _approve)(entry, actor, now)
    verb = "confirmed" if action == "confirm" else "approved"
    audit_many(
        Event(f"volunteering.hours.{verb}", obj=e, actor=actor, jurisdiction=jurisdiction,
              detail={"minutes": e.minutes, "volunteer": e.volunteer_id, "bulk": True})
        for e in locked
    )  # fmt: skip
    return len(locked)
