"""Sign-up, withdrawal and sign-in/out of shifts.

A volunteer signs up for a shift of an open activity (themselves with volunteering.participate,
or a clerk for them with volunteering.manage). Capacity and overlaps are checked under row locks
taken in one order — the shift, then the volunteer (commitments.lock_volunteer) — so that N
requests at once for the last place, or one volunteer booking two overlapping shifts at once,
cannot both succeed. Sign-in/out is by the shift's QR code (the volunteer's phone) or by a clerk
on the roster; at sign-out the hours entry is written (services/hours.record_attendance).
Each service is atomic and writes one audit event; a refusal changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cunshe.core.audit import Event, audit, audit_many
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.volunteering.models import Activity, Match, Shift, Signup, Skill, Volunteer
from cunshe.volunteering.rules import rule
from cunshe.volunteering.services import commitments
from cunshe.volunteering.services.activities import MANAGE, require
from cunshe.volunteering.services.hours import record_attendance

PARTICIPATE = "volunteering.participate"
LIVE = commitments.LIVE_SIGNUP


def volunteer_of(user: Any) -> Volunteer | None:
    """The volunteer record of a signed-in user (their account, or their register entry's)."""
    if getattr(user, "pk", None) is None:
        return None
    return (
        Volunteer._base_manager.filter(Q(account_id=user.pk) | Q(person__account_id=user.pk))
        .select_related("region")
        .first()
    )


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _acting_for(
    jurisdiction: Jurisdiction, actor: Any, volunteer: Volunteer | None, code: str
) -> tuple[Volunteer, str]:
    """Who is signed up and how: the volunteer themselves ("self") or a clerk for them."""
    own = volunteer_of(actor)
    if volunteer is None or (own is not None and own.pk == volunteer.pk):
        require(jurisdiction, code, PARTICIPATE)
        if own is None:
            raise ValidationError({"volunteer": _("您还没有登记为志愿者，请先登记。")})
        return own, "self"
    require(jurisdiction, code, MANAGE)
    if not jurisdiction.covers(volunteer.region_code):
        raise PermissionDenied(_("该志愿者不在您的管辖范围内。"))
    return volunteer, "clerk"


def _describe(other: Signup | Match) -> str:
    if isinstance(other, Signup):
        return _("“%(what)s”的班次（%(start)s 至 %(end)s）") % {
            "what": other.shift.activity.title,
            "start": _when(other.starts_at),
            "end": _when(other.ends_at),
        }
    return _("服务需求“%(what)s”（%(start)s 至 %(end)s）") % {
        "what": other.need.title,
        "start": _when(other.starts_at),
        "end": _when(other.ends_at),
    }


def missing_skills(volunteer: Volunteer, shift: Shift) -> list[str]:
    """The shift's required skills this volunteer has not registered (in the shift's order)."""
    have = set(volunteer.skills or [])
    return [s for s in shift.required_skills or [] if s not in have]


def _skill_labels(codes: list[str]) -> str:
    return "、".join(str(Skill(c).label) if c in Skill.values else c for c in codes)


@transaction.atomic
def signup_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    shift: Shift,
    volunteer: Volunteer | None = None,
    skills_override_reason: str = "",
) -> Signup:
    """Sign up for a shift. A volunteer lacking any of the shift's required skills is refused
    (the message names them); a clerk signing them up on the roster may override that with a
    reason (kept in the audit event)."""
    volunteer, how = _acting_for(jurisdiction, actor, volunteer, shift.region_code)
    override = " ".join((skills_override_reason or "").split())
    if len(override) > 300 or "\x00" in override:
        raise ValidationError({"skills_override_reason": _("原因最多300字。")})
    shift = (
        Shift._base_manager.select_for_update(of=("self",))
        .select_related("activity", "region")
        .get(pk=shift.pk)
    )
    now = timezone.now()
    if shift.activity.status != Activity.Status.OPEN:
        raise ValidationError({"shift": _("该活动不在报名中。")})
    if shift.cancelled_at is not None:
        raise ValidationError({"shift": _("该班次已取消。")})
    if shift.starts_at <= now:
        raise ValidationError({"shift": _("该班次已经开始，不能再报名。")})
    volunteer = commitments.lock_volunteer(volunteer)
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise ValidationError({"volunteer": _("该志愿者不在册（已暂停或退出），不能报名。")})
    if volunteer.verified_at is None and volunteer.person_id is None:
        raise ValidationError({"volunteer": _("该志愿者的身份尚未核验，核验后才能报名。")})
    if Signup._base_manager.filter(shift=shift, volunteer=volunteer, status__in=LIVE).exists():
        raise ValidationError({"shift": _("已经报名了这个班次。")})
    missing = missing_skills(volunteer, shift)
    if missing and not (how == "clerk" and override):
        values = {"skills": _skill_labels(missing)}
        if how == "clerk":
            message = (
                _("该志愿者没有登记该班次所需的技能：%(skills)s。如确需安排，请填写原因。") % values
            )
        else:
            message = _("该班次需要以下技能：%(skills)s，您还没有登记，不能报名。") % values
        raise ValidationError({"shift": message})
    taken = Signup._base_manager.filter(shift=shift, status__in=LIVE).count()
    if taken >= shift.capacity:
        raise ValidationError(
            {"shift": _("该班次已满（%(n)s人），请选择其他班次。") % {"n": shift.capacity}}
        )
    other = commitments.clash(volunteer, shift.starts_at, shift.ends_at)
    if other is not None:
        raise ValidationError(
            {"shift": _("时间冲突：已报名%(other)s。") % {"other": _describe(other)}}
        )
    signup = Signup(
        shift=shift,
        volunteer=volunteer,
        region=shift.region,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
    )
    try:
        with transaction.atomic():
            signup.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"shift": _("已经报名了这个班次。")}) from None
    Volunteer._base_manager.filter(pk=volunteer.pk).update(shifts_signed=F("shifts_signed") + 1)
    audit("volunteering.signup.created", actor=actor, jurisdiction=jurisdiction, obj=signup,
          detail={"shift": shift.pk, "volunteer": volunteer.pk, "by": how,
                  **({"skills_missing": missing, "skills_override_reason": override}
                     if missing else {})})  # fmt: skip
    return signup


