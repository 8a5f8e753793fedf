"""API of the needs part under /api/v1/volunteering/needs/ (docs/volunteering/needs.md):
needs list/detail/create (clerk) and request (villager), proposals, close/cancel, conversion
from a care need, match confirm/withdraw (clerk) and accept/decline (the volunteer), the
volunteer's own invitations, and the batch run. Refusals answer 400 with the message, a stale
`expected_version` 409; outside the jurisdiction 404, inside without the permission 403.
No `from __future__ import annotations` here: Ninja must see the types.
"""

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.masking import mask_name
from cunshe.regions.models import Region
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.matching.score import reasons
from cunshe.volunteering.models import Match, Need
from cunshe.volunteering.selectors import needs as sel
from cunshe.volunteering.services import matching as batch_svc
from cunshe.volunteering.services import needs as svc

router = Router(tags=["volunteering"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _conflict() -> ApiError:
    return ApiError(
        409, "conflict", "需求已被他人修改，请重新读取后再操作。", {"expected_version": []}
    )


class VolMatchOut(Schema):
    id: int
    need_id: int
    volunteer_id: int
    volunteer_name: str
    score: int = Field(..., description="0–100000 (千分之一分)")
    status: str
    batch: str
    starts_at: datetime
    ends_at: datetime
    explanation: dict[str, Any]
    reasons: dict[str, str] = Field(..., description="各部分得分理由（按请求语言）")
    decline_reason: str


def _match_out(request: HttpRequest, m: Match) -> dict[str, Any]:
    j = request_jurisdiction(request)
    name = m.volunteer.name
    return {
        "id": m.pk,
        "need_id": m.need_id,
        "volunteer_id": m.volunteer_id,
        "volunteer_name": name if j.has_perm("residents.unmask") else mask_name(name),
        "score": m.score,
        "status": m.status,
        "batch": m.batch,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "explanation": m.explanation or {},
        "reasons": dict(reasons(m.explanation or {})),
        "decline_reason": m.decline_reason,
    }


class VolNeedOut(Schema):
    id: int
    region_code: str
    title: str
    description: str
    category: str
    skills: list[str]
    place: str
    starts_at: datetime
    ends_at: datetime
    volunteers_needed: int
    source: str
    status: str
    care_need_id: int | None
    outcome: str
    version: int


class VolNeedDetailOut(VolNeedOut):
    matches: list[VolMatchOut]


class VolNeedIn(Schema):
    region_code: str = Field(min_length=12, max_length=15, pattern=r"^\d+$")
    title: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    category: str = Field(max_length=16)
    skills: list[str] = Field(default_factory=list, max_length=16)
    place: str = Field("", max_length=200)
    starts_at: datetime
    ends_at: datetime
    volunteers_needed: int = Field(1, ge=1, le=50)
    recipient_id: int | None = Field(None, ge=1, le=2**63 - 1)


class VolNeedRequestIn(Schema):
    recipient_id: int = Field(ge=1, le=2**63 - 1)
    title: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    category: str = Field(max_length=16)
    skills: list[str] = Field(default_factory=list, max_length=16)
    place: str = Field("", max_length=200)
    starts_at: datetime
    ends_at: datetime


class VolOutcomeIn(Schema):
    text: str = Field(min_length=1, max_length=300)
    expected_version: int | None = Field(None, ge=1)


class VolDeclineIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class VolBatchIn(Schema):
    since: date
    until: date
    region_code: str = Field("", max_length=15, pattern=r"^\d*$")


class VolBatchOut(Schema):
    batch: str
    needs: int
    places: int
    volunteers: int
    proposed: int
    total: int
    greedy_total: int
    method: str


NeedStatusFilter = Literal["open", "matched", "done", "cancelled", "all"]


@router.get("", response=list[VolNeedOut], summary="志愿服务需求列表")
@paginate(CursorPagination, ordering="starts_at")
def need_list(request: HttpRequest, status: NeedStatusFilter = "open", **kwargs: Any) -> Any:
    # An unknown status is refused by the schema itself (422, documented), not by hand.
    j = require_perm(request_jurisdiction(request), svc.VIEW)
    return sel.needs_for(j, status)


@router.post("", response={201: VolNeedOut}, summary="发布需求")
def need_create(request: HttpRequest, payload: VolNeedIn) -> Any:
    j = require_perm(request_jurisdiction(request), svc.MANAGE)
    region = Region.objects.within(j).filter(code=payload.region_code).first()
    if region is None:
        raise ApiError(404, "not_found", "没有找到该村（组），或您无权管理。")
    recipient = None
    if payload.recipient_id:
        recipient = Person.objects.within(j).filter(pk=payload.recipient_id).first()
        if recipient is None:
            raise ApiError(404, "not_found", "没有找到该服务对象。")
    data = payload.dict(exclude={"region_code", "recipient_id"})
    need = svc.need_create(
        actor=request.user, jurisdiction=j, region=region, recipient=recipient, **data
    )
    return Status(201, need)


@router.post("/requests", response={201: VolNeedOut}, summary="村民为本户成员申请服务")
def need_request(request: HttpRequest, payload: VolNeedRequestIn) -> Any:
    j = require_perm(request_jurisdiction(request), svc.PARTICIPATE)
    person = (
        Person.objects.within(j).filter(pk=payload.recipient_id).select_related("region").first()
    )
    if person is None:
        raise ApiError(404, "not_found", "没有找到该服务对象。")
    need = svc.need_request(
        actor=request.user,
        jurisdiction=j,
        recipient=person,
        **payload.dict(exclude={"recipient_id"}),
    )
    return Status(201, need)


@router.get("/matches/mine", response=list[VolMatchOut], summary="我的服务邀请")
def my_matches(request: HttpRequest) -> Any:
    j = require_perm(request_jurisdiction(request), svc.PARTICIPATE)
    me = svc.own_volunteer(j)
    rows = sel.my_matches(me.pk) if me else []
    return [
        _match_out(request, m)
        for m in Match._base_manager.filter(pk__in=[m.pk for m in rows])
        .select_related("volunteer")
        .order_by("-id")
    ]


@router.post("/batch", response=VolBatchOut, summary="批量匹配")
def batch_run(request: HttpRequest, payload: VolBatchIn) -> Any:
    j = require_perm(request_jurisdiction(request), svc.MANAGE)
    tz = timezone.get_current_timezone()
    return batch_svc.batch_run(
        actor=request.user,
        jurisdiction=j,
        since=datetime.combine(payload.since, time(0), tz),
        until=datetime.combine(payload.until, time(0), tz),
        region_code=payload.region_code,
    )


@router.post(
    "/from-care/{care_need_id}", response={201: VolNeedOut}, summary="关爱需求转为志愿服务需求"
)
def need_from_care(request: HttpRequest, care_need_id: Id) -> Any:
    from cunshe.care.selectors.needs import get_need_for as get_care_need

    j = require_perm(request_jurisdiction(request), svc.MANAGE)
    care = get_care_need(j, care_need_id)
    return Status(
        201, svc.volunteer_need_from_care(actor=request.user, jurisdiction=j, care_need=care)
    )


@router.get("/{need_id}", response=VolNeedDetailOut, summary="需求详情（含推荐）")
def need_detail(request: HttpRequest, need_id: Id) -> Any:
    j = request_jurisdiction(request)
    need = sel.get_need_for(j, need_id)
    out = VolNeedOut.from_orm(need).dict()
    out["matches"] = [_match_out(request, m) for m in sel.matches_of(need)]
    return out


@router.post("/{need_id}/propose", response=list[VolMatchOut], summary="推荐志愿者")
def need_propose(request: HttpRequest, need_id: Id) -> Any:
    j = request_jurisdiction(request)
    need = sel.get_need_for(j, need_id, need=svc.MANAGE)
    found = svc.need_propose(actor=request.user, jurisdiction=j, need=need)
    return [
        _match_out(request, m)
        for m in Match._base_manager.filter(pk__in=[m.pk for m in found])
        .select_related("volunteer")
        .order_by("-score", "id")
    ]


def _need_outcome(request: HttpRequest, need_id: int, payload: VolOutcomeIn, close: bool) -> Need:
    j = request_jurisdiction(request)
    need = sel.get_need_for(j, need_id, need=svc.MANAGE)
    try:
        if close:
            return svc.need_close(
                actor=request.user,
                jurisdiction=j,
                need=need,
                outcome=payload.text,
                expected_version=payload.expected_version,
            )
        return svc.need_cancel(
            actor=request.user,
            jurisdiction=j,
            need=need,
            reason=payload.text,
            expected_version=payload.expected_version,
        )
    except ConcurrentEdit as exc:
        raise _conflict() from exc


@router.post("/{need_id}/close", response=VolNeedOut, summary="完成需求")
def need_close(request: HttpRequest, need_id: Id, payload: VolOutcomeIn) -> Any:
    return _need_outcome(request, need_id, payload, close=True)


@router.post("/{need_id}/cancel", response=VolNeedOut, summary="取消需求")
def need_cancel(request: HttpRequest, need_id: Id, payload: VolOutcomeIn) -> Any:
    return _need_outcome(request, need_id, payload, close=False)


@router.post("/matches/{match_id}/confirm", response=VolMatchOut, summary="派单")
def match_confirm(request: HttpRequest, match_id: Id) -> Any:
    j = request_jurisdiction(request)
    m = sel.get_match_for(j, match_id, need=svc.MANAGE)
    return _match_out(request, svc.match_confirm(actor=request.user, jurisdiction=j, match=m))


@router.post("/matches/{match_id}/withdraw", response=VolMatchOut, summary="撤回派单")
def match_withdraw(request: HttpRequest, match_id: Id) -> Any:
    j = request_jurisdiction(request)
    m = sel.get_match_for(j, match_id, need=svc.MANAGE)
    return _match_out(request, svc.match_withdraw(actor=request.user, jurisdiction=j, match=m))


def _own(request: HttpRequest, match_id: int) -> tuple[Any, Match]:
    j = require_perm(request_jurisdiction(request), svc.PARTICIPATE)
    me = svc.own_volunteer(j)
    m = Match._base_manager.filter(pk=match_id, volunteer=me).first() if me else None
    if m is None:
        raise ApiError(404, "not_found", "没有找到该邀请。")
    return j, m


@router.post("/matches/{match_id}/accept", response=VolMatchOut, summary="接受邀请")
def match_accept(request: HttpRequest, match_id: Id) -> Any:
    j, m = _own(request, match_id)
    return _match_out(request, svc.match_accept(actor=request.user, jurisdiction=j, match=m))


@router.post("/matches/{match_id}/decline", response=VolMatchOut, summary="谢绝邀请")
def match_decline(request: HttpRequest, match_id: Id, payload: VolDeclineIn) -> Any:
    j, m = _own(request, match_id)
    return _match_out(
        request,
        svc.match_decline(actor=request.user, jurisdiction=j, match=m, reason=payload.reason),
    )
