"""/api/v1/care/needs/: needs (关爱需求) over JSON, with the same selectors and services as the
pages. Only needs of profiles the caller may read (children's only with care.view_children);
every read of named records is audited. Names are masked for roles that may not unmask the
register.

    GET  /api/v1/care/needs/?status=active&category=medical&village=220182102200
    GET  /api/v1/care/needs/{id}
    POST /api/v1/care/needs/                 {"profile": 1, "category": "meals", "description": "…"}
    POST /api/v1/care/needs/{id}/settle      {"status": "met", "outcome": "…", "version": 123}
    POST /api/v1/care/needs/{id}/refer       multipart: item, authorised_on, authorisation (file),
                                             details, version; header Idempotency-Key

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.care import access
from cunshe.care.models import CareKind, CareNeed
from cunshe.care.selectors import needs as selectors
from cunshe.care.services import needs as svc
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name
from cunshe.residents.services import ConcurrentEdit
from cunshe.servicedesk.models import ServiceItem

router = Router(tags=["care"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_CATEGORIES = "|".join(svc.CATEGORIES)


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def _conflict() -> ApiError:
    return ApiError(409, "conflict", _("该需求已被他人修改，请重新读取后再操作。"), {"version": []})


class ApplicationLinkOut(Schema):
    id: int
    number: str
    item_name: str
    status: str
    status_label: str
    finished: bool = Field(..., description="服务申请已有结果（准予、不予批准、送达、办结等）")


class NeedOut(Schema):
    id: int
    profile: int
    kind: str
    person_name: str = Field(..., description="对象姓名；无 residents.unmask 权限者看到脱敏姓名")
    region_code: str
    region_name: str
    category: str
    category_label: str
    description: str
    status: str
    status_label: str
    visit: int | None
    alert: int | None
    application: ApplicationLinkOut | None
    volunteer_need_id: int | None = Field(..., description="志愿服务需求编号（志愿服务模块上线后）")
    outcome: str
    created_at: datetime
    version: int = Field(..., description="修改时回传，用于检测并发修改（409）")


def _out(j: Jurisdiction, need: CareNeed) -> dict[str, Any]:
    app = need.application
    name = need.profile.person.name
    return {
        "id": need.pk,
        "profile": need.profile_id,
        "kind": need.profile.kind,
        "person_name": name if j.has_perm("residents.unmask") else mask_name(name),
        "region_code": need.region_code,
        "region_name": need.region.name,
        "category": need.category,
        "category_label": svc.category_label(need.category),
        "description": need.description,
        "status": need.status,
        "status_label": str(CareNeed.Status(need.status).label),
        "visit": need.visit_id,
        "alert": need.alert_id,
        "application": None
        if app is None
        else {
            "id": app.pk,
            "number": app.number,
            "item_name": app.item.name,
            "status": app.status,
            "status_label": app.get_status_display(),
            "finished": selectors.application_done(need),
        },
        "volunteer_need_id": need.volunteer_need_id,
        "outcome": need.outcome,
        "created_at": need.created_at,
        "version": svc.need_version(need),
    }


class NeedQuery(Schema):
    status: str = Field(
        "active",
        pattern=r"^(active|open|referred|met|closed|all)$",
        description="active（待处理与已转办，默认）、open、referred、met、closed 或 all",
    )
    category: str = Field("", pattern=rf"^({_CATEGORIES})?$")
    village: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="村或组的区划代码")
    profile: int | None = Field(None, ge=1, le=2**63 - 1)


class NeedIn(Schema):
    profile: int = Field(..., ge=1, le=2**63 - 1)
    visit: int | None = Field(None, ge=1, le=2**63 - 1)
    alert: int | None = Field(None, ge=1, le=2**63 - 1)
    category: str = Field(..., pattern=rf"^({_CATEGORIES})$")
    description: str = Field(..., min_length=1, max_length=300)


class SettleIn(Schema):
    status: Literal["met", "closed"]
    outcome: str = Field(..., min_length=1, max_length=300)
    version: int = Field(..., ge=0)


class ReferIn(Schema):
    item: str = Field(..., max_length=40, description="服务事项编码")
    authorised_on: date = Field(..., description="村民书面委托的签字日期")
    details: str = Field("", max_length=4000)
    version: int = Field(..., ge=0)


@router.get("/", response=list[NeedOut], summary="关爱需求列表（本辖区可见对象）")
@paginate(PagePagination)
def need_list(request: HttpRequest, filters: Query[NeedQuery], **kwargs: Any) -> Any:
    j = _scope(request)
    status = "" if filters.status == "all" else filters.status
    if filters.village and not j.covers(filters.village):
        # A place outside the caller's subtree does not exist for them (404, as everywhere).
        raise ApiError(404, "not_found", _("该区划不在您的管辖范围内。"))
    qs: QuerySet[CareNeed] = selectors.needs_list(
        j,
        selectors.NeedFilters(
            status=status,
            category=filters.category,
            village=filters.village,
            profile=filters.profile,
        ),
    )
    return _Audited(j, qs)


class _Audited:
    """The list as the paginator sees it: sliced, counted, and each page's read audited with
    the number of rows and of children's rows in it."""

    def __init__(self, j: Jurisdiction, qs: QuerySet[CareNeed]) -> None:
        self.j, self.qs = j, qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        rows = list(self.qs[key])
        access.audit_read(
            self.j,
            "needs",
            count=len(rows),
            children=sum(1 for n in rows if n.profile.kind == CareKind.CHILD),
            via="api",
        )
        return [_out(self.j, n) for n in rows]


