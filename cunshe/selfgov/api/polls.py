"""/api/v1/selfgov/polls/: polls over JSON with the same rules as the pages — create, open,
vote (a villager online; a clerk at the hall or by proxy), close, results (409 until closed).

Refusals answer 400 with the message; a stale `expected_version` answers 409.
No `from __future__ import annotations` here: Ninja must see the types.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models import Poll, PollOption
from cunshe.selfgov.selectors import bodies as body_sel
from cunshe.selfgov.selectors import polls as sel
from cunshe.selfgov.services import polls as svc

router = Router(tags=["selfgov"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _scope(request: HttpRequest, perm: str | None = sel.VIEW) -> Jurisdiction:
    j = request_jurisdiction(request)
    return require_perm(j, perm) if perm else j


def _conflict() -> ApiError:
    return ApiError(
        409, "conflict", "调查已被他人修改，请重新读取后再操作。", {"expected_version": []}
    )


def _poll(j: Jurisdiction, pk: int, need: str = sel.VIEW) -> Poll:
    """Staff read it with selfgov.view; a villager of the village with selfgov.participate."""
    if need == sel.VIEW and not j.has_perm(sel.VIEW) and j.has_perm(sel.PARTICIPATE):
        return sel.get_villager_poll(j, pk)
    return sel.get_poll_for(j, pk, need=need)


class OptionOut(Schema):
    id: int
    order: int
    text: str


class PollOut(Schema):
    id: int
    region_code: str
    question: str
    description: str
    opens_at: datetime
    closes_at: datetime
    secret: bool
    per_household: bool
    status: str
    eligible_persons: int | None
    eligible_households: int | None
    version: int
    options: list[OptionOut]

    @staticmethod
    def resolve_options(p: Poll) -> Any:
        return sel.options_of(p)


class PollIn(Schema):
    region_code: str = Field(min_length=12, max_length=15, pattern=r"^\d+$")
    question: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=4000)
    options: list[str] = Field(min_length=2, max_length=10)
    opens_at: datetime
    closes_at: datetime
    secret: bool = True
    per_household: bool = False


class PollVersionIn(Schema):
    expected_version: int | None = Field(None, ge=1)


class VoteIn(Schema):
    option_id: int = Field(ge=1, le=2**63 - 1)
    origin: Literal["online", "hall", "proxy"] = "online"
    person_id: int | None = Field(None, ge=1, le=2**63 - 1)
    proxy_holder_id: int | None = Field(None, ge=1, le=2**63 - 1)


class VoteOut(Schema):
    poll_id: int
    person_id: int
    origin: str
    voted_at: datetime


class CountOut(Schema):
    option_id: int
    text: str
    votes: int


class PollResultOut(Schema):
    poll_id: int
    votes_cast: int
    eligible: int
    per_household: bool
    turnout_percent: int
    counts: list[CountOut]


@router.get("", response=list[PollOut], summary="调查列表")
@paginate(CursorPagination, ordering="-opens_at")
def poll_list(request: HttpRequest, **kwargs: Any) -> Any:
    j = _scope(request, None)
    if not j.has_perm(sel.VIEW) and j.has_perm(sel.PARTICIPATE):
        return sel.villager_polls(j).prefetch_related("options")
    return sel.polls_for(require_perm(j, sel.VIEW))


@router.post("", response={201: PollOut}, summary="发起调查")
def poll_create(request: HttpRequest, payload: PollIn) -> Any:
    j = _scope(request, sel.MANAGE)
    region = body_sel.villages_for(j).filter(code=payload.region_code).first()
    if region is None:
        raise ApiError(404, "not_found", "没有找到该村（组），或您无权管理。")
    poll = svc.poll_create(
        actor=request.user, jurisdiction=j, region=region, **payload.dict(exclude={"region_code"})
    )
    return Status(201, poll)


@router.get("/{poll_id}", response=PollOut, summary="调查详情")
def poll_detail(request: HttpRequest, poll_id: Id) -> Any:
    j = _scope(request, None)
    return _poll(j, poll_id)


def _versioned(request: HttpRequest, poll_id: int, service: Any, payload: PollVersionIn) -> Poll:
    j = _scope(request, None)
    poll = _poll(j, poll_id, need=sel.MANAGE)
    try:
        service(
            actor=request.user, jurisdiction=j, poll=poll, expected_version=payload.expected_version
        )
    except ConcurrentEdit:
        raise _conflict() from None
    return _poll(j, poll_id)


@router.post("/{poll_id}/open", response=PollOut, summary="开始投票（确定投票人名单）")
def poll_open(request: HttpRequest, poll_id: Id, payload: PollVersionIn) -> Any:
    return _versioned(request, poll_id, svc.poll_open, payload)


@router.post("/{poll_id}/close", response=PollOut, summary="结束投票并计票")
def poll_close(request: HttpRequest, poll_id: Id, payload: PollVersionIn) -> Any:
    return _versioned(request, poll_id, svc.poll_close, payload)


@router.post("/{poll_id}/votes", response={201: VoteOut}, summary="投票")
def poll_vote(request: HttpRequest, poll_id: Id, payload: VoteIn) -> Any:
    j = _scope(request, None)
    if payload.origin == "online":
        poll = sel.get_villager_poll(j, poll_id)
        person = holder = None
    else:
        poll = sel.get_poll_for(j, poll_id, need=sel.MANAGE)
        village = poll.region_code[:12]
        person = payload.person_id and body_sel.person_in(j, village, payload.person_id)
        holder = payload.proxy_holder_id and body_sel.person_in(j, village, payload.proxy_holder_id)
        if payload.person_id and person is None:
            raise ApiError(404, "not_found", "没有找到这个人。")
        if payload.proxy_holder_id and holder is None:
            raise ApiError(404, "not_found", "没有找到受托人。")
    option = PollOption.objects.filter(pk=payload.option_id, poll=poll).first()
    if option is None:
        raise ApiError(400, "invalid", "请选择本次调查的一个选项。", {"option_id": []})
    row = svc.vote_cast(
        actor=request.user,
        jurisdiction=j,
        poll=poll,
        option=option,
        person=person or None,
        origin=payload.origin,
        proxy_holder=holder or None,
    )
    return Status(
        201,
        {
            "poll_id": poll.pk,
            "person_id": row.person_id,
            "origin": row.origin,
            "voted_at": row.voted_at,
        },
    )


@router.get("/{poll_id}/results", response=PollResultOut, summary="投票结果（结束后公布）")
def poll_results(request: HttpRequest, poll_id: Id) -> Any:
    j = _scope(request, None)
    poll = _poll(j, poll_id)
    result = sel.results_of(poll)
    if result is None:
        raise ApiError(409, "not_closed", "投票结束后才公布结果。", {})
    return {
        "poll_id": poll.pk,
        "votes_cast": result.votes_cast,
        "eligible": result.eligible,
        "per_household": result.per_household,
        "turnout_percent": result.turnout_percent,
        "counts": [{"option_id": o.pk, "text": o.text, "votes": o.votes} for o in result.options],
    }
