"""API of the activities part under /api/v1/volunteering/activities/: activities and shifts
(list, detail), sign-up and withdrawal, check-in/out by the QR token, hours (list, confirm,
approve, reject, correction). The same services and rules as the pages; refusals answer 400
with the message, outside the jurisdiction 404, inside without the permission 403.
No `from __future__ import annotations` here: Ninja must see the types.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.volunteering.models import Activity, HoursEntry, Shift, Signup, Volunteer
from cunshe.volunteering.selectors import activities as sel
from cunshe.volunteering.selectors import hours as hsel
from cunshe.volunteering.services import hours as hsvc
from cunshe.volunteering.services import shifts as ssvc

router = Router(tags=["volunteering"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _scope(request: HttpRequest, perm: str | None = sel.VIEW) -> Jurisdiction:
    j = request_jurisdiction(request)
    return require_perm(j, perm) if perm else j


class VolShiftOut(Schema):
    id: int
    activity_id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    taken: int
    required_skills: list[str]
    cancelled: bool

    @staticmethod
    def resolve_cancelled(s: Shift) -> bool:
        return s.cancelled_at is not None

    @staticmethod
    def resolve_taken(s: Shift) -> int:
        return getattr(s, "taken", 0)


class VolActivityOut(Schema):
    id: int
    project_id: int
    project: str
    region_code: str
    title: str
    description: str
    place: str
    status: str
    public: bool
    organiser_id: int
    version: int

    @staticmethod
    def resolve_project(a: Activity) -> str:
        return a.project.name


class VolActivityDetailOut(VolActivityOut):
    shifts: list[VolShiftOut]

    @staticmethod
    def resolve_shifts(a: Activity) -> Any:
        return sel.shifts_of(a)


class VolSignupOut(Schema):
    id: int
    shift_id: int
    volunteer_id: int
    volunteer: str
    starts_at: datetime
    ends_at: datetime
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    checkin_method: str
    checkout_method: str

    @staticmethod
    def resolve_volunteer(s: Signup) -> str:
        return s.volunteer.name


class VolShiftDetailOut(VolShiftOut):
    roster: list[VolSignupOut]

    @staticmethod
    def resolve_roster(s: Shift) -> Any:
        return sel.roster_of(s)


class VolSignupIn(Schema):
    volunteer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    # A clerk signing up a volunteer who lacks a required skill gives the reason here.
    skills_override_reason: str = Field("", max_length=300)


class VolCheckinIn(Schema):
    action: Literal["in", "out"]


class VolHoursOut(Schema):
    id: int
    volunteer_id: int
    volunteer: str
    region_code: str
    kind: str
    service_date: date
    minutes: int
    raw_minutes: int | None
    status: str
    activity_id: int | None
    signup_id: int | None
    corrects_id: int | None
    reason: str
    confirmed_by_id: int | None
    decided_by_id: int | None
    decision_note: str

    @staticmethod
    def resolve_volunteer(h: HoursEntry) -> str:
        return h.volunteer.name


class VolRejectIn(Schema):
    note: str = Field(min_length=1, max_length=300)


class VolCorrectionIn(Schema):
    minutes: int = Field(ge=-1440, le=1440)
    reason: str = Field(min_length=1, max_length=300)


@router.get("", response=list[VolActivityOut], summary="志愿服务活动列表")
@paginate(CursorPagination, ordering="-created_at")
def activity_list(request: HttpRequest, status: str = "", **kwargs: Any) -> Any:
    j = _scope(request, None)
    if not j.has_perm(sel.VIEW) and j.has_perm(sel.PARTICIPATE):
        return (
            Activity.objects.within(j)
            .filter(status=Activity.Status.OPEN, public=True)
            .select_related("project")
        )
    return sel.activities_for(require_perm(j, sel.VIEW), status=status)


def _activity(j: Jurisdiction, pk: int) -> Activity:
    if not j.has_perm(sel.VIEW) and j.has_perm(sel.PARTICIPATE):
        activity = sel.get_activity_for(j, pk, need=sel.PARTICIPATE)
        if activity.status != Activity.Status.OPEN or not activity.public:
            raise ApiError(404, "not_found", "没有找到该活动。")
        return activity
    return sel.get_activity_for(j, pk)


@router.get("/{activity_id}", response=VolActivityDetailOut, summary="活动详情（含班次）")
def activity_detail(request: HttpRequest, activity_id: Id) -> Any:
    return _activity(_scope(request, None), activity_id)


@router.get("/shifts/{shift_id}", response=VolShiftDetailOut, summary="班次详情（含名单）")
def shift_detail(request: HttpRequest, shift_id: Id) -> Any:
    return sel.get_shift_for(_scope(request, None), shift_id)


@router.post("/shifts/{shift_id}/signups", response={201: VolSignupOut}, summary="报名班次")
def signup_create(request: HttpRequest, shift_id: Id, payload: VolSignupIn) -> Any:
    j = _scope(request, None)
    if payload.volunteer_id is None:
        shift = sel.get_shift_for(j, shift_id, need=sel.PARTICIPATE)
        volunteer = None
    else:
        shift = sel.get_shift_for(j, shift_id, need=sel.MANAGE)
        volunteer = Volunteer.objects.within(j).filter(pk=payload.volunteer_id).first()
        if volunteer is None:
            raise ApiError(404, "not_found", "没有找到该志愿者。")
    signup = ssvc.signup_create(
        actor=request.user,
        jurisdiction=j,
        shift=shift,
        volunteer=volunteer,
        skills_override_reason=payload.skills_override_reason,
    )
    return Status(201, Signup._base_manager.select_related("volunteer").get(pk=signup.pk))


@router.post("/signups/{signup_id}/withdraw", response=VolSignupOut, summary="退出报名")
def signup_withdraw(request: HttpRequest, signup_id: Id) -> Any:
    j = _scope(request, None)
    need = sel.MANAGE if j.has_perm(sel.MANAGE) else sel.PARTICIPATE
    signup = sel.get_signup_for(j, signup_id, need=need)
    if need == sel.PARTICIPATE:
        own = ssvc.volunteer_of(request.user)
        if own is None or own.pk != signup.volunteer_id:
            raise ApiError(404, "not_found", "没有找到该报名。")
    ssvc.signup_withdraw(actor=request.user, jurisdiction=j, signup=signup)
    return Signup._base_manager.select_related("volunteer").get(pk=signup.pk)


@router.post("/checkin/{token}", response=VolSignupOut, summary="扫码签到/签退")
def checkin(request: HttpRequest, token: str, payload: VolCheckinIn) -> Any:
    j = _scope(request, None)
    shift = ssvc.shift_by_token(token)
    if shift is None or not j.covers(shift.region_code):
        raise ApiError(404, "not_found", "没有找到该班次。")
    require_perm(j, sel.PARTICIPATE)
    service = ssvc.signup_check_in if payload.action == "in" else ssvc.signup_check_out
    signup = service(actor=request.user, jurisdiction=j, shift=shift)
    return Signup._base_manager.select_related("volunteer").get(pk=signup.pk)


@router.get("/hours/", response=list[VolHoursOut], summary="服务时长记录")
@paginate(CursorPagination, ordering="-id")
def hours_list(request: HttpRequest, status: str = "", **kwargs: Any) -> Any:
    j = _scope(request, None)
    if not j.has_perm(sel.VIEW) and j.has_perm(sel.PARTICIPATE):
        own = ssvc.volunteer_of(request.user)
        return HoursEntry._base_manager.filter(volunteer=own).select_related("volunteer")
    return hsel.hours_for(require_perm(j, sel.VIEW), status=status)


@router.get("/hours/{entry_id}", response=VolHoursOut, summary="一条服务时长记录")
def hours_detail(request: HttpRequest, entry_id: Id) -> Any:
    return hsel.get_hours_for(_scope(request), entry_id)


@router.post("/hours/{entry_id}/confirm", response=VolHoursOut, summary="组织者确认时长")
def hours_confirm(request: HttpRequest, entry_id: Id) -> Any:
    j = _scope(request)
    entry = hsel.get_hours_for(j, entry_id)
    return hsvc.hours_confirm(actor=request.user, jurisdiction=j, entry=entry)


@router.post("/hours/{entry_id}/approve", response=VolHoursOut, summary="审核通过时长")
def hours_approve(request: HttpRequest, entry_id: Id) -> Any:
    j = _scope(request)
    entry = hsel.get_hours_for(j, entry_id, need=sel.APPROVE)
    return hsvc.hours_approve(actor=request.user, jurisdiction=j, entry=entry)


@router.post("/hours/{entry_id}/reject", response=VolHoursOut, summary="退回时长")
def hours_reject(request: HttpRequest, entry_id: Id, payload: VolRejectIn) -> Any:
    j = _scope(request)
    entry = hsel.get_hours_for(j, entry_id, need=sel.APPROVE)
    return hsvc.hours_reject(actor=request.user, jurisdiction=j, entry=entry, note=payload.note)


@router.post(
    "/hours/{entry_id}/corrections", response={201: VolHoursOut}, summary="更正时长（新增记录）"
)
def hours_correct(request: HttpRequest, entry_id: Id, payload: VolCorrectionIn) -> Any:
    j = _scope(request)
    entry = hsel.get_hours_for(j, entry_id, need=sel.MANAGE)
    row = hsvc.hours_correct(
        actor=request.user, jurisdiction=j, entry=entry, minutes=payload.minutes,
        reason=payload.reason,
    )  # fmt: skip
    return Status(201, row)