def _lock_signup(signup: Signup) -> Signup:
    return (
        Signup._base_manager.select_for_update(of=("self",))
        .select_related("shift__activity__project", "volunteer__region", "region")
        .get(pk=signup.pk)
    )


@transaction.atomic
def signup_withdraw(*, actor: Any, jurisdiction: Jurisdiction, signup: Signup) -> Signup:
    """Withdraw before the shift starts (the volunteer, or a clerk for them)."""
    signup = _lock_signup(signup)
    _acting_for(jurisdiction, actor, signup.volunteer, signup.region_code)
    if signup.status != Signup.Status.SIGNED_UP or signup.checked_in_at is not None:
        raise ValidationError({"signup": _("该报名已退出或已签到，不能退出。")})
    if signup.shift.starts_at <= timezone.now():
        raise ValidationError({"signup": _("班次已经开始，不能再退出。")})
    signup.status, signup.withdrawn_at = Signup.Status.WITHDRAWN, timezone.now()
    signup.save(update_fields=["status", "withdrawn_at"])
    Volunteer._base_manager.filter(pk=signup.volunteer_id, shifts_signed__gt=0).update(
        shifts_signed=F("shifts_signed") - 1
    )
    audit("volunteering.signup.withdrawn", actor=actor, jurisdiction=jurisdiction, obj=signup,
          detail={"shift": signup.shift_id, "volunteer": signup.volunteer_id})  # fmt: skip
    return signup


def shift_by_token(token: str) -> Shift | None:
    """The shift whose QR poster carries `token` (any shift; the caller checks the sign-up)."""
    if not token or len(token) > 32:
        return None
    return (
        Shift._base_manager.filter(checkin_token=token).select_related("activity", "region").first()
    )


def _checkin_window(shift: Shift) -> tuple[datetime, datetime]:
    opens = shift.starts_at - timedelta(minutes=int(rule("CHECKIN_OPENS_MINUTES_BEFORE")))
    return opens, shift.ends_at


def _checkout_closes(shift: Shift) -> datetime:
    return shift.ends_at + timedelta(minutes=int(rule("SHIFT_OVERTIME_MINUTES")))


