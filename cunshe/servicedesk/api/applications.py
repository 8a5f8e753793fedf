"""/api/v1/servicedesk/applications/: matters over JSON, with the same rules as the pages.

Reads go through `selectors.applications` (scoped: staff see their subtree, a county officer
their own department's matters, a villager their own household's); writes through
`services.applications`. Applicant names are masked for staff who may not unmask register
data; ID numbers never appear. Submissions need an `Idempotency-Key` header: the same key from
the same caller returns the first application instead of making a second one. Materials come
in here only as reuses of documents already on file; files are uploaded through the pages.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, field_validator

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name
from cunshe.residents.selectors import persons_visible
from cunshe.servicedesk.models import Application, Material, ServiceItem
from cunshe.servicedesk.models import Status as AppStatus
from cunshe.servicedesk.selectors.applications import VIEW, application_for, applications_for
from cunshe.servicedesk.services import applications as svc

router = Router(tags=["servicedesk"])

APPLY = svc.APPLY
INTAKE = svc.INTAKE
UNMASK = "residents.unmask"

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_STATUSES = "|".join(AppStatus.values)
_ACTIONS = "|".join(svc.TRANSITIONS)


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it as bad input (422) rather than fail (500).
    if "\x00" in value:
        raise ValueError(_("不能包含空字符。"))
    return value


def sees_names(request: HttpRequest) -> bool:
    """Clear names for roles that may unmask register data, and for a villager (whose list is
    their own household); masked for every other staff role."""
    j: Jurisdiction | None = getattr(request, "jurisdiction", None)
    if j is None:
        return False
    if j.has_perm(UNMASK):
        return True
    return j.has_perm(APPLY) and not j.has_perm(VIEW)


# --- output --------------------------------------------------------------------------------


class ApplicationOut(Schema):
    id: int
    number: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    mode: str
    handler_level: str
    handler_code: str
    handler_department: str
    submitted_at: datetime
    due_on: date | None
    finished_at: datetime | None
    finished_on_time: bool | None
    applicant_name: str = Field(
        description="申请人姓名；无 residents.unmask 权限的工作人员看到脱敏姓名"
    )
    version: int

    @staticmethod
    def resolve_item_code(a: Application) -> str:
        return a.item.code

    @staticmethod
    def resolve_item_name(a: Application) -> str:
        return a.item.name

    @staticmethod
    def resolve_status_label(a: Application) -> str:
        return str(AppStatus(a.status).label)

    @staticmethod
    def resolve_applicant_name(a: Application, context: dict[str, Any]) -> str:
        request = (context or {}).get("request")
        if request is not None and sees_names(request):
            return a.applicant_name
        return mask_name(a.applicant_name)


class TimelineOut(Schema):
    at: datetime
    title: str
    text: str


class MaterialOut(Schema):
    id: int
    name: str
    doc_type: str
    content_type: str
    size: int
    uploaded_at: datetime
    reused: bool

    @staticmethod
    def resolve_reused(m: Material) -> bool:
        return m.reused_from_id is not None


class ApplicationDetailOut(ApplicationOut):
    details: str
    accepted_at: datetime | None
    decided_at: datetime | None
    decision_reason: str
    paused_on: date | None
    trips: int
    timeline: list[TimelineOut] = Field(description="给申请人看的办理进度（不含经办人姓名）")
    materials: list[MaterialOut] = Field(description="当前有效的材料（名称与类型，不含文件内容）")
    allowed_actions: list[str] = Field(description="调用者现在可以执行的操作")

    @staticmethod
    def resolve_timeline(a: Application) -> list[svc.TimelineEntry]:
        return getattr(a, "timeline_for_api", [])

    @staticmethod
    def resolve_materials(a: Application) -> list[Material]:
        return getattr(a, "materials_for_api", [])

    @staticmethod
    def resolve_allowed_actions(a: Application) -> list[str]:
        return getattr(a, "actions_for_api", [])


# --- input ---------------------------------------------------------------------------------


class ApplicationQuery(Schema):
    status: str = Field("", pattern=f"^(|{_STATUSES})$")
    item: str = Field("", max_length=40, description="事项编码")
    handler: str = Field("", max_length=12, pattern=r"^[0-9]*$", description="办理单位区划代码")
    department: str = Field("", max_length=30, pattern=r"^[a-z_]*$", description="办理部门")
    submitted_from: date | None = Field(None, description="提交日期起（含）")
    submitted_to: date | None = Field(None, description="提交日期止（含）")

    @field_validator("item")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)


class ReuseIn(Schema):
    requirement: int = Field(ge=1, le=2**63 - 1, description="事项材料要求的 id")
    material: int = Field(ge=1, le=2**63 - 1, description="已存档材料的 id")


class SubmitIn(Schema):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=40, description="事项编码")
    applicant: int = Field(ge=1, le=2**63 - 1, description="申请人（户籍登记中的人员 id）")
    mode: Literal["online", "daiban", "lingban", "appointment"]
    details: str = Field("", max_length=4000)
    authorised_on: date | None = Field(None, description="代办：村民书面委托的日期")
    accompanied_at: datetime | None = Field(None, description="领办：陪同办理的时间")
    accompanied_place: str = Field("", max_length=100, description="领办：陪同办理的地点")
    reuse: list[ReuseIn] = Field(default_factory=list, max_length=50)

    @field_validator("item", "details", "accompanied_place")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)

    @field_validator("accompanied_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        # A time without an offset is Beijing time, as a clerk means it.
        if v is not None and timezone.is_naive(v):
            return timezone.make_aware(v)
        return v


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000, description="退回、不予受理、不予批准、撤回时必填")
    expected_version: int = Field(ge=1, description="读取该办件时的 version")
    reuse: list[ReuseIn] = Field(default_factory=list, max_length=50, description="补正时复用")

    @field_validator("reason")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_nul(v)


# --- helpers -------------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def _readable(request: HttpRequest) -> Jurisdiction:
    """The caller's scope, refused (403, audited) when they may see no matter at all."""
    j = _scope(request)
    if j.has_perm(APPLY) and not j.has_perm(VIEW):
        return j
    return require_perm(j, VIEW)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _with_detail(j: Jurisdiction, application: Application) -> Application:
    application.timeline_for_api = svc.public_timeline(application)  # type: ignore[attr-defined]
    application.materials_for_api = list(  # type: ignore[attr-defined]
        application.materials.filter(superseded=False).order_by("id")
    )
    application.actions_for_api = svc.allowed_actions(j, application)  # type: ignore[attr-defined]
    return application


