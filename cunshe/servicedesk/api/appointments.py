"""/api/v1/servicedesk/appointments/: windows, free places, bookings.

Reads are scoped like the pages: a caller sees the windows of their subtree and of the units
above it, a villager only their household's bookings. A booking needs an `Idempotency-Key`
header: the same key from the same user books once (201 the first time, 200 with the same
booking after). A full slot answers 409 `slot_full` and changes nothing.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name
from cunshe.residents import selectors as register
from cunshe.servicedesk.api.applications import sees_names
from cunshe.servicedesk.models import Booking, ServiceItem, ServiceWindow, Slot
from cunshe.servicedesk.selectors import appointments as sel
from cunshe.servicedesk.services import appointments as svc

router = Router(tags=["servicedesk: appointments"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
BOOKERS = (sel.APPLY, sel.INTAKE)


# --- schemas ---------------------------------------------------------------------------------


class WindowOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    department: str
    region_code: str
    region_name: str
    address: str
    active: bool

    @staticmethod
    def resolve_kind_label(w: ServiceWindow) -> str:
        return str(w.get_kind_display())

    @staticmethod
    def resolve_region_name(w: ServiceWindow) -> str:
        return w.region.name


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    remaining: int
    bookable: bool = Field(..., description="可预约：未截止且有空余名额")


class BookingOut(Schema):
    id: int
    state: str
    state_label: str
    slot_id: int
    window_id: int
    window_name: str
    starts_at: datetime
    ends_at: datetime
    person_id: int
    person_name: str
    item_id: int | None
    replaces_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_state_label(b: Booking) -> str:
        return str(b.get_state_display())

    @staticmethod
    def resolve_window_id(b: Booking) -> int:
        return b.slot.window_id

    @staticmethod
    def resolve_window_name(b: Booking) -> str:
        return b.slot.window.name

    @staticmethod
    def resolve_starts_at(b: Booking) -> datetime:
        return b.slot.starts_at

    @staticmethod
    def resolve_ends_at(b: Booking) -> datetime:
        return b.slot.ends_at

    @staticmethod
    def resolve_person_name(b: Booking, context: dict[str, Any]) -> str:
        # Masked like the applications API for staff who may not unmask register data.
        request = (context or {}).get("request")
        if request is not None and sees_names(request):
            return b.person.name
        return mask_name(b.person.name)


class BookingIn(Schema):
    slot_id: int = Field(..., ge=1, le=2**63 - 1)
    person_id: int = Field(..., ge=1, le=2**63 - 1)
    item_id: int | None = Field(None, ge=1, le=2**63 - 1, description="要办的事项（可选）")


class RescheduleIn(Schema):
    slot_id: int = Field(..., ge=1, le=2**63 - 1)


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class SlotQuery(Schema):
    date: Date | None = Field(
        None, ge=Date(2000, 1, 1), le=Date(2099, 12, 31), description="哪一天（北京时间），默认今天"
    )


# --- helpers ---------------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


_API_FIELDS = {"slot": "slot_id", "person": "person_id", "item": "item_id"}


def _refused(exc: ValidationError) -> ApiError:
    """A service's refusal, with its first sentence as the message and the API's field names."""
    fields = {
        _API_FIELDS.get(name, name): [str(m) for m in msgs]
        for name, msgs in (
            exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
        )
    }
    message = next(iter(fields.values()))[0]
    if isinstance(exc, svc.SlotFull):
        return ApiError(409, "slot_full", message, fields)
    return ApiError(400, "invalid", message, fields)


def _slot_for(j: Jurisdiction, slot_id: int) -> Slot:
    slot = (
        Slot.objects.filter(pk=slot_id, window__in=sel.windows_for(j))
        .select_related("window")
        .first()
    )
    if slot is None:
        raise ValidationError({"slot_id": [_("没有这个时段。")]})
    return slot


def _booking_out(j: Jurisdiction, pk: int) -> Booking:
    return sel.bookings_for(j).select_related("slot__window", "person").get(pk=pk)


# --- windows and slots -----------------------------------------------------------------------


@router.get("/windows", response=list[WindowOut], summary="可预约的服务窗口")
@paginate(PagePagination)
def window_list(request: HttpRequest, **kwargs: Any) -> QuerySet:
    j = sel.require_any(_scope(request), sel.SEE_WINDOWS)
    return sel.windows_for(j).select_related("region").order_by("region_code", "name", "id")


@router.get("/windows/{window_id}/slots", response=list[SlotOut], summary="某天的时段与余量")
def window_slots(request: HttpRequest, window_id: Id, q: Query[SlotQuery]) -> list[dict]:
    j = _scope(request)
    window = sel.get_window_for(j, window_id, need=sel.SEE_WINDOWS)
    cutoff = sel.booking_cutoff()
    return [
        {
            "id": s.pk,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "capacity": s.capacity,
            "booked": s.booked,
            "remaining": s.remaining,
            "bookable": window.active and s.remaining > 0 and s.starts_at > cutoff,
        }
        for s in sel.slots_on(window, q.date or timezone.localdate())
    ]


# --- bookings --------------------------------------------------------------------------------


@router.get("/bookings", response=list[BookingOut], summary="预约列表（村民只见本户）")
@paginate(PagePagination)
def booking_list(request: HttpRequest, **kwargs: Any) -> QuerySet:
    j = sel.require_any(_scope(request), (*BOOKERS, sel.WINDOWS, sel.VIEW))
    return (
        sel.bookings_for(j)
        .select_related("slot__window", "person")
        .order_by("-slot__starts_at", "-id")
    )


@router.post(
    "/bookings", response={200: BookingOut, 201: BookingOut}, summary="预约（需 Idempotency-Key）"
)
def booking_create(
    request: HttpRequest,
    payload: BookingIn,
    idempotency_key: str = Header(
        ..., alias="Idempotency-Key", min_length=1, max_length=64, description="防重复提交标识"
    ),
) -> Status:
    j = sel.require_any(_scope(request), BOOKERS)
    person = register.persons_visible(j).filter(pk=payload.person_id).first()
    if person is None:
        raise Http404
    slot = _slot_for(j, payload.slot_id)
    item = None
    if payload.item_id is not None:
        item = ServiceItem.objects.filter(pk=payload.item_id, active=True).first()
        if item is None:
            raise ValidationError({"item_id": [_("没有这个事项。")]})
    try:
        booking = svc.booking_create(
            actor=request.user,
            jurisdiction=j,
            slot=slot,
            person=person,
            item=item,
            idempotency_key=idempotency_key,
        )
    except ValidationError as exc:
        raise _refused(exc) from None
    return Status(200 if booking.replayed else 201, _booking_out(j, booking.pk))  # type: ignore[attr-defined]


@router.post("/bookings/{booking_id}/cancel", response=BookingOut, summary="取消预约（释放名额）")
def booking_cancel(request: HttpRequest, booking_id: Id, payload: CancelIn) -> Booking:
    j = _scope(request)
    booking = sel.get_booking_for(j, booking_id, need=BOOKERS)
    try:
        svc.booking_cancel(
            actor=request.user, jurisdiction=j, booking=booking, reason=payload.reason
        )
    except ValidationError as exc:
        raise _refused(exc) from None
    return _booking_out(j, booking.pk)


@router.post(
    "/bookings/{booking_id}/reschedule",
    response={201: BookingOut},
    summary="改约：占用新时段并释放原时段",
)
def booking_reschedule(request: HttpRequest, booking_id: Id, payload: RescheduleIn) -> Status:
    j = _scope(request)
    booking = sel.get_booking_for(j, booking_id, need=BOOKERS)
    slot = _slot_for(j, payload.slot_id)
    try:
        new = svc.booking_reschedule(actor=request.user, jurisdiction=j, booking=booking, slot=slot)
    except ValidationError as exc:
        raise _refused(exc) from None
    return Status(201, _booking_out(j, new.pk))
