"""/api/v1/volunteering/volunteers/: volunteers list, detail, registration and the five-category
record, with the same rules as the pages (volunteering.view to read, .manage to register). ID and
phone numbers appear masked only.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number, mask_phone
from cunshe.volunteering.models import Skill, Volunteer
from cunshe.volunteering.selectors import records as rec_sel
from cunshe.volunteering.selectors import volunteers as sel
from cunshe.volunteering.services import volunteers as svc

router = Router(tags=["volunteering"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _scope(request: HttpRequest, perm: str = sel.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


class VolVolunteerOut(Schema):
    id: int
    number: str
    name: str
    region_code: str
    status: str
    skills: list[str]
    availability: int
    station_id: int | None
    approved_minutes: int
    star: int
    is_verified: bool
    is_resident: bool
    public_consent: bool

    @staticmethod
    def resolve_is_verified(v: Volunteer) -> bool:
        return svc.is_verified(v)

    @staticmethod
    def resolve_is_resident(v: Volunteer) -> bool:
        return v.person_id is not None


class VolVolunteerDetailOut(VolVolunteerOut):
    id_number_masked: str
    phone_masked: str
    sex: str
    birth_date: date | None
    organisation_ids: list[int]
    registered_at: datetime
    version: int

    @staticmethod
    def resolve_id_number_masked(v: Volunteer) -> str:
        return mask_id_number(v.id_number)

    @staticmethod
    def resolve_phone_masked(v: Volunteer) -> str:
        return mask_phone(v.phone)

    @staticmethod
    def resolve_organisation_ids(v: Volunteer) -> list[int]:
        return sorted(o.pk for o in v.organisations.all())


class VolServiceLineOut(Schema):
    activity_id: int | None
    title: str
    minutes: int
    entries: int
    first: date | None
    last: date | None


class VolTrainingOut(Schema):
    id: int
    title: str
    provider: str
    held_on: date
    minutes: int


class VolHonourOut(Schema):
    id: int
    title: str
    level: str
    awarded_on: date
    awarded_by: str


class VolEvaluationOut(Schema):
    id: int
    period: str
    rating: str
    comment: str
    activity_id: int | None


class VolCertificateBriefOut(Schema):
    id: int
    number: str
    minutes: int
    star: int
    issued_at: datetime
    revoked_at: datetime | None


class VolRecordOut(Schema):
    identity: VolVolunteerDetailOut
    star: int
    total_minutes: int
    service: list[VolServiceLineOut]
    training: list[VolTrainingOut]
    honours: list[VolHonourOut]
    evaluations: list[VolEvaluationOut]
    certificates: list[VolCertificateBriefOut]


SKILL_PATTERN = "^(" + "|".join(Skill.values) + ")$"


class VolVolunteerIn(Schema):
    """A resident (person_id) or a non-resident (name + id_number)."""

    person_id: int | None = Field(None, ge=1, le=2**63 - 1)
    name: str = Field("", max_length=60)
    id_number: str = Field("", max_length=20)
    phone: str = Field("", max_length=20)
    verified: bool = False
    region_code: str = Field("", pattern=r"^(\d{12}(\d{3})?)?$")
    skills: list[Annotated[str, Field(pattern=SKILL_PATTERN)]] = []
    availability: int = Field((1 << 21) - 1, ge=0, le=(1 << 21) - 1)
    station_id: int | None = Field(None, ge=1, le=2**63 - 1)
    organisation_ids: list[int] = []
    public_consent: bool = False


class VolVolunteerQuery(Schema):
    q: str = Field("", max_length=30)
    skill: str = Field("", pattern="^(" + "|".join(Skill.values) + ")?$")
    station: int | None = Field(None, ge=1, le=2**63 - 1)
    organisation: int | None = Field(None, ge=1, le=2**63 - 1)
    star: int | None = Field(None, ge=0, le=5)
    status: str = Field("", pattern="^(" + "|".join(Volunteer.Status.values) + ")?$")


@router.get("", response=list[VolVolunteerOut], summary="志愿者列表")
@paginate(PagePagination)
def volunteer_list(request: HttpRequest, filters: Query[VolVolunteerQuery], **kwargs: Any) -> Any:
    return sel.volunteers_for(_scope(request), sel.VolunteerFilters(**filters.dict()))


@router.get("/{volunteer_id}", response=VolVolunteerDetailOut, summary="志愿者详情")
def volunteer_detail(request: HttpRequest, volunteer_id: Id) -> Any:
    j = _scope(request)
    return sel.get_volunteer_for(j, volunteer_id)


@router.get("/{volunteer_id}/record", response=VolRecordOut, summary="志愿服务记录（五类）")
def volunteer_record(request: HttpRequest, volunteer_id: Id) -> Any:
    j = _scope(request)
    v = sel.get_volunteer_for(j, volunteer_id)
    r = rec_sel.record_of(v, with_pending=False)
    return {
        "identity": v,
        "star": r.star,
        "total_minutes": r.total_minutes,
        "service": r.service,
        "training": r.trainings,
        "honours": r.honours,
        "evaluations": r.evaluations,
        "certificates": r.certificates,
    }


@router.post("", response={201: VolVolunteerDetailOut}, summary="登记志愿者")
def volunteer_create(request: HttpRequest, payload: VolVolunteerIn) -> Any:
    j = _scope(request, sel.MANAGE)
    region = None
    if payload.region_code:
        region = sel.home_regions(j).filter(code=payload.region_code).first()
        if region is None:
            raise ApiError(404, "not_found", "没有找到该村（屯），或您无权管理。")
    station = None
    if payload.station_id:
        station = sel.stations_for(j).filter(pk=payload.station_id).first()
        if station is None:
            raise ApiError(404, "not_found", "没有找到该志愿服务站。")
    orgs = list(sel.organisations_for(j).filter(pk__in=payload.organisation_ids))
    if len(orgs) != len(set(payload.organisation_ids)):
        raise ApiError(404, "not_found", "没有找到所选的组织。")
    common = {
        "skills": payload.skills, "availability": payload.availability, "station": station,
        "organisations": orgs, "public_consent": payload.public_consent,
    }  # fmt: skip
    if payload.person_id:
        person = sel.person_for(j, payload.person_id)
        if person is None:
            raise ApiError(404, "not_found", "没有找到这个人。")
        v = svc.volunteer_register_resident(
            actor=request.user, jurisdiction=j, person=person, region=region,
            phone=payload.phone, **common,
        )  # fmt: skip
    else:
        v = svc.volunteer_register_other(
            actor=request.user, jurisdiction=j, name=payload.name, id_number=payload.id_number,
            phone=payload.phone, region=region, verified=payload.verified, **common,
        )  # fmt: skip
    return Status(201, v)
