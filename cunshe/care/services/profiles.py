"""Keeping a profile: guardian and agreement, school, needs assessment and notes, contacts,
carers, risk level. Each write needs care.edit, locks the profile, compares its `version`
(ConcurrentEdit when someone saved in between), bumps it, writes one ProfileEvent and one audit
event. Identification (candidates, confirm, dismiss) lives in its own module."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.care import risk
from cunshe.care.access import get_profile_for
from cunshe.care.models import (
    RISK_ORDER,
    CareKind,
    CareProfile,
    CarerAssignment,
    Contact,
    RiskLevel,
)
from cunshe.care.models import ProfileEvent as Ev
from cunshe.care.services.visits import next_due
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit

EDIT = "care.edit"
MAX_CONTACTS = 10
# Staff who may be assigned as carers with their account: those working at the profile's
# village or its township.
CARER_ROLES = (Role.VILLAGE_CLERK, Role.VILLAGE_LEADER, Role.TOWNSHIP_OFFICER)

__all__ = ["ConcurrentEdit"]
T = TypeVar("T")


def clean_phone(raw: str, field: str = "phone", *, required: bool = False) -> str:
    """Digits only, 7–12 long (a mobile has 11; landlines 7–12); ValidationError otherwise."""
    value = "".join((raw or "").split()).replace("-", "")
    if not value:
        if required:
            raise ValidationError({field: _("请填写电话号码。")})
        return ""
    if not (value.isdigit() and 7 <= len(value) <= 12):
        raise ValidationError({field: _("电话应为11位手机号，或7至12位数字的固定电话。")})
    return value


def _lock(j: Jurisdiction, profile: CareProfile, expected_version: int | None) -> CareProfile:
    """The profile re-read under a row lock: 404 outside, 403 without care.edit (or children's
    rights), ConcurrentEdit when it changed since the caller read it."""
    fresh = get_profile_for(j, profile.pk, need=EDIT, for_update=True)
    if expected_version is not None and fresh.version != expected_version:
        raise ConcurrentEdit
    return fresh


def _edits_profile(func: Callable[..., T]) -> Callable[..., T]:
    """Check access before the transaction (a refusal's audit event must not be rolled back
    with it), then run the service atomically."""

    @functools.wraps(func)
    def wrapper(*, jurisdiction: Jurisdiction, profile: CareProfile, **kwargs: Any) -> T:
        get_profile_for(jurisdiction, profile.pk, need=EDIT)
        with transaction.atomic():
            return func(jurisdiction=jurisdiction, profile=profile, **kwargs)

    return wrapper


def _save(
    profile: CareProfile,
    *,
    actor: Any,
    j: Jurisdiction,
    fields: list[str],
    event: str,
    action: str,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> CareProfile:
    profile.version = F("version") + 1  # type: ignore[assignment]
    profile.save(update_fields=[*fields, "version", "updated_at"])
    profile.refresh_from_db()
    detail = detail or {}
    Ev.objects.create(profile=profile, kind=event, actor=actor, note=note[:300], detail=detail)
    audit(action, actor=actor, jurisdiction=j, obj=profile, detail={**detail, "kind": profile.kind})
    return profile


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("不能包含空字符。")})
    if len(value) > limit:
        raise ValidationError({field: _("最多 %(max)s 个字符。") % {"max": limit}})
    return value


# --- children: guardian, agreement, school ---------------------------------------------------


def _check_agreement(upload: UploadedFile) -> str:
    from cunshe.servicedesk.services.applications import check_upload

    content_type, _sha = check_upload(upload, field="agreement_file")
    return content_type


@_edits_profile
def profile_set_guardian(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    guardian_person: Person | None = None,
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_phone: str = "",
    agreement_signed_on: date | None = None,
    agreement_file: UploadedFile | None = None,
) -> CareProfile:
    """Record a child's entrusted guardian (委托监护人: a register person or a name) and the
    guardianship-responsibility agreement (date, signed file checked by content)."""
    p = _lock(jurisdiction, profile, expected_version)
    if p.kind != CareKind.CHILD:
        raise ValidationError(_("只有留守儿童档案登记委托监护人。"))
    name = _text(guardian_name, "guardian_name", 60)
    if guardian_person is not None:
        if not jurisdiction.covers(guardian_person.region_code):
            raise ValidationError({"guardian_person": _("该人员不在您的管辖范围内。")})
        if guardian_person.pk == p.person_id:
            raise ValidationError({"guardian_person": _("监护人不能是儿童本人。")})
        name = name or guardian_person.name
    if not name:
        raise ValidationError({"guardian_name": _("请填写委托监护人姓名，或从户籍登记中选择。")})
    relation = _text(guardian_relation, "guardian_relation", 30)
    if not relation:
        raise ValidationError({"guardian_relation": _("请填写监护人与儿童的关系。")})
    phone = clean_phone(guardian_phone, "guardian_phone", required=True)
    today = timezone.localdate()
    if agreement_signed_on is not None and agreement_signed_on > today:
        raise ValidationError({"agreement_signed_on": _("签订日期不能晚于今天。")})
    if agreement_file is not None and agreement_signed_on is None:
        raise ValidationError({"agreement_signed_on": _("上传协议时请填写签订日期。")})
    fields = [
        "guardian_person",
        "guardian_name",
        "guardian_relation",
        "guardian_phone",
        "agreement_signed_on",
    ]
    p.guardian_person = guardian_person
    p.guardian_name, p.guardian_relation, p.guardian_phone = name, relation, phone
    p.agreement_signed_on = agreement_signed_on
    if agreement_file is not None:
        content_type = _check_agreement(agreement_file)
        p.agreement_file.save("agreement", agreement_file, save=False)
        p.agreement_content_type = content_type
        fields += ["agreement_file", "agreement_content_type"]
    return _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=fields,
        event=Ev.Kind.UPDATED,
        action="care.profile.guardian_set",
        note=_("委托监护人：%(name)s（%(relation)s）") % {"name": name, "relation": relation},
        detail={
            "section": "guardian",
            "from_register": guardian_person is not None,
            "agreement_file": agreement_file is not None,
        },
    )


@_edits_profile
def profile_set_school(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    school: str,
    school_class: str = "",
) -> CareProfile:
    """A child's school and class."""
    p = _lock(jurisdiction, profile, expected_version)
    if p.kind != CareKind.CHILD:
        raise ValidationError(_("只有留守儿童档案登记就读学校。"))
    p.school = _text(school, "school", 100)
    p.school_class = _text(school_class, "school_class", 40)
    return _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=["school", "school_class"],
        event=Ev.Kind.UPDATED,
        action="care.profile.school_set",
        note=_("就读学校已更新"),
        detail={"section": "school"},
    )


