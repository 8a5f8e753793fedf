"""/api/v1/selfgov/meetings/: meetings over JSON with the same rules as the pages — convene,
open, sign in, the live quorum, decisions per agenda item (counts or named votes), close.

Refusals answer 400 with the rule named (e.g. a decision without quorum); a stale
`expected_version` answers 409.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models import Attendance, Meeting, MeetingKind
from cunshe.selfgov.selectors import bodies as body_sel
from cunshe.selfgov.selectors import meetings as sel
from cunshe.selfgov.services import meetings as svc

router = Router(tags=["selfgov"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_KINDS = "|".join(MeetingKind.values)
_STATUSES = "|".join(Meeting.Status.values)


def _scope(request: HttpRequest, perm: str = sel.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


def _conflict() -> ApiError:
    return ApiError(
        409, "conflict", "会议已被他人修改，请重新读取后再操作。", {"expected_version": []}
    )


class MeasureOut(Schema):
    basis: str
    present: int
    base: int
    needed: int
    reached: bool
    rule: str


class QuorumOut(Schema):
    opened: bool
    reached: bool
    present: int
    households_present: int
    measures: list[MeasureOut]


class MeetingOut(Schema):
    id: int
    kind: str
    kind_label: str
    region_code: str
    body_id: int | None
    title: str
    requested_by: str
    notice_on: date
    scheduled_at: datetime
    place: str
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    base_adults: int | None
    base_households: int | None
    base_members: int | None
    version: int

    @staticmethod
    def resolve_kind_label(m: Meeting) -> str:
        return str(m.get_kind_display())


class DecisionOut(Schema):
    text: str
    present: int
    votes_for: int
    votes_against: int
    abstentions: int
    named: bool
    passed: bool


class AgendaItemOut(Schema):
    id: int
    order: int
    title: str
    decision: DecisionOut | None

    @staticmethod
    def resolve_decision(item: Any) -> Any:
        return getattr(item, "the_decision", None)


class AttendeeOut(Schema):
    id: int
    person_id: int
    name: str
    for_household: bool
    signed_in_at: datetime

    @staticmethod
    def resolve_name(a: Attendance) -> str:
        return a.person.name

    @staticmethod
    def resolve_for_household(a: Attendance) -> bool:
        return a.household_id is not None


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaItemOut]
    attendance: list[AttendeeOut]
    quorum: QuorumOut


class MeetingIn(Schema):
    region_code: str = Field(pattern=r"^\d{12}(\d{3})?$")
    kind: str = Field(pattern=f"^({_KINDS})$")
    body_id: int | None = Field(None, ge=1, le=2**63 - 1)
    title: str = Field(min_length=1, max_length=150)
    requested_by: str = Field(
        "committee", pattern="^(" + "|".join(Meeting.RequestedBy.values) + ")$"
    )
    notice_on: date
    scheduled_at: datetime
    place: str = Field(min_length=1, max_length=150)
    agenda: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=svc.MAX_ITEMS
    )


class MeetingVersionIn(Schema):
    expected_version: int | None = Field(None, ge=1)


class MeetingCloseIn(MeetingVersionIn):
    minutes_text: str = Field("", max_length=20000)


class SignInIn(Schema):
    person_id: int = Field(ge=1, le=2**63 - 1)
    for_household: bool = False


class DecisionIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    votes_for: int = Field(0, ge=0, le=10**6)
    votes_against: int = Field(0, ge=0, le=10**6)
    abstentions: int = Field(0, ge=0, le=10**6)
    named_votes: dict[int, Literal["for", "against", "abstain"]] | None = None


class MeetingQuery(Schema):
    status: str = Field("", pattern=f"^(|{_STATUSES})$")


def _quorum(meeting: Meeting) -> dict[str, Any]:
    counts = sel.counts_of(meeting)
    quorum = sel.quorum_of(meeting, counts)
    return {
        "opened": quorum is not None,
        "reached": bool(quorum and quorum.reached),
        "present": counts.present,
        "households_present": counts.households_present,
        "measures": [
            {
                "basis": m.basis,
                "present": m.present,
                "base": m.base,
                "needed": m.needed,
                "reached": m.reached,
                "rule": m.rule_name,
            }
            for m in (quorum.measures if quorum else ())
        ],
    }


def _detail(meeting: Meeting) -> Meeting:
    meeting.agenda_rows = sel.agenda_of(meeting)  # type: ignore[attr-defined]
    meeting.attendance_rows = sel.attendance_of(meeting)  # type: ignore[attr-defined]
    meeting.quorum_data = _quorum(meeting)  # type: ignore[attr-defined]
    return meeting


class _DetailOut(MeetingDetailOut):
    @staticmethod
    def resolve_agenda(m: Meeting) -> Any:
        return m.agenda_rows  # type: ignore[attr-defined]

    @staticmethod
    def resolve_attendance(m: Meeting) -> Any:
        return m.attendance_rows  # type: ignore[attr-defined]

    @staticmethod
    def resolve_quorum(m: Meeting) -> Any:
        return m.quorum_data  # type: ignore[attr-defined]


@router.get("", response=list[MeetingOut], summary="会议列表")
@paginate(CursorPagination, ordering="-scheduled_at")
def meeting_list(request: HttpRequest, filters: Query[MeetingQuery], **kwargs: Any) -> Any:
    return sel.meetings_for(_scope(request), status=filters.status)


@router.post("", response={201: _DetailOut}, summary="召集会议")
def meeting_convene(request: HttpRequest, payload: MeetingIn) -> Any:
    j = _scope(request, sel.MANAGE)
    region = body_sel.villages_for(j).filter(code=payload.region_code).first()
    if region is None:
        raise ApiError(404, "not_found", "没有找到该村（组），或您无权管理。")
    body = None
    if payload.body_id is not None:
        body = body_sel.get_body_for(j, payload.body_id)
    meeting = svc.meeting_convene(
        actor=request.user, jurisdiction=j, region=region, body=body,
        **payload.dict(exclude={"region_code", "body_id"}),
    )  # fmt: skip
    return Status(201, _detail(meeting))


@router.get("/{meeting_id}", response=_DetailOut, summary="会议详情（议题、签到、法定人数）")
def meeting_detail(request: HttpRequest, meeting_id: Id) -> Any:
    j = _scope(request)
    return _detail(sel.get_meeting_for(j, meeting_id))


@router.get("/{meeting_id}/quorum", response=QuorumOut, summary="实时法定人数")
def meeting_quorum(request: HttpRequest, meeting_id: Id) -> Any:
    j = _scope(request)
    return _quorum(sel.get_meeting_for(j, meeting_id))


@router.post("/{meeting_id}/open", response=_DetailOut, summary="开始会议（确定应到人数）")
def meeting_open(request: HttpRequest, meeting_id: Id, payload: MeetingVersionIn) -> Any:
    j = _scope(request)
    meeting = sel.get_meeting_for(j, meeting_id, need=sel.MANAGE)
    try:
        svc.meeting_open(actor=request.user, jurisdiction=j, meeting=meeting,
                         expected_version=payload.expected_version)  # fmt: skip
    except ConcurrentEdit:
        raise _conflict() from None
    return _detail(sel.get_meeting_for(j, meeting_id))


@router.post("/{meeting_id}/attendance", response={201: AttendeeOut}, summary="签到")
def meeting_sign_in(request: HttpRequest, meeting_id: Id, payload: SignInIn) -> Any:
    j = _scope(request)
    meeting = sel.get_meeting_for(j, meeting_id, need=sel.MANAGE)
    person = body_sel.person_in(j, meeting.region_code[:12], payload.person_id)
    if person is None:
        raise ApiError(404, "not_found", "没有找到这个人。")
    attendance = svc.attendee_sign_in(
        actor=request.user,
        jurisdiction=j,
        meeting=meeting,
        person=person,
        for_household=payload.for_household,
    )
    return Status(201, attendance)


@router.post("/{meeting_id}/items/{item_id}/decision", response={201: DecisionOut},
             summary="记录议题的表决结果")  # fmt: skip
def meeting_decision(request: HttpRequest, meeting_id: Id, item_id: Id, payload: DecisionIn) -> Any:
    j = _scope(request)
    item = sel.get_item_for(j, item_id, need=sel.MANAGE)
    if item.meeting_id != meeting_id:
        raise ApiError(404, "not_found", "没有找到该议题。")
    decision = svc.decision_record(actor=request.user, jurisdiction=j, item=item, **payload.dict())
    return Status(201, decision)


@router.post("/{meeting_id}/close", response=_DetailOut, summary="结束会议")
def meeting_close(request: HttpRequest, meeting_id: Id, payload: MeetingCloseIn) -> Any:
    j = _scope(request)
    meeting = sel.get_meeting_for(j, meeting_id, need=sel.MANAGE)
    try:
        svc.meeting_close(actor=request.user, jurisdiction=j, meeting=meeting, **payload.dict())
    except ConcurrentEdit:
        raise _conflict() from None
    return _detail(sel.get_meeting_for(j, meeting_id))
