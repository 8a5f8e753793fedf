"""Writes of projects, activities and shifts (volunteering.manage).

An activity is drafted, published (draft → open: volunteers may sign up), closed (no more
sign-ups; attendance and hours go on) or cancelled with a reason (its shifts are cancelled and
their live sign-ups withdrawn). Shifts are added to a draft or open activity. Each service is
atomic and writes one audit event; activity edits are version-checked (two clerks at once).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.models import (
    Activity,
    Organisation,
    Project,
    ServiceCategory,
    Shift,
    Signup,
    Skill,
    Station,
    Volunteer,
)
from cunshe.volunteering.services import notices

MANAGE = "volunteering.manage"
MAX_TEXT = 4000


def require(jurisdiction: Jurisdiction, code: str, perm: str = MANAGE) -> None:
    """Scope first (outside: refused as not yours), then the permission."""
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def _text(value: str, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = " ".join((value or "").split()) if max_length <= 300 else (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("不能包含空字符。")})
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("%(label)s最多%(n)s字。") % {"label": label, "n": max_length}}
        )
    return value


def _lock_activity(activity: Activity) -> Activity:
    return (
        Activity._base_manager.select_for_update(of=("self",))
        .select_related("project", "region")
        .get(pk=activity.pk)
    )


def _check_version(activity: Activity, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != activity.version:
        raise ConcurrentEdit()


def _bump(activity: Activity, *fields: str) -> None:
    activity.version += 1
    activity.save(update_fields=[*fields, "version"])


@transaction.atomic
def project_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    name: str,
    category: str,
    starts_on: date,
    ends_on: date | None = None,
    organisation: Organisation | None = None,
    station: Station | None = None,
    description: str = "",
) -> Project:
    require(jurisdiction, region.code)
    name = _text(name, "name", _("项目名称"), 100)
    description = _text(description, "description", _("项目简介"), MAX_TEXT, required=False)
    if category not in ServiceCategory.values:
        raise ValidationError({"category": _("请选择服务类别。")})
    if starts_on is None:
        raise ValidationError({"starts_on": _("请填写开始日期。")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    # The organisation is inside the jurisdiction, or based where it covers the project's
    # region (the township's 团委 running a village's project): ancestor-or-self.
    if organisation is not None and not (
        jurisdiction.covers(organisation.region_code)
        or region.code.startswith(organisation.region_code)
    ):
        raise ValidationError({"organisation": _("该组织不在您的管辖范围内。")})
    if station is not None and not jurisdiction.covers(station.region_code):
        raise ValidationError({"station": _("该服务站不在您的管辖范围内。")})
    project = Project(
        region=region,
        name=name,
        description=description,
        category=category,
        starts_on=starts_on,
        ends_on=ends_on,
        organisation=organisation,
        station=station,
        created_by=actor,
    )
    project.save(force_insert=True)
    audit("volunteering.project.created", actor=actor, jurisdiction=jurisdiction, obj=project,
          detail={"category": category})  # fmt: skip
    return project


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    project: Project,
    title: str,
    place: str,
    description: str = "",
    public: bool = True,
    region: Region | None = None,
    organiser: Any = None,
) -> Activity:
    """A draft activity of `project`; the organiser is the creating user unless named."""
    region = region or project.region
    require(jurisdiction, region.code)
    if not region.code.startswith(project.region_code):
        raise ValidationError({"region": _("活动地点须在项目所属地区内。")})
    if project.status != Project.Status.ACTIVE:
        raise ValidationError({"project": _("项目已结束，不能再添加活动。")})
    activity = Activity(
        project=project,
        region=region,
        title=_text(title, "title", _("活动名称"), 100),
        place=_text(place, "place", _("地点"), 200),
        description=_text(description, "description", _("活动内容"), MAX_TEXT, required=False),
        public=bool(public),
        organiser=organiser or actor,
    )
    activity.save(force_insert=True)
    audit("volunteering.activity.created", actor=actor, jurisdiction=jurisdiction, obj=activity,
          detail={"project": project.pk, "organiser": activity.organiser_id})  # fmt: skip
    return activity


@transaction.atomic
def activity_publish(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    activity: Activity,
    expected_version: int | None = None,
) -> Activity:
    """Draft → open: volunteers may sign up. It needs at least one shift still ahead."""
    require(jurisdiction, activity.region_code)
    activity = _lock_activity(activity)
    _check_version(activity, expected_version)
    if activity.status != Activity.Status.DRAFT:
        raise ValidationError({"status": _("只有未发布的活动可以发布。")})
    if not Shift._base_manager.filter(
        activity=activity, cancelled_at__isnull=True, starts_at__gt=timezone.now()
    ).exists():
        raise ValidationError({"status": _("请先添加至少一个尚未开始的班次，再发布活动。")})
    activity.status = Activity.Status.OPEN
    _bump(activity, "status")
    audit("volunteering.activity.published", actor=actor, jurisdiction=jurisdiction,
          obj=activity)  # fmt: skip
    return activity


@transaction.atomic
def activity_close(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    activity: Activity,
    expected_version: int | None = None,
) -> Activity:
    """Open → closed: no more sign-ups; sign-in/out and hours of its shifts go on."""
    require(jurisdiction, activity.region_code)
    activity = _lock_activity(activity)
    _check_version(activity, expected_version)
    if activity.status != Activity.Status.OPEN:
        raise ValidationError({"status": _("只有报名中的活动可以结束报名。")})
    activity.status = Activity.Status.CLOSED
    _bump(activity, "status")
    audit("volunteering.activity.closed", actor=actor, jurisdiction=jurisdiction, obj=activity)
    return activity


@transaction.atomic
def activity_cancel(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    activity: Activity,
    reason: str,
    expected_version: int | None = None,
) -> Activity:
    """Cancel with a reason: its shifts are cancelled and their live sign-ups withdrawn. Refused
    once anyone has signed in (their hours are real)."""
    require(jurisdiction, activity.region_code)
    reason = _text(reason, "reason", _("取消原因"), 300)
    activity = _lock_activity(activity)
    _check_version(activity, expected_version)
    if activity.status in (Activity.Status.CANCELLED, Activity.Status.CLOSED):
        raise ValidationError({"status": _("已结束或已取消的活动不能取消。")})
    live = Signup._base_manager.filter(shift__activity=activity, status=Signup.Status.SIGNED_UP)
    if Signup._base_manager.filter(shift__activity=activity, checked_in_at__isnull=False).exists():
        raise ValidationError({"status": _("已有志愿者签到，不能取消活动；请结束报名。")})
    now = timezone.now()
    withdrawn = _withdraw_all(live, now)
    Shift._base_manager.filter(activity=activity, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    activity.status, activity.cancelled_at, activity.cancel_reason = (
        Activity.Status.CANCELLED,
        now,
        reason,
    )
    _bump(activity, "status", "cancelled_at", "cancel_reason")
    told = notices.tell_shift_cancelled(withdrawn, title=activity.title, reason=reason)
    audit("volunteering.activity.cancelled", actor=actor, jurisdiction=jurisdiction,
          obj=activity, detail={"reason": reason, "signups_withdrawn": len(withdrawn),
                                "notified": told})  # fmt: skip
    return activity


def _withdraw_all(signups: Any, now: datetime) -> list[tuple[int, datetime]]:
    """Withdraw these live sign-ups and keep the volunteers' sign-up counts in step; returns
    (volunteer id, shift start) of each, for telling them."""
    rows = list(
        signups.select_for_update(of=("self",)).values_list("pk", "volunteer_id", "starts_at")
    )
    if not rows:
        return []
    Signup._base_manager.filter(pk__in=[pk for pk, _v, _s in rows]).update(
        status=Signup.Status.WITHDRAWN, withdrawn_at=now
    )
    per_volunteer: dict[int, int] = {}
    for _pk, vid, _s in rows:
        per_volunteer[vid] = per_volunteer.get(vid, 0) + 1
    for vid, n in per_volunteer.items():
        Volunteer._base_manager.filter(pk=vid, shifts_signed__gte=n).update(
            shifts_signed=F("shifts_signed") - n
        )
    return [(vid, starts_at) for _pk, vid, starts_at in rows]


def _clean_skills(skills: list[str] | None) -> list[str]:
    items = list(dict.fromkeys(skills or []))
    unknown = [s for s in items if s not in Skill.values]
    if unknown:
        raise ValidationError(
            {"required_skills": _("未知的技能：%(s)s") % {"s": ", ".join(unknown)}}
        )
    return items


@transaction.atomic
def shift_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    activity: Activity,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    place: str = "",
    required_skills: list[str] | None = None,
) -> Shift:
    require(jurisdiction, activity.region_code)
    activity = _lock_activity(activity)
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.OPEN):
        raise ValidationError({"activity": _("已结束或已取消的活动不能添加班次。")})
    if starts_at is None or ends_at is None:
        raise ValidationError({"ends_at": _("请填写开始和结束时间。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间。")})
    if (ends_at - starts_at).total_seconds() > 24 * 3600:
        raise ValidationError({"ends_at": _("一个班次不能超过24小时。")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("班次的结束时间已过。")})
    if not isinstance(capacity, int) or capacity < 1 or capacity > 10000:
        raise ValidationError({"capacity": _("招募人数须在1到10000之间。")})
    shift = Shift(
        activity=activity,
        region=activity.region,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        place=_text(place, "place", _("地点"), 200, required=False),
        required_skills=_clean_skills(required_skills),
    )
    shift.save(force_insert=True)
    audit("volunteering.shift.created", actor=actor, jurisdiction=jurisdiction, obj=shift,
          detail={"activity": activity.pk, "capacity": capacity,
                  "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})  # fmt: skip
    return shift


@transaction.atomic
def shift_cancel(*, actor: Any, jurisdiction: Jurisdiction, shift: Shift) -> Shift:
    """Cancel one shift before anyone signed in; its live sign-ups are withdrawn."""
    require(jurisdiction, shift.region_code)
    shift = Shift._base_manager.select_for_update().select_related("activity").get(pk=shift.pk)
    if shift.cancelled_at is not None:
        raise ValidationError({"shift": _("该班次已取消。")})
    live = Signup._base_manager.filter(shift=shift, status=Signup.Status.SIGNED_UP)
    if Signup._base_manager.filter(shift=shift, checked_in_at__isnull=False).exists():
        raise ValidationError({"shift": _("已有志愿者签到，不能取消该班次。")})
    now = timezone.now()
    withdrawn = _withdraw_all(live, now)
    shift.cancelled_at = now
    shift.save(update_fields=["cancelled_at"])
    told = notices.tell_shift_cancelled(withdrawn, title=shift.activity.title)
    audit("volunteering.shift.cancelled", actor=actor, jurisdiction=jurisdiction, obj=shift,
          detail={"signups_withdrawn": len(withdrawn), "notified": told})  # fmt: skip
    return shift
