"""Writes of the volunteer record (training, honours, evaluations), the national export and the
check of the volunteers' cached counters (`manage.py volunteer_verify`).

The national export (全国志愿服务信息系统) is an .xlsx with two sheets, 志愿者 and 服务记录, in the
column order documented in docs/volunteering/records.md. ID numbers are full only when the
caller may unmask them (residents.unmask) AND asked for it; otherwise masked. Every export is
audited with its row counts and whether IDs were full.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.masking import mask_id_number
from cunshe.core.models import AuditEvent
from cunshe.core.spreadsheets import inert_row
from cunshe.volunteering.models import (
    Activity,
    Evaluation,
    Honour,
    HoursEntry,
    Signup,
    Skill,
    TrainingRecord,
    Volunteer,
)
from cunshe.volunteering.services.volunteers import MANAGE

UNMASK = "residents.unmask"


def _require(jurisdiction: Jurisdiction, volunteer: Volunteer) -> None:
    if not jurisdiction.covers(volunteer.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)


def _text(value: str, limit: int, name: str, errors: dict, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("此项为必填项。")
    elif len(value) > limit:
        errors[name] = _("最多 %(max)s 个字符。") % {"max": limit}
    return value


def _check_date(value: date | None, name: str, errors: dict) -> None:
    if value is None:
        errors[name] = _("请填写日期。")
    elif value > timezone.localdate():
        errors[name] = _("日期不能晚于今天。")


@transaction.atomic
def training_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    title: str,
    held_on: date | None,
    provider: str = "",
    minutes: int = 0,
) -> TrainingRecord:
    """Record a training the volunteer took."""
    _require(jurisdiction, volunteer)
    errors: dict[str, str] = {}
    title = _text(title, 200, "title", errors)
    provider = _text(provider, 100, "provider", errors, required=False)
    _check_date(held_on, "held_on", errors)
    if minutes is None or not 0 <= int(minutes) <= 60 * 24 * 30:
        errors["minutes"] = _("培训时长不正确。")
    if errors:
        raise ValidationError(errors)
    t = TrainingRecord._base_manager.create(
        region_id=volunteer.region_id,
        volunteer=volunteer,
        title=title,
        provider=provider,
        held_on=held_on,
        minutes=int(minutes),
        recorded_by=actor,
    )
    audit(
        "volunteering.training.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=t,
        detail={"volunteer": volunteer.pk, "minutes": t.minutes},
    )
    return t


@transaction.atomic
def honour_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    title: str,
    level: str,
    awarded_on: date | None,
    awarded_by: str,
) -> Honour:
    """Record an honour or award the volunteer received."""
    _require(jurisdiction, volunteer)
    errors: dict[str, str] = {}
    title = _text(title, 200, "title", errors)
    awarded_by = _text(awarded_by, 100, "awarded_by", errors)
    if level not in Honour.Level.values:
        errors["level"] = _("请选择级别。")
    _check_date(awarded_on, "awarded_on", errors)
    if errors:
        raise ValidationError(errors)
    h = Honour._base_manager.create(
        region_id=volunteer.region_id,
        volunteer=volunteer,
        title=title,
        level=level,
        awarded_on=awarded_on,
        awarded_by=awarded_by,
        recorded_by=actor,
    )
    audit(
        "volunteering.honour.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=h,
        detail={"volunteer": volunteer.pk, "level": level},
    )
    return h


@transaction.atomic
def evaluation_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    period: str,
    rating: str,
    comment: str = "",
    activity: Activity | None = None,
) -> Evaluation:
    """Record an evaluation of the volunteer's service (for a period or one activity)."""
    _require(jurisdiction, volunteer)
    errors: dict[str, str] = {}
    period = _text(period, 40, "period", errors)
    comment = _text(comment, 300, "comment", errors, required=False)
    if rating not in Evaluation.Rating.values:
        errors["rating"] = _("请选择评价结果。")
    if activity is not None and not jurisdiction.covers(activity.region_code):
        errors["activity"] = _("请选择管辖范围内的活动。")
    if errors:
        raise ValidationError(errors)
    e = Evaluation._base_manager.create(
        region_id=volunteer.region_id,
        volunteer=volunteer,
        activity=activity,
        period=period,
        rating=rating,
        comment=comment,
        evaluated_by=actor,
    )
    audit(
        "volunteering.evaluation.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=e,
        detail={"volunteer": volunteer.pk, "rating": rating},
    )
    return e


# --- national export ---------------------------------------------------------------------------

ID_TYPE = "居民身份证"
VOLUNTEER_COLUMNS = (
    "志愿者编号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "所在地区划代码",
    "所在地",
    "服务技能",
    "所属组织",
    "注册日期",
    "身份核验",
    "累计服务时长(小时)",
    "星级",
    "状态",
)
RECORD_COLUMNS = (
    "记录编号",
    "志愿者编号",
    "姓名",
    "证件类型",
    "证件号码",
    "活动名称",
    "服务项目",
    "服务日期",
    "服务时长(小时)",
    "服务组织",
    "记录类型",
    "审核日期",
)
SEX = {"M": "男", "F": "女"}


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


@dataclass
class ExportResult:
    content: bytes
    volunteers: int
    records: int
    full_ids: bool
    filename: str = field(default="")