@_edits_profile
def profile_set_assessment(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    needs_assessment: str,
    notes: str,
) -> CareProfile:
    """The needs assessment and the notes (both encrypted; never in the audit trail)."""
    p = _lock(jurisdiction, profile, expected_version)
    p.needs_assessment = _text(needs_assessment, "needs_assessment", 4000)
    p.notes = _text(notes, "notes", 4000)
    return _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=["needs_assessment", "notes"],
        event=Ev.Kind.UPDATED,
        action="care.profile.assessment_set",
        note=_("需求评估与备注已更新"),
        detail={"section": "assessment"},
    )


# --- contacts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactIn:
    name: str
    relation: str
    phone: str
    is_family: bool = True


@_edits_profile
def profile_set_contacts(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    contacts: Iterable[ContactIn],
) -> CareProfile:
    """Replace the contacts: family first, each group in the order given (the alert ladder's
    first rung texts the family contacts in this order)."""
    p = _lock(jurisdiction, profile, expected_version)
    rows = list(contacts)
    if len(rows) > MAX_CONTACTS:
        raise ValidationError({"contacts": _("最多登记 %(n)s 位联系人。") % {"n": MAX_CONTACTS}})
    clean: list[ContactIn] = []
    seen: set[str] = set()
    for i, c in enumerate(rows, start=1):
        name = _text(c.name, "contacts", 60)
        relation = _text(c.relation, "contacts", 30)
        if not name or not relation:
            raise ValidationError(
                {"contacts": _("第 %(n)s 位联系人：请填写姓名和关系。") % {"n": i}}
            )
        try:
            phone = clean_phone(c.phone, "contacts", required=True)
        except ValidationError:
            raise ValidationError(
                {"contacts": _("第 %(n)s 位联系人：电话号码不正确。") % {"n": i}}
            ) from None
        if phone in seen:
            raise ValidationError({"contacts": _("第 %(n)s 位联系人：电话重复。") % {"n": i}})
        seen.add(phone)
        clean.append(ContactIn(name, relation, phone, bool(c.is_family)))
    ordered = [c for c in clean if c.is_family] + [c for c in clean if not c.is_family]
    p.contacts.all().delete()
    Contact.objects.bulk_create(
        Contact(
            profile=p,
            name=c.name,
            relation=c.relation,
            phone=c.phone,
            is_family=c.is_family,
            order=i,
        )
        for i, c in enumerate(ordered)
    )
    family = sum(1 for c in ordered if c.is_family)
    return _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=[],
        event=Ev.Kind.UPDATED,
        action="care.profile.contacts_set",
        note=_("联系人已更新（%(n)s 位）") % {"n": len(ordered)},
        detail={"section": "contacts", "count": len(ordered), "family": family},
    )


