"""/api/v1/care/identification/: candidates (list, confirm, dismiss) and a household's kin
links (list, add, disable), through the same selectors and services as the pages.

Every list read is audited (`care.candidates.viewed`, `care.kin.viewed`). 404 outside the
caller's subtree, 403 (audited) inside it without care.edit; children's candidates only with
care.view_children. A stale `expected_version` answers 409.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.care import access
from cunshe.care.identification import describe
from cunshe.care.models import CareKind, CareProfile, KinLink, RiskLevel
from cunshe.care.selectors import candidates as selectors
from cunshe.care.services import identification as services
from cunshe.care.services import kin as kin_services
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit

router = Router(tags=["care"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_KINDS = "|".join(CareKind.values)
_RISKS = "|".join(RiskLevel.values)


class CareCandidateOut(Schema):
    id: int
    person_id: int
    name: str
    kind: str
    kind_label: str
    status: str
    region_code: str
    region_name: str
    reason: list[dict[str, Any]]
    reason_text: str
    identified_on: date
    recheck_on: date | None
    risk_level: str
    version: int

    @staticmethod
    def resolve_name(p: CareProfile) -> str:
        return p.person.name

    @staticmethod
    def resolve_kind_label(p: CareProfile) -> str:
        return str(p.get_kind_display())

    @staticmethod
    def resolve_region_name(p: CareProfile) -> str:
        return p.region.name

    @staticmethod
    def resolve_reason_text(p: CareProfile) -> str:
        return describe(p.reason)


class CandidateQuery(Schema):
    kind: str = Field("", pattern=f"^(|{_KINDS})$", description="child / woman / elderly")
    village: str = Field("", pattern=r"^(|[0-9]{12})$", description="村代码（12位）")


class ConfirmIn(Schema):
    model_config = ConfigDict(extra="forbid")

    risk_level: str = Field(pattern=f"^({_RISKS})$", description="high / priority / general")
    note: str = Field("", max_length=300)
    expected_version: int = Field(ge=1, description="读取该对象时的 version")


class DismissIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300, description="不予认定的原因（必填）")
    expected_version: int = Field(ge=1, description="读取该对象时的 version")


class KinOut(Schema):
    id: int
    person_id: int
    relative_id: int
    kind: str
    source: str
    active: bool
    note: str
    relative_outside: bool
    changed_at: datetime


class HouseholdKinOut(Schema):
    household_id: int
    links: list[KinOut]
    unresolved: list[int] = Field(description="父母关系待确认的成员 id")


class KinIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person: int = Field(ge=1, le=2**63 - 1, description="本户成员 id")
    relative: int = Field(ge=1, le=2**63 - 1, description="父母或配偶的人员 id（可在其他户）")
    kind: str = Field(pattern="^(parent|spouse)$")
    note: str = Field("", max_length=200)


class DisableIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=200, description="停用原因")


def _scope(request: HttpRequest) -> Jurisdiction:
    return selectors.require_edit(request_jurisdiction(request))


def _conflict() -> ApiError:
    return ApiError(
        409, "conflict", _("已被他人修改，请重新读取后再操作。"), {"expected_version": []}
    )


def _candidate(j: Jurisdiction, pk: int) -> CareProfile:
    return selectors.get_candidate_for(j, pk)


@router.get("/candidates", response=list[CareCandidateOut], summary="待确认的关爱对象")
@paginate(PagePagination)
def candidate_list(
    request: HttpRequest, filters: Query[CandidateQuery], **kwargs: Any
) -> QuerySet[CareProfile]:
    j = _scope(request)
    access.audit_read(j, "candidates", kind=filters.kind, village=filters.village, api=True)
    return selectors.candidates(j, selectors.CandidateFilters(filters.kind, filters.village))


@router.post("/candidates/{profile_id}/confirm", response=CareCandidateOut, summary="确认在册")
def candidate_confirm(request: HttpRequest, profile_id: Id, payload: ConfirmIn) -> CareProfile:
    j = _scope(request)
    profile = _candidate(j, profile_id)
    try:
        services.candidate_confirm(
            actor=request.user,
            jurisdiction=j,
            profile=profile,
            risk_level=payload.risk_level,
            note=payload.note,
            expected_version=payload.expected_version,
        )
    except ConcurrentEdit:
        raise _conflict() from None
    return _candidate(j, profile_id)


@router.post("/candidates/{profile_id}/dismiss", response=CareCandidateOut, summary="不予认定")
def candidate_dismiss(request: HttpRequest, profile_id: Id, payload: DismissIn) -> CareProfile:
    j = _scope(request)
    profile = _candidate(j, profile_id)
    try:
        services.candidate_dismiss(
            actor=request.user,
            jurisdiction=j,
            profile=profile,
            reason=payload.reason,
            expected_version=payload.expected_version,
        )
    except ConcurrentEdit:
        raise _conflict() from None
    return _candidate(j, profile_id)


def _kin_out(j: Jurisdiction, household_id: int) -> dict[str, Any]:
    kin = selectors.household_kin(j, household_id)
    access.audit_read(j, "kin", obj=kin.household, count=len(kin.links), api=True)
    return {
        "household_id": kin.household.pk,
        "links": [
            {
                "id": row.link.pk,
                "person_id": row.link.person_id,
                "relative_id": row.link.relative_id,
                "kind": row.link.kind,
                "source": row.link.source,
                "active": row.link.active,
                "note": row.link.note,
                "relative_outside": row.relative_outside,
                "changed_at": row.link.changed_at,
            }
            for row in kin.links
        ],
        "unresolved": [m.pk for m in kin.unresolved],
    }


@router.get("/households/{household_id}/kin", response=HouseholdKinOut, summary="户内亲属关系")
def household_kin(request: HttpRequest, household_id: Id) -> dict[str, Any]:
    return _kin_out(_scope(request), household_id)


@router.post(
    "/households/{household_id}/kin",
    response={201: HouseholdKinOut},
    summary="登记一条亲属关系（父母或配偶，可跨户）",
)
def household_kin_add(
    request: HttpRequest, household_id: Id, payload: KinIn
) -> tuple[int, dict[str, Any]]:
    from django.core.exceptions import ValidationError

    j = _scope(request)
    kin = selectors.household_kin(j, household_id)
    person = next((m for m in kin.members if m.pk == payload.person), None)
    if person is None:
        raise ValidationError({"person": _("不是本户成员。")})
    relative = selectors.person_for_kin(j, payload.relative)
    if relative is None:
        raise ValidationError({"relative": _("没有这个人，或不在您的管辖范围内。")})
    kin_services.kin_add(
        actor=request.user,
        jurisdiction=j,
        person=person,
        relative=relative,
        kind=payload.kind,
        note=payload.note,
    )
    return 201, _kin_out(j, household_id)


@router.post("/kin/{link_id}/disable", response=KinOut, summary="停用一条亲属关系")
def kin_disable(request: HttpRequest, link_id: Id, payload: DisableIn) -> dict[str, Any]:
    j = _scope(request)
    link = selectors.get_kin_link_for(j, link_id)
    row: KinLink = kin_services.kin_disable(
        actor=request.user, jurisdiction=j, link=link, note=payload.note
    )
    return {
        "id": row.pk,
        "person_id": row.person_id,
        "relative_id": row.relative_id,
        "kind": row.kind,
        "source": row.source,
        "active": row.active,
        "note": row.note,
        "relative_outside": not j.covers(row.relative.region_code),
        "changed_at": row.changed_at,
    }