@router.get("/{need_id}", response=NeedOut, summary="关爱需求详情（含转办的服务申请状态）")
def need_detail(request: HttpRequest, need_id: Id) -> dict[str, Any]:
    j = _scope(request)
    need = selectors.get_need_for(j, need_id)
    access.audit_read(j, "need", obj=need, profile=need.profile_id, via="api")
    return _out(j, need)


@router.post("/", response={201: NeedOut}, summary="登记需求（来自探访、告警或档案）")
def need_create(request: HttpRequest, payload: NeedIn) -> Status:
    j = _scope(request)
    need = svc.need_create(
        actor=request.user,
        jurisdiction=j,
        profile_id=payload.profile,
        visit_id=payload.visit,
        alert_id=payload.alert,
        category=payload.category,
        description=payload.description,
    )
    return Status(201, _out(j, selectors.get_need_for(j, need.pk)))


@router.post("/{need_id}/settle", response=NeedOut, summary="办结需求（已解决/已关闭）")
def need_settle(request: HttpRequest, need_id: Id, payload: SettleIn) -> dict[str, Any]:
    j = _scope(request)
    selectors.get_need_for(j, need_id)
    try:
        svc.need_settle(
            actor=request.user,
            jurisdiction=j,
            need_id=need_id,
            status=payload.status,
            outcome=payload.outcome,
            expected_version=payload.version,
        )
    except ConcurrentEdit as exc:
        raise _conflict() from exc
    return _out(j, selectors.get_need_for(j, need_id))


@router.post(
    "/{need_id}/refer",
    response=NeedOut,
    summary="转为服务申请（代办，需上传委托书；需 Idempotency-Key 请求头）",
)
def need_refer(
    request: HttpRequest,
    need_id: Id,
    payload: Form[ReferIn],
    authorisation: File[UploadedFile],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[str, Any]:
    j = require_perm(_scope(request), "servicedesk.intake")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ApiError(
            400,
            "idempotency_key_required",
            _("请在 Idempotency-Key 请求头中提供本次提交的唯一标识（1–64 个字符）。"),
            {"Idempotency-Key": [_("此项为必填项。")]},
        )
    selectors.get_need_for(j, need_id)
    item = ServiceItem.objects.filter(code=payload.item, active=True).first()
    if item is None:
        raise ValidationError({"item": _("没有这个事项编码。")})
    try:
        svc.need_refer_to_desk(
            actor=request.user,
            jurisdiction=j,
            need_id=need_id,
            item=item,
            authorised_on=payload.authorised_on,
            authorisation=authorisation,
            idempotency_key=key,
            details=payload.details,
            expected_version=payload.version,
        )
    except ConcurrentEdit as exc:
        raise _conflict() from exc
    return _out(j, selectors.get_need_for(j, need_id))