def national_export(
    *, actor: Any, jurisdiction: Jurisdiction, full_ids: bool = False
) -> ExportResult:
    """The .xlsx for transfer to 全国志愿服务信息系统 (docs/volunteering/records.md)."""
    from openpyxl import Workbook

    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)
    full = bool(full_ids) and jurisdiction.has_perm(UNMASK)
    if full_ids and not full:
        audit("volunteering.volunteers.export_unmask_denied", actor=actor,
              jurisdiction=jurisdiction, outcome=AuditEvent.Outcome.DENIED,
              detail={"permission": UNMASK})  # fmt: skip
        raise PermissionDenied(_("您没有查看完整证件号码的权限。"))
    skill_label = dict(Skill.choices)
    vols = list(
        Volunteer.objects.within(jurisdiction)
        .select_related("region")
        .prefetch_related("organisations")
        .order_by("region_code", "number")
    )
    ids = {v.pk: (v.id_number if full else mask_id_number(v.id_number)) for v in vols}
    wb = Workbook()
    ws = wb.active
    ws.title = "志愿者"
    ws.append(list(VOLUNTEER_COLUMNS))
    for v in vols:
        ws.append(
            inert_row(
                [
                    v.number,
                    v.name,
                    ID_TYPE,
                    ids[v.pk],
                    SEX.get(v.sex, ""),
                    v.birth_date.isoformat() if v.birth_date else "",
                    v.region_code,
                    v.region.name,
                    "、".join(str(skill_label.get(s, s)) for s in v.skills),
                    "、".join(o.name for o in v.organisations.all()),
                    timezone.localtime(v.registered_at).date().isoformat(),
                    "是" if (v.person_id or v.verified_at) else "否",
                    _hours(v.approved_minutes),
                    v.star,
                    v.get_status_display(),
                ]
            )
        )
    rs = wb.create_sheet("服务记录")
    rs.append(list(RECORD_COLUMNS))
    by_pk = {v.pk: v for v in vols}
    entries = (
        HoursEntry.objects.within(jurisdiction)
        .filter(status=HoursEntry.Status.APPROVED, volunteer_id__in=list(by_pk))
        .select_related("activity__project", "organisation", "need")
        .order_by("volunteer_id", "service_date", "id")
    )
    n_records = 0
    for e in entries:
        v = by_pk[e.volunteer_id]
        act = e.activity
        rs.append(
            inert_row(
                [
                    e.pk,
                    v.number,
                    v.name,
                    ID_TYPE,
                    ids[v.pk],
                    act.title if act else (str(e.need) if e.need_id else ""),
                    act.project.name if act else "",
                    e.service_date.isoformat(),
                    _hours(e.minutes),
                    e.organisation.name if e.organisation else "",
                    e.get_kind_display(),
                    timezone.localtime(e.decided_at).date().isoformat() if e.decided_at else "",
                ]
            )
        )
        n_records += 1
    buf = io.BytesIO()
    wb.save(buf)
    audit(
        "volunteering.volunteers.exported",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={"volunteers": len(vols), "records": n_records, "full_ids": full},
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return ExportResult(
        buf.getvalue(), len(vols), n_records, full, filename=f"volunteers-national-{stamp}.xlsx"
    )


# --- the cached counters -----------------------------------------------------------------------


@dataclass(frozen=True)
class CounterDiff:
    volunteer_id: int
    number: str
    field: str
    cached: int
    actual: int


def counter_diffs() -> list[CounterDiff]:
    """Volunteers whose approved_minutes, shifts_attended or shifts_signed differ from what
    the hours entries and sign-ups say (run under a system scope)."""
    rows = (
        Volunteer._base_manager.annotate(
            real_minutes=Sum("hours__minutes", filter=Q(hours__status=HoursEntry.Status.APPROVED)),
        )
        .values("pk", "number", "approved_minutes", "real_minutes")
        .order_by("pk")
    )
    signups = {
        r["volunteer_id"]: r
        for r in Signup._base_manager.values("volunteer_id").annotate(
            attended=Count("pk", filter=Q(status=Signup.Status.ATTENDED)),
            signed=Count("pk", filter=~Q(status=Signup.Status.WITHDRAWN)),
        )
    }
    cached = {
        r["pk"]: r for r in Volunteer._base_manager.values("pk", "shifts_attended", "shifts_signed")
    }
    out: list[CounterDiff] = []
    for r in rows:
        real = int(r["real_minutes"] or 0)
        if real != r["approved_minutes"]:
            out.append(
                CounterDiff(r["pk"], r["number"], "approved_minutes", r["approved_minutes"], real)
            )
        s = signups.get(r["pk"], {"attended": 0, "signed": 0})
        c = cached[r["pk"]]
        if s["attended"] != c["shifts_attended"]:
            out.append(
                CounterDiff(
                    r["pk"], r["number"], "shifts_attended", c["shifts_attended"], s["attended"]
                )
            )
        if s["signed"] != c["shifts_signed"]:
            out.append(
                CounterDiff(r["pk"], r["number"], "shifts_signed", c["shifts_signed"], s["signed"])
            )
    return out


def counters_verify(*, fix: bool = False) -> list[CounterDiff]:
    """Compare (and with `fix`, rewrite) the cached counters; one audit event when fixing."""
    with system_scope("volunteer_verify: check cached volunteer counters") as j:
        diffs = counter_diffs()
        if fix and diffs:
            with transaction.atomic():
                for d in diffs:
                    Volunteer._base_manager.filter(pk=d.volunteer_id).update(
                        **{d.field: max(d.actual, 0)}
                    )
                audit(
                    "volunteering.volunteer.counters_fixed",
                    jurisdiction=j,
                    detail={
                        "changes": len(diffs),
                        "volunteers": sorted({d.volunteer_id for d in diffs}),
                    },
                )
    return diffs
