"""/api/v1/selfgov/elections/: elections, their rolls (ID numbers masked), the timetable,
objections, proxies and results — the same selectors and services as the pages.

Reading needs selfgov.view in the jurisdiction; writes need selfgov.elections. A refusal by a
rule answers 400 with the rule's message on the field; a stale `expected_version` 409.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models.elections import (
    Candidate,
    Election,
    ElectionResult,
    Proxy,
    RollObjection,
    VoterRollEntry,
)
from cunshe.selfgov.selectors import elections as sel
from cunshe.selfgov.services import elections as svc

router = Router(tags=["selfgov"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _scope(request: HttpRequest) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), sel.VIEW)


def _writer(request: HttpRequest) -> Jurisdiction:
    return require_perm(_scope(request), svc.ELECTIONS)


def _conflict() -> ApiError:
    return ApiError(409, "conflict", _("已被他人修改，请刷新后重试。"), {"expected_version": []})


class ElectionOut(Schema):
    id: int
    title: str
    region_code: str
    vote_on: date
    seats: int
    status: str
    version: int
    roll_generated_at: datetime | None
    roll_published_on: date | None


class TimetableOut(Schema):
    latest_publication: date
    published_on: date | None
    objection_deadline: date | None
    days_left: int


class ElectionDetailOut(ElectionOut):
    timetable: TimetableOut
    voters: int
    by_category: dict[str, int]
    removed: int


class EntryOut(Schema):
    id: int
    person_id: int
    name: str
    sex: str
    age_on_vote_day: int
    id_number_masked: str
    category: str
    removed: bool
    removed_rule: str
    removed_reason: str
    manual: bool
    added_reason: str

    @staticmethod
    def resolve_name(e: VoterRollEntry) -> str:
        return e.person.name

    @staticmethod
    def resolve_sex(e: VoterRollEntry) -> str:
        return e.person.sex

    @staticmethod
    def resolve_age_on_vote_day(e: VoterRollEntry) -> int:
        return e.person.age_on(e.election.vote_on)

    @staticmethod
    def resolve_id_number_masked(e: VoterRollEntry) -> str:
        return mask_id_number(e.person.id_number)


class RollQuery(Schema):
    show: str = Field("current", pattern="^(current|removed|all)$")
    category: str = Field("", pattern="^(|a|b|c)$")


class GenerateOut(Schema):
    total: int
    added: int
    reinstated: int
    updated: int
    removed: int
    elsewhere: int
    by_category: dict[str, int]


class ElectionVersionIn(Schema):
    expected_version: int | None = None


class RollPublishIn(ElectionVersionIn):
    published_on: date | None = None


class CheckIn(Schema):
    id_number: str = Field(..., min_length=15, max_length=18)


class VerdictOut(Schema):
    eligible: bool
    category: str | None
    rule: str
    reason: str


class ObjectionIn(Schema):
    id_number: str = Field(..., min_length=15, max_length=18)
    wrongly_listed: bool = False
    text: str = Field(..., max_length=2000)
    filed_by_name: str = Field(..., max_length=60)
    filed_on: date | None = None


class ObjectionOut(Schema):
    id: int
    subject_name: str
    wrongly_listed: bool
    text: str
    filed_on: date
    filed_by_name: str
    answer: str
    answered_on: date | None
    upheld: bool | None

    @staticmethod
    def resolve_subject_name(o: RollObjection) -> str:
        return o.subject.name if o.subject_id else ""

    @staticmethod
    def resolve_wrongly_listed(o: RollObjection) -> bool:
        return o.entry_id is not None


class ObjectionAnswerIn(Schema):
    answer: str = Field(..., max_length=2000)
    upheld: bool


class ProxyIn(Schema):
    principal_id_number: str = Field(..., min_length=15, max_length=18)
    holder_id_number: str = Field(..., min_length=15, max_length=18)
    written_on: date


class ProxyOut(Schema):
    id: int
    principal_name: str
    holder_name: str
    relation: str
    written_on: date

    @staticmethod
    def resolve_principal_name(p: Proxy) -> str:
        return p.principal.person.name

    @staticmethod
    def resolve_holder_name(p: Proxy) -> str:
        return p.holder.person.name


class ElectionCandidateOut(Schema):
    id: int
    name: str
    position: str
    round: int
    votes: int | None
    elected: bool

    @staticmethod
    def resolve_name(c: Candidate) -> str:
        return c.person.name


class ElectionResultOut(Schema):
    round: int
    registered: int
    ballots_cast: int
    invalid_ballots: int
    valid: bool


class ResultsOut(Schema):
    results: list[ElectionResultOut]
    candidates: list[ElectionCandidateOut]


class ResultIn(Schema):
    round: int = Field(1, ge=1, le=9)
    ballots_cast: int = Field(..., ge=0)
    invalid_ballots: int = Field(0, ge=0)
    votes: dict[int, int]


def _detail(e: Election) -> dict[str, Any]:
    s = sel.summary(e)
    tt = sel.timetable(e)
    return {
        **{k: getattr(e, k) for k in ElectionOut.model_fields},
        "timetable": tt.__dict__,
        "voters": s["total"],
        "by_category": s["counts"],
        "removed": s["removed"],
    }


@router.get("", response=list[ElectionOut], summary="选举列表")
@paginate(CursorPagination, ordering="-id")
def election_list(request: HttpRequest, **kwargs: Any) -> QuerySet:
    return sel.elections_for(_scope(request))


@router.get("/{election_id}", response=ElectionDetailOut, summary="选举详情（时间安排、名单人数）")
def election_detail(request: HttpRequest, election_id: Id) -> dict[str, Any]:
    return _detail(sel.election_for(_scope(request), election_id))


@router.get("/{election_id}/roll", response=list[EntryOut], summary="选民名单（身份证号已遮蔽）")
@paginate(CursorPagination, ordering="id")
def election_roll(
    request: HttpRequest, election_id: Id, filters: Query[RollQuery], **kwargs: Any
) -> QuerySet:
    e = sel.election_for(_scope(request), election_id)
    return (
        VoterRollEntry.objects.filter(election=e)
        .filter(**({"removed": filters.show == "removed"} if filters.show != "all" else {}))
        .filter(**({"category": filters.category} if filters.category else {}))
        .select_related("person", "election")
    )


@router.post("/{election_id}/roll/generate", response=GenerateOut, summary="按户籍登记生成选民名单")
def roll_generate(
    request: HttpRequest, election_id: Id, payload: ElectionVersionIn
) -> dict[str, Any]:
    j = _writer(request)
    e = sel.election_for(j, election_id)
    try:
        s = svc.roll_generate(
            actor=request.user,
            jurisdiction=j,
            election=e,
            expected_version=payload.expected_version,
        )
    except ConcurrentEdit:
        raise _conflict() from None
    return s.__dict__


@router.post("/{election_id}/roll/publish", response=ElectionDetailOut, summary="公布选民名单")
def roll_publish(request: HttpRequest, election_id: Id, payload: RollPublishIn) -> dict[str, Any]:
    j = _writer(request)
    e = sel.election_for(j, election_id)
    try:
        svc.roll_publish(
            actor=request.user,
            jurisdiction=j,
            election=e,
            on=payload.published_on,
            expected_version=payload.expected_version,
        )
    except ConcurrentEdit:
        raise _conflict() from None
    return _detail(sel.election_for(j, election_id))


@router.post("/{election_id}/check", response=VerdictOut, summary="某人是否符合选民资格及理由")
def roll_check(request: HttpRequest, election_id: Id, payload: CheckIn) -> dict[str, Any]:
    j = _scope(request)
    e = sel.election_for(j, election_id)
    person = sel.person_by_id_number(j, payload.id_number, e.region_code)
    if person is None:
        raise ApiError(404, "not_found", _("本村户籍登记中没有这个身份证号。"))
    v = svc.judge_person(e, person)
    return {"eligible": v.eligible, "category": v.category, "rule": v.rule, "reason": v.reason}


@router.get("/{election_id}/objections", response=list[ObjectionOut], summary="异议")
def objection_list(request: HttpRequest, election_id: Id) -> list[RollObjection]:
    e = sel.election_for(_scope(request), election_id)
    return [row["o"] for row in sel.objections(e)]


@router.post("/{election_id}/objections", response={201: ObjectionOut}, summary="登记异议")
def objection_file(request: HttpRequest, election_id: Id, payload: ObjectionIn):  # type: ignore[no-untyped-def]
    j = _writer(request)
    e = sel.election_for(j, election_id)
    person = sel.person_by_id_number(j, payload.id_number, e.region_code)
    if person is None:
        raise ApiError(400, "invalid", _("本村户籍登记中没有这个身份证号。"), {"id_number": []})
    entry = None
    if payload.wrongly_listed:
        entry = VoterRollEntry.objects.filter(election=e, person=person).first()
        if entry is None:
            raise ApiError(400, "invalid", _("此人不在本次选举的选民名单上。"), {"id_number": []})
    o = svc.objection_file(
        actor=request.user,
        jurisdiction=j,
        election=e,
        text=payload.text,
        filed_by_name=payload.filed_by_name,
        filed_on=payload.filed_on,
        entry=entry,
        subject=None if entry else person,
    )
    return 201, o


@router.post(
    "/{election_id}/objections/{objection_id}/answer", response=ObjectionOut, summary="答复异议"
)
def objection_answer(
    request: HttpRequest, election_id: Id, objection_id: Id, payload: ObjectionAnswerIn
) -> RollObjection:
    j = _writer(request)
    e = sel.election_for(j, election_id)
    return svc.objection_answer(
        actor=request.user,
        jurisdiction=j,
        objection=sel.objection_for(e, objection_id),
        answer=payload.answer,
        upheld=payload.upheld,
    )


@router.get("/{election_id}/proxies", response=list[ProxyOut], summary="委托投票名单")
def proxy_list(request: HttpRequest, election_id: Id) -> QuerySet:
    return sel.proxies(sel.election_for(_scope(request), election_id))


@router.post("/{election_id}/proxies", response={201: ProxyOut}, summary="登记委托投票")
def proxy_record(request: HttpRequest, election_id: Id, payload: ProxyIn):  # type: ignore[no-untyped-def]
    j = _writer(request)
    e = sel.election_for(j, election_id)
    principal = sel.entry_by_id_number(j, e, payload.principal_id_number)
    holder = sel.entry_by_id_number(j, e, payload.holder_id_number)
    missing = {
        k: [_("此人不在本次选举的选民名单上。")]
        for k, v in (("principal_id_number", principal), ("holder_id_number", holder))
        if v is None
    }
    if missing:
        raise ApiError(400, "invalid", _("此人不在本次选举的选民名单上。"), missing)
    p = svc.proxy_record(
        actor=request.user,
        jurisdiction=j,
        election=e,
        principal=principal,
        holder=holder,
        written_on=payload.written_on,
    )
    return 201, p


@router.get("/{election_id}/results", response=ResultsOut, summary="候选人与选举结果")
def result_list(request: HttpRequest, election_id: Id) -> dict[str, Any]:
    e = sel.election_for(_scope(request), election_id)
    return {"results": list(sel.results(e)), "candidates": list(sel.candidates(e))}


@router.post(
    "/{election_id}/results", response={201: ElectionResultOut}, summary="录入一轮计票结果"
)
def result_record(request: HttpRequest, election_id: Id, payload: ResultIn):  # type: ignore[no-untyped-def]
    j = _writer(request)
    e = sel.election_for(j, election_id)
    r: ElectionResult = svc.result_record(
        actor=request.user,
        jurisdiction=j,
        election=e,
        ballots_cast=payload.ballots_cast,
        invalid_ballots=payload.invalid_ballots,
        votes=payload.votes,
        round=payload.round,
    )
    return 201, r