# --- carers ---------------------------------------------------------------------------------


def carer_candidates(profile: CareProfile) -> list[User]:
    """Staff who may be assigned with their account: a live clerk, leader or township officer
    at the profile's village or township. One query."""
    village = profile.region_code[:12]
    assignments = RoleAssignment.objects.active().filter(
        region_code__in=[village, village[:9]], role__in=[str(r) for r in CARER_ROLES]
    )
    return list(
        User.objects.filter(is_active=True, pk__in=assignments.values("user_id")).order_by(
            "display_name", "username"
        )
    )


@_edits_profile
def carer_assign(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    carer_type: str,
    user: User | None = None,
    name: str = "",
    phone: str = "",
) -> CarerAssignment:
    """Assign a carer: a member of staff (with their account) or a named person with a phone."""
    p = _lock(jurisdiction, profile, expected_version)
    if carer_type not in CarerAssignment.CarerType.values:
        raise ValidationError({"carer_type": _("请选择关爱人员类型。")})
    if user is not None:
        if user.pk not in {u.pk for u in carer_candidates(p)}:
            raise ValidationError({"user": _("只能指派本村或本乡镇的工作人员。")})
        if p.carers.filter(user=user, active=True).exists():
            raise ValidationError({"user": _("该人员已是此对象的关爱人员。")})
        name = name.strip() or user.display_name or user.username
    name = _text(name, "name", 60)
    if not name:
        raise ValidationError({"name": _("请选择工作人员，或填写关爱人员姓名和电话。")})
    phone = clean_phone(phone, "phone", required=user is None)
    carer = CarerAssignment.objects.create(
        profile=p, carer_type=carer_type, user=user, name=name, phone=phone
    )
    _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=[],
        event=Ev.Kind.CARER,
        action="care.carer.assigned",
        note=_("指派关爱人员：%(name)s（%(type)s）")
        % {"name": name, "type": carer.get_carer_type_display()},
        detail={"carer": carer.pk, "carer_type": carer_type, "user": getattr(user, "pk", None)},
    )
    return carer


@_edits_profile
def carer_end(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    carer: CarerAssignment,
) -> CareProfile:
    """End a carer's assignment (kept in the history, no longer in their lists)."""
    p = _lock(jurisdiction, profile, expected_version)
    if carer.profile_id != p.pk:
        raise PermissionDenied(_("该关爱人员不属于此档案。"))
    if not carer.active:
        raise ValidationError(_("该关爱人员已经解除。"))
    CarerAssignment.objects.filter(pk=carer.pk).update(active=False, ended_at=timezone.now())
    return _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=[],
        event=Ev.Kind.CARER,
        action="care.carer.ended",
        note=_("解除关爱人员：%(name)s") % {"name": carer.name},
        detail={"carer": carer.pk, "ended": True},
    )


# --- risk -----------------------------------------------------------------------------------


