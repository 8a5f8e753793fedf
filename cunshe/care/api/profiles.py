"""/api/v1/care/profiles/: the profile list, one profile, and edits (PATCH with `version`,
409 when someone saved in between). Same selectors, services and privacy rules as the pages:
children only with care.view_children, ID and phone numbers masked, every read audited.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict, field_validator

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.care import access, risk
from cunshe.care.models import CareKind, CareProfile, RiskLevel
from cunshe.care.selectors.profiles import (
    ProfileFilters,
    children_count,
    profile_detail,
    profile_search,
)
from cunshe.care.services import profiles as svc
from cunshe.care.services.visits import is_overdue
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number, mask_phone

router = Router(tags=["care"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_PAGE_SIZE = 200
_STATUSES = "|".join(CareProfile.Status.values)
_KINDS = "|".join(CareKind.values)
_RISKS = "|".join(RiskLevel.values)


def scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("不能包含空字符。"))
    return value


def conflict() -> ApiError:
    return ApiError(409, "conflict", _("该档案已被他人修改，请重新读取后再操作。"), {"version": []})


# --- output ---------------------------------------------------------------------------------


class CarerOut(Schema):
    id: int
    carer_type: str
    name: str
    user_id: int | None
    active: bool


class ProfileOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    person_id: int
    name: str
    region_code: str
    region_name: str
    risk_level: str
    risk_criteria: list[str]
    last_visit_at: datetime | None
    next_visit_due: datetime | None
    overdue: bool
    carers: list[CarerOut]
    version: int


class CriterionOut(Schema):
    code: str
    label: str
    level: str


class ContactOut(Schema):
    name: str
    relation: str
    phone_masked: str
    is_family: bool


class ProfileEventOut(Schema):
    at: datetime
    kind: str
    title: str
    note: str


class ProfileDetailOut(ProfileOut):
    id_number_masked: str
    phone_masked: str
    reason: list[Any] = Field(description="识别依据（结构化事实）")
    identified_on: date
    criteria: list[CriterionOut]
    needs_assessment: str
    notes: str
    guardian_name: str
    guardian_relation: str
    guardian_phone_masked: str
    agreement_signed_on: date | None
    has_agreement_file: bool
    school: str
    school_class: str
    contacts: list[ContactOut]
    history: list[ProfileEventOut]


def _carers(p: CareProfile, carers: Any = None) -> list[dict[str, Any]]:
    rows = carers if carers is not None else getattr(p, "active_carers", [])
    return [
        {
            "id": c.pk,
            "carer_type": c.carer_type,
            "name": c.name,
            "user_id": c.user_id,
            "active": c.active,
        }
        for c in rows
    ]


def _row(p: CareProfile, now: datetime, carers: Any = None) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "status": p.status,
        "person_id": p.person_id,
        "name": p.person.name,
        "region_code": p.region_code,
        "region_name": p.region.name,
        "risk_level": p.risk_level,
        "risk_criteria": list(p.risk_criteria or []),
        "last_visit_at": p.last_visit_at,
        "next_visit_due": p.next_visit_due,
        "overdue": is_overdue(p, now),
        "carers": _carers(p, carers),
        "version": p.version,
    }


def detail_out(j: Jurisdiction, p: CareProfile) -> dict[str, Any]:
    d = profile_detail(j, p)
    person = p.person
    return {
        **_row(p, timezone.now(), [c for c in d.carers if c.active]),
        "id_number_masked": mask_id_number(person.id_number),
        "phone_masked": mask_phone(person.phone),
        "reason": p.reason if isinstance(p.reason, list) else [],
        "identified_on": p.identified_on,
        "criteria": risk.labelled(p.kind, p.risk_criteria),
        "needs_assessment": p.needs_assessment,
        "notes": p.notes,
        "guardian_name": p.guardian_name,
        "guardian_relation": p.guardian_relation,
        "guardian_phone_masked": mask_phone(p.guardian_phone),
        "agreement_signed_on": p.agreement_signed_on,
        "has_agreement_file": bool(p.agreement_file),
        "school": p.school,
        "school_class": p.school_class,
        "contacts": [
            {
                "name": c.name,
                "relation": c.relation,
                "phone_masked": mask_phone(c.phone),
                "is_family": c.is_family,
            }
            for c in d.contacts
        ],
        "history": [
            {"at": e.at, "kind": e.kind, "title": str(e.get_kind_display()), "note": e.note}
            for e in d.history
        ],
    }


class ProfilePage(Schema):
    items: list[ProfileOut]
    page: int
    page_size: int
    next: int | None = Field(None, description="下一页页码；没有下一页时为 null")


# --- input ----------------------------------------------------------------------------------


class ProfileQuery(Schema):
    status: str = Field("active", pattern=f"^(|all|{_STATUSES})$", description="默认 active")
    kind: str = Field("", pattern=f"^(|{_KINDS})$")
    risk: str = Field("", pattern=f"^(|{_RISKS})$")
    village: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="区划代码前缀")
    overdue: bool = False
    mine: bool = Field(False, description="只看我担任关爱人员的对象")
    page: int = Field(1, ge=1, le=200)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    relation: str = Field(min_length=1, max_length=30)
    phone: str = Field(min_length=1, max_length=20)
    is_family: bool = True


class ProfilePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="读取该档案时的 version")
    risk_criteria: list[str] | None = Field(None, max_length=20, description="风险因素代码")
    risk_note: str = Field("", max_length=300)
    needs_assessment: str | None = Field(None, max_length=4000)
    notes: str | None = Field(None, max_length=4000)
    school: str | None = Field(None, max_length=100)
    school_class: str | None = Field(None, max_length=40)
    guardian_name: str | None = Field(None, max_length=60)
    guardian_relation: str | None = Field(None, max_length=30)
    guardian_phone: str | None = Field(None, max_length=20)
    agreement_signed_on: date | None = None
    contacts: list[ContactIn] | None = Field(None, max_length=10)

    @field_validator(
        "risk_note", "needs_assessment", "notes", "school", "school_class", "guardian_name",
        "guardian_relation", "guardian_phone",
    )  # fmt: skip
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return v if v is None else no_nul(v)


# --- endpoints ------------------------------------------------------------------------------


@router.get("", response=ProfilePage, summary="关爱对象列表（按调用者范围；儿童需相应权限）")
def profile_list(request: HttpRequest, filters: Query[ProfileQuery]) -> dict[str, Any]:
    j = require_perm(scope(request), access.VIEW, action="care.permission.denied")
    status = "" if filters.status == "all" else filters.status
    f = ProfileFilters(
        status=status,
        kind=filters.kind,
        risk=filters.risk,
        village=filters.village,
        overdue=filters.overdue,
        carer_user=request.user.pk if filters.mine else None,
    )
    now = timezone.now()
    start = (filters.page - 1) * filters.page_size
    rows = list(profile_search(j, f, now=now)[start : start + filters.page_size + 1])
    more = len(rows) > filters.page_size
    rows = rows[: filters.page_size]
    access.audit_read(j, "list", count=len(rows), children=children_count(rows), api=True)
    return {
        "items": [_row(p, now) for p in rows],
        "page": filters.page,
        "page_size": filters.page_size,
        "next": filters.page + 1 if more else None,
    }


@router.get("/{profile_id}", response=ProfileDetailOut, summary="关爱对象档案详情")
def profile_get(request: HttpRequest, profile_id: Id) -> dict[str, Any]:
    j = scope(request)
    p = access.get_profile_for(j, profile_id)
    access.audit_read(j, "profile", obj=p, kind=p.kind, api=True)
    return detail_out(j, p)


@router.patch(
    "/{profile_id}",
    response=ProfileDetailOut,
    summary="修改档案（风险因素、需求评估、备注、学校、委托监护人、联系人；需 version）",
)
def profile_patch(request: HttpRequest, profile_id: Id, payload: ProfilePatch) -> dict[str, Any]:
    j = scope(request)
    p = access.get_profile_for(j, profile_id, need=svc.EDIT)
    given = payload.model_fields_set - {"version", "risk_note"}
    if not given:
        raise ApiError(400, "invalid", _("没有要修改的内容。"))
    common = {"actor": request.user, "jurisdiction": j}
    version = payload.version
    try:
        with transaction.atomic():
            # Several sections in one request: the first checks the caller's version, the
            # rest follow on from it; all or nothing.
            def step(service: Any, **kw: Any) -> None:
                nonlocal p, version
                service(**common, profile=p, expected_version=version, **kw)
                p = access.get_profile_for(j, p.pk)
                version = p.version

            if payload.risk_criteria is not None:
                step(svc.profile_set_risk, criteria=payload.risk_criteria, note=payload.risk_note)
            if given & {"needs_assessment", "notes"}:
                step(
                    svc.profile_set_assessment,
                    needs_assessment=payload.needs_assessment
                    if payload.needs_assessment is not None
                    else p.needs_assessment,
                    notes=payload.notes if payload.notes is not None else p.notes,
                )
            if given & {"school", "school_class"}:
                step(
                    svc.profile_set_school,
                    school=payload.school if payload.school is not None else p.school,
                    school_class=payload.school_class
                    if payload.school_class is not None
                    else p.school_class,
                )
            if given & {"guardian_name", "guardian_relation", "guardian_phone",
                        "agreement_signed_on"}:  # fmt: skip
                step(
                    svc.profile_set_guardian,
                    guardian_person=p.guardian_person,
                    guardian_name=_pick(payload.guardian_name, p.guardian_name),
                    guardian_relation=_pick(payload.guardian_relation, p.guardian_relation),
                    guardian_phone=_pick(payload.guardian_phone, p.guardian_phone),
                    agreement_signed_on=payload.agreement_signed_on
                    if "agreement_signed_on" in given
                    else p.agreement_signed_on,
                )
            if payload.contacts is not None:
                step(
                    svc.profile_set_contacts,
                    contacts=[
                        svc.ContactIn(c.name, c.relation, c.phone, c.is_family)
                        for c in payload.contacts
                    ],
                )
    except svc.ConcurrentEdit:
        raise conflict() from None
    access.audit_read(j, "profile", obj=p, kind=p.kind, api=True)
    return detail_out(j, p)


def _pick(new: str | None, old: str) -> str:
    return old if new is None else new
