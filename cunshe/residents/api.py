"""/api/v1/residents/: the register over JSON, with the same rules as its pages.

Reads go through `selectors` (scoped; minors hidden from roles without residents.view_minors;
a villager sees only their own household), writes through `services`. ID and phone numbers are
always masked here; the clear value comes only from the audited `unmask` operation. Lists use
cursor pages: the register is millions of rows at province scale and a COUNT(*) per page would
cost more than the page itself.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, field_validator

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number, mask_phone
from cunshe.regions import selectors as region_selectors
from cunshe.residents import selectors, services
from cunshe.residents.codes import (
    EDUCATION,
    ETHNICITIES,
    MARITAL,
    POLITICAL,
    RELATIONSHIPS,
    EventKind,
    ResidenceStatus,
)
from cunshe.residents.models import Household, Person, ResidenceEvent

router = Router(tags=["residents"])

VIEW = selectors.VIEW
VIEW_OWN = selectors.VIEW_OWN
EDIT = services.EDIT
UNMASK = "residents.unmask"

# Path ids beyond a 64-bit integer would overflow the database driver (a 500, not a 404).
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]

_STATUSES = "|".join(ResidenceStatus.values)
_FLAGS = "|".join((*selectors.PERSON_FLAGS, *Household.FLAG_FIELDS))


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it as bad input (422) rather than fail (500).
    if "\x00" in value:
        raise ValueError(_("不能包含空字符。"))
    return value


def _code_in(value: str, table: dict[str, str]) -> str:
    if value and value not in table:
        raise ValueError(_("不是有效的代码：%(value)s") % {"value": value})
    return value


# --- output --------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    household_id: int
    household_number: str
    region_code: str
    name: str
    sex: str
    birth_date: date
    age: int
    ethnicity: str
    relationship: str
    relationship_label: str
    id_number_masked: str
    phone_masked: str
    residence_status: str
    residence_status_label: str
    status_since: date | None
    away_destination: str
    hukou_here: bool
    has_disability: bool
    version: int

    @staticmethod
    def resolve_household_number(p: Person) -> str:
        return p.household.number

    @staticmethod
    def resolve_age(p: Person) -> int:
        return p.age_on()

    @staticmethod
    def resolve_relationship_label(p: Person) -> str:
        return RELATIONSHIPS.get(p.relationship, "")

    @staticmethod
    def resolve_id_number_masked(p: Person) -> str:
        return mask_id_number(p.id_number)

    @staticmethod
    def resolve_phone_masked(p: Person) -> str:
        return mask_phone(p.phone)

    @staticmethod
    def resolve_residence_status_label(p: Person) -> str:
        return str(ResidenceStatus(p.residence_status).label)


class PersonDetailOut(PersonOut):
    education: str
    marital_status: str
    political_status: str
    hukou_region_code: str
    living_here_since: date | None
    died_on: date | None
    lacks_guardianship_capacity: bool
    is_veteran: bool
    is_youfu: bool
    months_away: int
    months_living_here: int

    @staticmethod
    def resolve_months_away(p: Person) -> int:
        return p.months_away()

    @staticmethod
    def resolve_months_living_here(p: Person) -> int:
        return p.months_living_here()


class HouseholdOut(Schema):
    id: int
    number: str
    region_code: str
    village_code: str
    address: str
    hukou_here: bool
    is_dibao: bool
    is_tekun: bool
    is_tuopin: bool
    is_monitored: bool
    is_wubao: bool
    is_military_family: bool
    version: int


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonOut] = Field(description="本户中调用者可见的成员，户主在前")

    @staticmethod
    def resolve_members(h: Household) -> list[Person]:
        # Set by the handler from `selectors.household_members` (minors filtered by role).
        return getattr(h, "members_visible", [])


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    occurred_on: date
    destination: str
    destination_code: str
    status: str
    hukou_here: bool | None
    corrects_id: int | None
    corrected_kind: str
    note: str
    recorded_at: str
    recorded_by: str

    @staticmethod
    def resolve_kind_label(e: ResidenceEvent) -> str:
        return str(EventKind(e.kind).label)

    @staticmethod
    def resolve_recorded_at(e: ResidenceEvent) -> str:
        return e.recorded_at.isoformat()

    @staticmethod
    def resolve_recorded_by(e: ResidenceEvent) -> str:
        user = e.recorded_by
        return (user.display_name or user.username) if user is not None else ""


class UnmaskedOut(Schema):
    field: str
    value: str


# --- input ---------------------------------------------------------------------------------


class PersonQuery(Schema):
    """The same filters as the person search page (`selectors.PersonFilters`)."""

    q: str = Field("", max_length=60, description="姓名、拼音、首字母、户号、完整身份证号或手机号")
    region_code: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="村或组代码")
    sex: Literal["", "M", "F"] = ""
    age_min: int | None = Field(None, ge=0, le=150)
    age_max: int | None = Field(None, ge=0, le=150)
    residence_status: str = Field("", pattern=f"^(|{_STATUSES})$")
    flag: str = Field("", pattern=f"^(|{_FLAGS})$")
    include_gone: bool = Field(False, description="包括已迁出和已故人员")

    @field_validator("q")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)


class HouseholdQuery(Schema):
    q: str = Field("", max_length=30, description="户号（精确）")
    region_code: str = Field("", max_length=15, pattern=r"^[0-9]*$")
    flag: str = Field("", pattern=f"^(|{'|'.join(Household.FLAG_FIELDS)})$")

    @field_validator("q")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)


class UnmaskIn(Schema):
    field: Literal["id_number", "phone"]


class EventIn(Schema):
    kind: str = Field(max_length=12)
    occurred_on: date
    destination: str = Field("", max_length=100)
    destination_code: str = Field("", max_length=12, pattern=r"^[0-9]*$")
    note: str = Field("", max_length=200)
    corrects: int | None = Field(None, ge=1, le=2**63 - 1, description="被更正事件的 id")
    corrected_kind: str = Field("", max_length=12)
    expected_version: int = Field(ge=1, description="读取该人员时的 version")

    @field_validator("kind", "destination", "note", "corrected_kind")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)


class PersonPatchIn(Schema):
    """Only the fields present are changed; residence state changes only through events."""

    # Unknown fields (residence_status, id_number …) are refused, not silently dropped.
    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1, description="读取该人员时的 version")
    name: str | None = Field(None, min_length=1, max_length=60)
    relationship: str | None = Field(None, max_length=2)
    ethnicity: str | None = Field(None, max_length=2)
    phone: str | None = Field(None, max_length=20, pattern=r"^[0-9 +-]*$")
    education: str | None = Field(None, max_length=2)
    marital_status: str | None = Field(None, max_length=2)
    political_status: str | None = Field(None, max_length=2)
    disability: str | None = Field(None, max_length=20)
    illness: str | None = Field(None, max_length=500)
    lacks_guardianship_capacity: bool | None = None
    is_veteran: bool | None = None
    is_youfu: bool | None = None
    hukou_region_code: str | None = Field(None, max_length=12, pattern=r"^[0-9]*$")

    @field_validator("name", "disability", "illness")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return _no_nul(v) if v is not None else v


class HouseholdIn(Schema):
    region_code: str = Field(max_length=15, pattern=r"^[0-9]+$", description="村或组代码")
    number: str = Field(min_length=1, max_length=30)
    address: str = Field("", max_length=200)
    hukou_here: bool = True
    is_dibao: bool = False
    is_tekun: bool = False
    is_tuopin: bool = False
    is_monitored: bool = False
    is_wubao: bool = False
    is_military_family: bool = False

    @field_validator("number", "address")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)


class MemberIn(Schema):
    relationship: str = Field(max_length=2)
    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field(min_length=1, max_length=30)
    since: date = Field(description="登记时居住状态的起始日期")
    status: str = Field("", pattern=f"^(|{_STATUSES})$")
    destination: str = Field("", max_length=100)
    hukou_here: bool | None = None
    hukou_region_code: str = Field("", max_length=12, pattern=r"^[0-9]*$")
    ethnicity: str = Field("01", max_length=2)
    phone: str = Field("", max_length=20, pattern=r"^[0-9 +-]*$")
    education: str = Field("", max_length=2)
    marital_status: str = Field("", max_length=2)
    political_status: str = Field("13", max_length=2)

    @field_validator("name", "id_number", "destination")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)

    @field_validator("ethnicity")
    @classmethod
    def _ethnicity(cls, v: str) -> str:
        return _code_in(v, ETHNICITIES)

    @field_validator("education")
    @classmethod
    def _education(cls, v: str) -> str:
        return _code_in(v, EDUCATION)

    @field_validator("marital_status")
    @classmethod
    def _marital(cls, v: str) -> str:
        return _code_in(v, MARITAL)

    @field_validator("political_status")
    @classmethod
    def _political(cls, v: str) -> str:
        return _code_in(v, POLITICAL)


# --- helpers -------------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def _readable(request: HttpRequest) -> Jurisdiction:
    """The caller's scope, refused (403, audited) when they may see no register entry at all."""
    j = _scope(request)
    if j.has_perm(VIEW_OWN) and not j.has_perm(VIEW):
        return j
    return require_perm(j, VIEW)


