"""/api/v1/care/visits/: a profile's visits, recording a visit (multipart: form fields and up
to MAX_PHOTOS_PER_VISIT photos), the due list, marking a follow-up done. Same selectors and
services as the pages; every read of named records audited.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import field_validator

from cunshe.care import access
from cunshe.care.api.profiles import no_nul, scope
from cunshe.care.models import Visit
from cunshe.care.selectors import visits as sel
from cunshe.care.selectors.profiles import children_count
from cunshe.care.services import visits as svc
from cunshe.core.access import require_perm

router = Router(tags=["care"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int
    url: str


class VisitOut(Schema):
    id: int
    profile_id: int
    visited_at: datetime
    mode: str
    carer_id: int | None
    carer_name: str
    findings: str
    needs_found: str
    follow_up: str
    follow_up_due: date | None
    follow_up_done_at: datetime | None
    photos: list[PhotoOut]


def _visit(v: Visit) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": v.pk,
        "profile_id": v.profile_id,
        "visited_at": v.visited_at,
        "mode": v.mode,
        "carer_id": v.carer_id,
        "carer_name": v.carer_name,
        "findings": v.findings,
        "needs_found": v.needs_found,
        "follow_up": v.follow_up,
        "follow_up_due": v.follow_up_due,
        "follow_up_done_at": v.follow_up_done_at,
        "photos": [
            {
                "id": ph.pk,
                "content_type": ph.content_type,
                "size": ph.size,
                "url": reverse("care:visit_photo", args=[v.pk, ph.pk]),
            }
            for ph in v.photos.all()
        ],
    }


class VisitQuery(Schema):
    profile: int = Field(ge=1, le=2**63 - 1, description="档案 id")
    limit: int = Field(50, ge=1, le=200)


class VisitIn(Schema):
    profile: int = Field(ge=1, le=2**63 - 1)
    visited_at: datetime = Field(description="探访时间（不带时区视为北京时间）")
    mode: str = Field(pattern="^(home|phone|video)$")
    findings: str = Field(min_length=1, max_length=4000)
    needs_found: str = Field("", max_length=300)
    follow_up: str = Field("", max_length=300)
    follow_up_due: date | None = None
    carer: int | None = Field(None, ge=1, le=2**63 - 1, description="代登记时：关爱人员 id")

    @field_validator("findings", "needs_found", "follow_up")
    @classmethod
    def _text(cls, v: str) -> str:
        return no_nul(v)

    @field_validator("visited_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return timezone.make_aware(v) if timezone.is_naive(v) else v


class VisitDueOut(Schema):
    profile_id: int
    name: str
    kind: str
    risk_level: str
    region_code: str
    next_visit_due: datetime | None
    overdue: bool


class DueQuery(Schema):
    mine: bool = False
    village: str = Field("", max_length=15, pattern=r"^[0-9]*$")
    overdue: bool = False


class DueCarerOut(Schema):
    user_id: int | None
    name: str
    carer_type: str
    due: int
    overdue: int


class DueListOut(Schema):
    items: list[VisitDueOut]
    by_carer: list[DueCarerOut]


class CoverageOut(Schema):
    code: str
    name: str
    active: int
    covered: int
    rate: float | None


class CoverageQuery(Schema):
    group_by: str = Field("village", pattern="^(village|township|county)$")
    on: date | None = None


@router.get("", response=list[VisitOut], summary="某一档案的探访记录（最新在前）")
def visit_list(request: HttpRequest, filters: Query[VisitQuery]) -> list[dict[str, Any]]:
    j = scope(request)
    p = access.get_profile_for(j, filters.profile)
    rows = list(sel.visits_of(j, p).prefetch_related("photos")[: filters.limit])
    access.audit_read(j, "visits", obj=p, count=len(rows), kind=p.kind, api=True)
    return [_visit(v) for v in rows]


@router.post("", response={201: VisitOut}, summary="记录探访（multipart：字段与照片 photos）")
def visit_create(
    request: HttpRequest,
    payload: Form[VisitIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status:
    j = scope(request)
    p = access.get_profile_for(j, payload.profile, need=svc.VISIT)
    carer = None
    if payload.carer is not None:
        carer = p.carers.filter(pk=payload.carer).first()
        if carer is None:
            from django.core.exceptions import ValidationError
            from django.utils.translation import gettext as _

            raise ValidationError({"carer": _("请选择此对象当前的关爱人员。")})
    visit = svc.visit_record(
        actor=request.user,
        jurisdiction=j,
        profile=p,
        visited_at=payload.visited_at,
        mode=payload.mode,
        findings=payload.findings,
        needs_found=payload.needs_found,
        follow_up=payload.follow_up,
        follow_up_due=payload.follow_up_due,
        carer=carer,
        photos=photos or [],
    )
    return Status(201, _visit(visit))


@router.get("/due", response=DueListOut, summary="待探访与逾期（我负责的或按村），按关爱人员计数")
def due_list(request: HttpRequest, filters: Query[DueQuery]) -> dict[str, Any]:
    j = require_perm(scope(request), svc.VISIT, action="care.permission.denied")
    now = timezone.now()
    mine = request.user.pk if filters.mine else None
    rows = list(
        sel.due_profiles(
            j, mine_user=mine, village=filters.village, overdue_only=filters.overdue, now=now
        )[:200]
    )
    access.audit_read(j, "due_list", count=len(rows), children=children_count(rows), api=True)
    return {
        "items": [
            {
                "profile_id": p.pk,
                "name": p.person.name,
                "kind": p.kind,
                "risk_level": p.risk_level,
                "region_code": p.region_code,
                "next_visit_due": p.next_visit_due,
                "overdue": svc.is_overdue(p, now),
            }
            for p in rows
        ],
        "by_carer": sel.due_counts_by_carer(j, village=filters.village, now=now),
    }


@router.get("/coverage", response=list[CoverageOut], summary="探访覆盖率（按村、乡镇或县）")
def coverage(request: HttpRequest, filters: Query[CoverageQuery]) -> list[dict[str, Any]]:
    j = scope(request)
    if not j.has_perm(svc.VISIT):
        j = require_perm(j, "care.stats", action="care.permission.denied")
    return sel.coverage(j, on=filters.on, group_by=filters.group_by)


@router.post("/{visit_id}/follow-up-done", response=VisitOut, summary="跟进事项办结")
def follow_up_done(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    j = scope(request)
    visit = Visit.objects.within(j).filter(pk=visit_id).first()
    if visit is None:
        from django.http import Http404

        raise Http404
    done = svc.follow_up_done(actor=request.user, jurisdiction=j, visit=visit)
    return _visit(done)