@_edits_profile
def profile_set_risk(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    expected_version: int | None,
    criteria: list[str],
    note: str = "",
    now: datetime | None = None,
) -> CareProfile:
    """Set the risk criteria; the level is the highest criterion's. Raising the level to high
    is a major change: the person is to be visited within 24 h. The visit plan is refreshed."""
    p = _lock(jurisdiction, profile, expected_version)
    codes = list(dict.fromkeys(criteria or []))
    bad = risk.unknown_codes(p.kind, codes)
    if bad:
        raise ValidationError(
            {"criteria": _("未知的风险因素：%(codes)s") % {"codes": "、".join(bad)}}
        )
    order = [c.code for c in risk.criteria_for(p.kind)]
    codes.sort(key=order.index)
    note = _text(note, "note", 300)
    before = p.risk_level
    level = risk.level_for(p.kind, codes)
    now = now or timezone.now()
    p.risk_criteria = codes
    p.risk_level = level
    fields = ["risk_criteria", "risk_level", "next_visit_due"]
    if level == RiskLevel.HIGH and RISK_ORDER[RiskLevel(before)] < RISK_ORDER[RiskLevel.HIGH]:
        p.major_change_at = now
        fields.append("major_change_at")
    p.next_visit_due = next_due(p, now)
    return _save(
        p,
        actor=actor,
        j=jurisdiction,
        fields=fields,
        event=Ev.Kind.RISK_CHANGED,
        action="care.profile.risk_set",
        note=note or _("风险等级：%(level)s") % {"level": RiskLevel(level).label},
        detail={"from": before, "to": level, "criteria": codes},
    )


# --- export ---------------------------------------------------------------------------------

EXPORT_MAX_ROWS = 100_000


def export_profiles(*, actor: Any, jurisdiction: Jurisdiction, filters: Any) -> tuple[bytes, int]:
    """The filtered list as .xlsx bytes and its row count. ID numbers and phones are always
    masked, whatever the exporter's role; one audit event with the row count and how many
    rows are children's."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from cunshe.care.selectors.profiles import profile_search
    from cunshe.core.masking import mask_id_number, mask_phone
    from cunshe.core.spreadsheets import inert  # the platform's one formula guard

    qs = profile_search(jurisdiction, filters)
    total = qs.count()
    if total > EXPORT_MAX_ROWS:
        raise ValidationError(
            _("一次最多导出 %(max)d 人（现在是 %(n)d 人），请缩小筛选范围。")
            % {"max": EXPORT_MAX_ROWS, "n": total}
        )
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("关爱对象名单"))
    sheet.freeze_panes = "A2"
    sheet.append(
        [
            _("村/组代码"), _("村/组"), _("姓名"), _("身份证号"), _("性别"), _("出生日期"),
            _("手机号"), _("类别"), _("状态"), _("风险等级"), _("风险因素"), _("上次探访"),
            _("下次探访"), _("关爱人员"), _("委托监护人"), _("监护人电话"),
        ]
    )  # fmt: skip
    count = children = 0
    for p in qs.iterator(chunk_size=2000):
        person = p.person
        criteria = "、".join(c["label"] for c in risk.labelled(p.kind, p.risk_criteria))
        carers = "、".join(c.name for c in getattr(p, "active_carers", []))
        row = [
            p.region_code, p.region.name, person.name, mask_id_number(person.id_number),
            person.get_sex_display(), person.birth_date, mask_phone(person.phone),
            p.get_kind_display(), p.get_status_display(), p.get_risk_level_display(), criteria,
            timezone.localtime(p.last_visit_at).strftime("%Y-%m-%d") if p.last_visit_at else "",
            timezone.localtime(p.next_visit_due).strftime("%Y-%m-%d") if p.next_visit_due else "",
            carers, p.guardian_name, mask_phone(p.guardian_phone),
        ]  # fmt: skip
        sheet.append([WriteOnlyCell(sheet, value=inert(v)) for v in row])
        count += 1
        children += p.kind == CareKind.CHILD
    out = io.BytesIO()
    book.save(out)
    audit(
        "care.export.downloaded",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={
            "rows": count,
            "children": children,
            "masked": True,
            "filters": {
                k: ("name" if k == "q" else v)
                for k, v in filters.__dict__.items()
                if v not in ("", None, False)
            },
        },
    )
    return out.getvalue(), count