def _person_for_write(request: HttpRequest, person_id: int, perm: str = EDIT) -> tuple:
    """404 outside what the caller may see, then 403 (audited) without `perm`."""
    j = _readable(request)
    person = selectors.get_person_for(j, person_id, audit_view=False)
    require_perm(j, perm)
    return j, person


def _conflict() -> ApiError:
    return ApiError(
        409, "conflict", _("该人员信息已被他人修改，请重新读取后再操作。"), {"expected_version": []}
    )


# --- persons -------------------------------------------------------------------------------


@router.get("/persons", response=list[PersonOut], summary="人员列表（已脱敏）")
@paginate(CursorPagination, ordering="id")
def person_list(request: HttpRequest, filters: Query[PersonQuery], **kwargs: Any) -> QuerySet:
    j = _readable(request)
    return selectors.person_search(j, selectors.PersonFilters(**filters.dict()))


@router.get("/persons/{person_id}", response=PersonDetailOut, summary="人员详情（查看留痕）")
def person_detail(request: HttpRequest, person_id: Id) -> Person:
    return selectors.get_person_for(_readable(request), person_id)


@router.patch("/persons/{person_id}", response=PersonDetailOut, summary="修改人员信息")
def person_patch(request: HttpRequest, person_id: Id, payload: PersonPatchIn) -> Person:
    j, person = _person_for_write(request, person_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("expected_version")
    # null means "leave as is" for fields a client sends explicitly empty-handed.
    changes = {k: v for k, v in changes.items() if v is not None}
    try:
        services.person_update(
            actor=request.user,
            jurisdiction=j,
            person=person,
            expected_version=expected,
            **changes,
        )
    except services.ConcurrentEdit:
        raise _conflict() from None
    return selectors.get_person_for(j, person_id, audit_view=False)


@router.post("/persons/{person_id}/unmask", response=UnmaskedOut, summary="查看完整号码（留痕）")
def person_unmask(
    request: HttpRequest, person_id: Id, payload: UnmaskIn, response: HttpResponse
) -> dict:
    j, person = _person_for_write(request, person_id, UNMASK)
    value = services.person_unmask(
        actor=request.user, jurisdiction=j, person=person, field=payload.field
    )
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value or ""}