def _own_signup(jurisdiction: Jurisdiction, actor: Any, shift: Shift) -> Signup:
    require(jurisdiction, shift.region_code, PARTICIPATE)
    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise ValidationError({"signup": _("您还没有登记为志愿者。")})
    signup = (
        Signup._base_manager.filter(shift=shift, volunteer=volunteer, status__in=LIVE)
        .order_by("-id")
        .first()
    )
    if signup is None:
        raise ValidationError({"signup": _("您没有报名这个班次，不能签到。")})
    return signup


def _clerk_time(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at > now:
        raise ValidationError({"at": _("时间不能晚于现在。")})
    return at


@transaction.atomic
def signup_check_in(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    shift: Shift | None = None,
    signup: Signup | None = None,
    at: datetime | None = None,
) -> Signup:
    """签到. By QR: pass the shift (from the token); the actor is the volunteer. By a clerk on the
    roster: pass the sign-up (and optionally the time it happened)."""
    now = timezone.now()
    if signup is None:
        if shift is None:
            raise ValidationError({"signup": _("请扫描班次的二维码。")})
        signup, method, when = _own_signup(jurisdiction, actor, shift), Signup.Method.QR, now
    else:
        require(jurisdiction, signup.region_code, MANAGE)
        method, when = Signup.Method.CLERK, _clerk_time(at, now)
    signup = _lock_signup(signup)
    shift = signup.shift
    if shift.cancelled_at is not None or shift.activity.status == Activity.Status.CANCELLED:
        raise ValidationError({"signup": _("该班次已取消。")})
    # A clerk may still record the sign-in of someone the daily sweep marked 未到 (they came
    # but never scanned), within the same CHECKOUT_GRACE_DAYS as a forgotten sign-out.
    late_fix = (
        method == Signup.Method.CLERK
        and signup.status == Signup.Status.NO_SHOW
        and now <= shift.ends_at + timedelta(days=int(rule("CHECKOUT_GRACE_DAYS")))
    )
    if signup.status != Signup.Status.SIGNED_UP and not late_fix:
        raise ValidationError({"signup": _("该报名已退出或已结束，不能签到。")})
    if signup.checked_in_at is not None:
        raise ValidationError(
            {"signup": _("已于%(at)s签到。") % {"at": _when(signup.checked_in_at)}}
        )
    opens, closes = _checkin_window(shift)
    if when < opens:
        raise ValidationError(
            {"signup": _("还没到签到时间：%(at)s起可以签到。") % {"at": _when(opens)}}
        )
    if when > closes:
        raise ValidationError({"signup": _("班次已经结束，不能再签到；请联系组织者。")})
    signup.checked_in_at, signup.checkin_method = when, method
    signup.status = Signup.Status.SIGNED_UP
    signup.save(update_fields=["checked_in_at", "checkin_method", "status"])
    audit("volunteering.signup.checked_in", actor=actor, jurisdiction=jurisdiction, obj=signup,
          detail={"method": method, "at": when.isoformat(), "was_no_show": late_fix})  # fmt: skip
    return signup


@transaction.atomic
def signup_check_out(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    shift: Shift | None = None,
    signup: Signup | None = None,
    at: datetime | None = None,
) -> Signup:
    """签退: the sign-up becomes attended and its hours entry is written (status 待确认).
    By QR until the shift's end plus overtime; a clerk records a forgotten sign-out within
    CHECKOUT_GRACE_DAYS of the shift's end."""
    now = timezone.now()
    if signup is None:
        if shift is None:
            raise ValidationError({"signup": _("请扫描班次的二维码。")})
        signup, method, when = _own_signup(jurisdiction, actor, shift), Signup.Method.QR, now
    else:
        require(jurisdiction, signup.region_code, MANAGE)
        method, when = Signup.Method.CLERK, _clerk_time(at, now)
    signup = _lock_signup(signup)
    shift = signup.shift
    if signup.checked_in_at is None:
        raise ValidationError({"signup": _("还没有签到，不能签退。")})
    if signup.checked_out_at is not None or signup.status != Signup.Status.SIGNED_UP:
        raise ValidationError({"signup": _("已经签退过了。")})
    if when < signup.checked_in_at:
        raise ValidationError({"at": _("签退时间不能早于签到时间。")})
    if method == Signup.Method.QR and when > _checkout_closes(shift):
        raise ValidationError({"signup": _("已超过扫码签退时间，请联系组织者补记签退。")})
    if when > shift.ends_at + timedelta(days=int(rule("CHECKOUT_GRACE_DAYS"))) or (
        now > shift.ends_at + timedelta(days=int(rule("CHECKOUT_GRACE_DAYS")))
    ):
        raise ValidationError({"signup": _("已超过补记签退的期限。")})
    signup.checked_out_at, signup.checkout_method = when, method
    signup.status = Signup.Status.ATTENDED
    signup.save(update_fields=["checked_out_at", "checkout_method", "status"])
    Volunteer._base_manager.filter(pk=signup.volunteer_id).update(
        shifts_attended=F("shifts_attended") + 1
    )
    entry = record_attendance(actor=actor, signup=signup)
    audit("volunteering.signup.checked_out", actor=actor, jurisdiction=jurisdiction, obj=signup,
          detail={"method": method, "at": when.isoformat(), "hours_entry": entry.pk,
                  "minutes": entry.minutes, "raw_minutes": entry.raw_minutes})  # fmt: skip
    return signup


def signups_close_due(*, now: datetime | None = None) -> dict[str, int]:
    """The daily sweep of sign-ups left open after their shift (jobs/activities.py):

    - still 已报名 with no sign-in once the shift has ended → 未到 (no_show). The counts stay:
      the sign-up was made (shifts_signed) and not attended, which is what reliability reads.
    - signed in but never signed out CHECKOUT_GRACE_DAYS after the shift's end (the organiser's
      window for recording the sign-out by hand is over) → 已服务 with no hours: the
      volunteer's shifts_attended goes up by one each; the organiser may still add a 补录 entry.

    Set-based: each kind is one locking SELECT of the ids, one UPDATE of the sign-ups and (for
    the second) one UPDATE of the volunteers' counts; one audit_many for both. Idempotent: a
    second run finds nothing to do."""
    now = now or timezone.now()
    grace = timedelta(days=int(rule("CHECKOUT_GRACE_DAYS")))
    open_rows = Signup._base_manager.filter(
        status=Signup.Status.SIGNED_UP, checked_out_at__isnull=True
    )
    with system_scope("volunteering.signups_close_due"), transaction.atomic():
        absent = list(
            open_rows.filter(checked_in_at__isnull=True, ends_at__lt=now)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "volunteer_id", "shift_id")
        )
        unclosed = list(
            open_rows.filter(checked_in_at__isnull=False, ends_at__lt=now - grace)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "volunteer_id", "shift_id")
        )
        if absent:
            Signup._base_manager.filter(
                pk__in=[pk for pk, _v, _s in absent], status=Signup.Status.SIGNED_UP
            ).update(status=Signup.Status.NO_SHOW)
        if unclosed:
            ids = [pk for pk, _v, _s in unclosed]
            Signup._base_manager.filter(pk__in=ids, status=Signup.Status.SIGNED_UP).update(
                status=Signup.Status.ATTENDED
            )
            per_volunteer = (
                Signup._base_manager.filter(pk__in=ids, volunteer_id=OuterRef("pk"))
                .order_by()
                .values("volunteer_id")
                .annotate(n=Count("pk"))
                .values("n")
            )
            Volunteer._base_manager.filter(pk__in={v for _p, v, _s in unclosed}).update(
                shifts_attended=F("shifts_attended") + Subquery(per_volunteer)
            )
        events = [
            Event(
                "volunteering.signup.no_show",
                object_type="volunteering.signup",
                object_id=pk,
                detail={"shift": shift_id, "volunteer": vid},
            )
            for pk, vid, shift_id in absent
        ] + [
            Event(
                "volunteering.signup.closed_unsigned_out",
                object_type="volunteering.signup",
                object_id=pk,
                detail={
                    "shift": shift_id,
                    "volunteer": vid,
                    "minutes": 0,
                    "grace_days": grace.days,
                },
            )
            for pk, vid, shift_id in unclosed
        ]
        if events:
            audit_many(events)
    return {"no_show": len(absent), "closed_without_sign_out": len(unclosed)}