def _reuse(rows: list[ReuseIn]) -> dict[int, int]:
    out: dict[int, int] = {}
    for row in rows:
        if row.requirement in out:
            raise ValidationError({"reuse": _("同一项材料只能复用一份。")})
        out[row.requirement] = row.material
    return out


def _conflict() -> ApiError:
    return ApiError(
        409, "conflict", _("该办件已被他人处理，请重新读取后再操作。"), {"expected_version": []}
    )


# --- endpoints -----------------------------------------------------------------------------


@router.get("", response=list[ApplicationOut], summary="办件列表（按调用者范围）")
@paginate(CursorPagination, ordering="-submitted_at")
def application_list(
    request: HttpRequest, filters: Query[ApplicationQuery], **kwargs: Any
) -> QuerySet[Application]:
    qs = applications_for(_readable(request)).select_related("item")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.item:
        qs = qs.filter(item__code=filters.item)
    if filters.handler:
        qs = qs.filter(handler_code=filters.handler)
    if filters.department:
        qs = qs.filter(handler_department=filters.department)
    if filters.submitted_from:
        qs = qs.filter(submitted_at__gte=_start_of(filters.submitted_from))
    if filters.submitted_to:
        qs = qs.filter(submitted_at__lt=_start_of(filters.submitted_to + timedelta(days=1)))
    return qs


@router.get("/{application_id}", response=ApplicationDetailOut, summary="办件详情与办理进度")
def application_detail(request: HttpRequest, application_id: Id) -> Application:
    j = _readable(request)
    return _with_detail(j, application_for(j, application_id))


@router.post(
    "",
    response={200: ApplicationDetailOut, 201: ApplicationDetailOut},
    summary="提交申请（需 Idempotency-Key 请求头；同一标识重复提交返回原办件）",
)
def application_submit(
    request: HttpRequest,
    payload: SubmitIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Status:
    j = _scope(request)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ApiError(
            400,
            "idempotency_key_required",
            _("请在 Idempotency-Key 请求头中提供本次提交的唯一标识（1–64 个字符）。"),
            {"Idempotency-Key": [_("此项为必填项。")]},
        )
    if not (j.has_perm(APPLY) or j.has_perm(INTAKE)):
        require_perm(j, APPLY)
    earlier = (
        Application.objects.within(j).filter(created_by=request.user, idempotency_key=key).first()
    )
    if earlier is not None:
        return Status(200, _with_detail(j, application_for(j, earlier.pk)))
    item = ServiceItem.objects.filter(code=payload.item, active=True).first()
    if item is None:
        raise ValidationError({"item": _("没有这个事项编码。")})
    applicant = (
        persons_visible(j)
        .select_related("region", "household")
        .filter(pk=payload.applicant)
        .first()
    )
    if applicant is None:
        raise ValidationError({"applicant": _("没有这个人，或不在您可以代为申请的范围内。")})
    application = svc.application_submit(
        actor=request.user,
        jurisdiction=j,
        item=item,
        applicant=applicant,
        mode=payload.mode,
        idempotency_key=key,
        details=payload.details,
        authorised_on=payload.authorised_on,
        accompanied_at=payload.accompanied_at,
        accompanied_place=payload.accompanied_place,
        reuse=_reuse(payload.reuse),
    )
    return Status(201, _with_detail(j, application_for(j, application.pk)))


@router.post(
    "/{application_id}/actions/{action}",
    response=ApplicationDetailOut,
    summary="办理操作：accept, reject, return, resubmit, start, approve, refuse, deliver, "
    "close, withdraw",
)
def application_action(
    request: HttpRequest,
    application_id: Id,
    action: Annotated[str, Path(pattern=f"^({_ACTIONS})$")],
    payload: ActionIn,
) -> Application:
    j = _readable(request)
    application = application_for(j, application_id)  # 404 outside, 403 without the right
    try:
        svc.application_act(
            actor=request.user,
            jurisdiction=j,
            application=application,
            action=action,
            reason=payload.reason,
            expected_version=payload.expected_version,
            reuse=_reuse(payload.reuse),
        )
    except svc.ConcurrentEdit:
        raise _conflict() from None
    return _with_detail(j, application_for(j, application_id))