@router.get("/persons/{person_id}/events", response=list[EventOut], summary="居住事件（含更正）")
def person_event_list(request: HttpRequest, person_id: Id) -> list[ResidenceEvent]:
    person = selectors.get_person_for(_readable(request), person_id, audit_view=False)
    return selectors.person_events(person)


@router.post("/persons/{person_id}/events", response={201: EventOut}, summary="记录居住事件或更正")
def person_event_create(request: HttpRequest, person_id: Id, payload: EventIn) -> Status:
    j, person = _person_for_write(request, person_id)
    corrects = None
    if payload.corrects is not None:
        corrects = person.events.filter(pk=payload.corrects).first()
        if corrects is None:
            raise ValidationError({"corrects": _("请选择要更正的本人事件。")})
    try:
        event = services.event_record(
            actor=request.user,
            jurisdiction=j,
            person=person,
            kind=payload.kind,
            occurred_on=payload.occurred_on,
            destination=payload.destination,
            destination_code=payload.destination_code,
            note=payload.note,
            corrects=corrects,
            corrected_kind=payload.corrected_kind,
            expected_version=payload.expected_version,
        )
    except services.ConcurrentEdit:
        raise _conflict() from None
    return Status(201, event)


# --- households ----------------------------------------------------------------------------


@router.get("/households", response=list[HouseholdOut], summary="户列表")
@paginate(CursorPagination, ordering="id")
def household_list(request: HttpRequest, filters: Query[HouseholdQuery], **kwargs: Any) -> QuerySet:
    qs = selectors.households_visible(_readable(request))
    if filters.q.strip():
        qs = qs.filter(number=filters.q.strip())
    if filters.region_code:
        qs = qs.filter(region_code__startswith=filters.region_code)
    if filters.flag:
        qs = qs.filter(**{filters.flag: True})
    return qs


@router.get("/households/{household_id}", response=HouseholdDetailOut, summary="户详情与成员")
def household_detail(request: HttpRequest, household_id: Id) -> Household:
    j = _readable(request)
    household = selectors.get_household_for(j, household_id)
    members = selectors.household_members(j, household)
    for member in members:
        member.household = household  # each row's household_number without a query per row
    household.members_visible = members  # type: ignore[attr-defined]
    return household


@router.post("/households", response={201: HouseholdDetailOut}, summary="建立新户")
def household_create(request: HttpRequest, payload: HouseholdIn) -> Status:
    j = require_perm(_readable(request), EDIT)
    try:
        region = region_selectors.get_region_for(j, payload.region_code)
    except Http404:
        raise ValidationError(
            {"region_code": _("没有这个村或组，或不在您的管辖范围内。")}
        ) from None
    data = payload.dict()
    data.pop("region_code")
    try:
        household = services.household_create(
            actor=request.user, jurisdiction=j, region=region, **data
        )
    except ValidationError as exc:
        # The service speaks of the region object; this API's input is its code.
        if hasattr(exc, "error_dict") and "region" in exc.error_dict:
            exc.error_dict["region_code"] = exc.error_dict.pop("region")
        raise
    household.members_visible = []  # type: ignore[attr-defined]
    return Status(201, household)


@router.post(
    "/households/{household_id}/members",
    response={201: PersonDetailOut},
    summary="在户内登记人员",
)
def household_add_member(request: HttpRequest, household_id: Id, payload: MemberIn) -> Status:
    j = _readable(request)
    household = selectors.get_household_for(j, household_id)  # 404 before the 403 below
    require_perm(j, EDIT)
    person = services.person_register(
        actor=request.user, jurisdiction=j, household=household, **payload.dict()
    )
    return Status(201, person)
