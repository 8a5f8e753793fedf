"""/api/v1/selfgov/bodies/: bodies and memberships, with the same rules as the pages.

Staff of the jurisdiction see members' names (as on the pages); ID numbers and phones never
appear. Composition warnings come with each body's detail.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.selfgov.models import Body, BodyKind, Membership, Position
from cunshe.selfgov.selectors import bodies as sel
from cunshe.selfgov.services import bodies as svc

router = Router(tags=["selfgov"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _scope(request: HttpRequest, perm: str = sel.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


class BodyOut(Schema):
    id: int
    region_code: str
    village_code: str
    kind: str
    kind_label: str
    name: str
    term_start: date | None
    term_end: date | None
    active: bool
    current_members: int = 0

    @staticmethod
    def resolve_kind_label(b: Body) -> str:
        return str(b.get_kind_display())


class MemberOut(Schema):
    id: int
    person_id: int
    name: str
    sex: str
    position: str
    start: date
    end: date | None
    households_represented: int | None
    current: bool

    @staticmethod
    def resolve_name(m: Membership) -> str:
        return m.person.name

    @staticmethod
    def resolve_sex(m: Membership) -> str:
        return m.person.sex

    @staticmethod
    def resolve_current(m: Membership) -> bool:
        return bool(getattr(m, "is_current", False))


class WarningOut(Schema):
    code: str
    text: str


class BodyDetailOut(BodyOut):
    members: list[MemberOut]
    warnings: list[WarningOut]


class BodyIn(Schema):
    region_code: str = Field(pattern=r"^\d{12}(\d{3})?$")
    kind: str = Field(pattern="^(" + "|".join(BodyKind.values) + ")$")
    name: str = Field(min_length=1, max_length=100)
    term_start: date | None = None
    term_end: date | None = None


class MembershipIn(Schema):
    person_id: int = Field(ge=1, le=2**63 - 1)
    position: str = Field(pattern="^(" + "|".join(Position.values) + ")$")
    start: date
    end: date | None = None
    households_represented: int | None = Field(None, ge=1, le=999)
    note: str = Field("", max_length=200)


class EndIn(Schema):
    end: date
    note: str = Field("", max_length=200)


class BodyQuery(Schema):
    village: str = Field("", pattern=r"^(\d{12})?$", description="村代码")


def _detail(j: Jurisdiction, body: Body) -> Body:
    today = timezone.localdate()
    rows = sel.memberships_of(body, on=today)
    current = [m for m in rows if m.is_current]  # type: ignore[attr-defined]
    households = (
        sel.households(j, body.village_code).count() if body.kind == BodyKind.ASSEMBLY else 0
    )
    body.members = rows  # type: ignore[attr-defined]
    body.warnings = sel.body_warnings(body, current, village_households=households, on=today)  # type: ignore[attr-defined]
    body.current_members = len(current)  # type: ignore[attr-defined]
    return body


@router.get("", response=list[BodyOut], summary="自治组织列表")
@paginate(PagePagination)
def body_list(request: HttpRequest, filters: Query[BodyQuery], **kwargs: Any) -> Any:
    return sel.bodies_for(_scope(request), village_code=filters.village)


@router.post("", response={201: BodyDetailOut}, summary="新建自治组织")
def body_create(request: HttpRequest, payload: BodyIn) -> Any:
    j = _scope(request, sel.MANAGE)
    region = sel.villages_for(j).filter(code=payload.region_code).first()
    if region is None:
        raise ApiError(404, "not_found", "没有找到该村（组），或您无权管理。")
    body = svc.body_create(actor=request.user, jurisdiction=j, region=region,
                           **payload.dict(exclude={"region_code"}))  # fmt: skip
    return Status(201, _detail(j, body))


@router.get("/{body_id}", response=BodyDetailOut, summary="自治组织详情（成员与组成提示）")
def body_detail(request: HttpRequest, body_id: Id) -> Any:
    j = _scope(request)
    return _detail(j, sel.get_body_for(j, body_id))


@router.post("/{body_id}/members", response={201: MemberOut}, summary="增加成员")
def member_add(request: HttpRequest, body_id: Id, payload: MembershipIn) -> Any:
    j = _scope(request)
    body = sel.get_body_for(j, body_id, need=sel.MANAGE)
    person = sel.person_in(j, body.region_code, payload.person_id)
    if person is None:
        raise ApiError(404, "not_found", "没有找到这个人。")
    m = svc.membership_add(actor=request.user, jurisdiction=j, body=body, person=person,
                           **payload.dict(exclude={"person_id"}))  # fmt: skip
    m.is_current = m.start <= timezone.localdate() and m.end is None  # type: ignore[attr-defined]
    return Status(201, m)


@router.post("/{body_id}/members/{membership_id}/end", response=MemberOut, summary="终止任职")
def member_end(request: HttpRequest, body_id: Id, membership_id: Id, payload: EndIn) -> Any:
    j = _scope(request)
    body = sel.get_body_for(j, body_id, need=sel.MANAGE)
    m = body.memberships.select_related("person").filter(pk=membership_id).first()
    if m is None:
        raise ApiError(404, "not_found", "没有找到该任职记录。")
    m = svc.membership_end(actor=request.user, jurisdiction=j, membership=m, **payload.dict())
    m.is_current = m.end is not None and m.end >= timezone.localdate()  # type: ignore[attr-defined]
    return m
