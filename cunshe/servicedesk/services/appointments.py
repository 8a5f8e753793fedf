"""Writes for appointments (预约): windows, slots, bookings.

A place in a slot is taken by ONE conditional UPDATE (`booked < capacity`, then `booked + 1`):
the database decides who gets the last place, so two people pressing "book" at the same moment
can never both get it, and the `booked <= capacity` check constraint stands behind it. When the
UPDATE touches no row the slot is full: the caller gets a clear message and nothing is changed.

Locks are always taken in one order — the person's register row, then the booking, then slots
(lowest id first), then the audit chain's lock (taken by `audit()`, last) — so concurrent
bookings, cancellations and reschedules queue behind each other but never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.workdays import is_workday
from cunshe.regions.models import Level, Region
from cunshe.residents.models import GONE, Person
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import Application, Booking, ServiceItem, ServiceWindow, Slot
from cunshe.servicedesk.notices import notify_person
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.selectors.appointments import (
    APPLY,
    INTAKE,
    WINDOWS,
    booking_cutoff,
    is_unit_staff,
    own_household_id,
    reachable_codes,
)

# A form-level limit, not a rule: one generation covers at most about three months.
MAX_GENERATE_DAYS = 93
MAX_CAPACITY = 500

WINDOW_KIND_BY_LEVEL = {
    Level.VILLAGE: ServiceWindow.Kind.VILLAGE_HALL,
    Level.TOWNSHIP: ServiceWindow.Kind.TOWNSHIP_CENTRE,
    Level.COUNTY: ServiceWindow.Kind.COUNTY_DEPARTMENT,
}


class SlotFull(ValidationError):
    """No place left in the slot (the API answers 409). Nothing was changed."""


def slot_full_message() -> str:
    return _("该时段已约满，请选择其他时段。")


# --- notifications -------------------------------------------------------------------------


def when_text(slot: Slot) -> str:
    return timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")


def booking_values(booking: Booking) -> dict[str, Any]:
    window = booking.slot.window
    return {
        "window": window.name,
        "when": when_text(booking.slot),
        "address": window.address or "-",
    }


def my_bookings_link() -> str:
    return reverse("servicedesk:my_bookings")


BOOKED_SUBJECT = gettext_lazy("预约成功")
BOOKED_BODY = gettext_lazy("您已预约 %(when)s 到%(window)s办事（地址：%(address)s），请按时到场。")
CANCELLED_SUBJECT = gettext_lazy("预约已取消")
CANCELLED_BODY = gettext_lazy("您在%(window)s %(when)s 的预约已取消。")
RESCHEDULED_SUBJECT = gettext_lazy("预约已改期")
RESCHEDULED_BODY = gettext_lazy(
    "您的预约已改到 %(when)s，地点%(window)s（地址：%(address)s），请按时到场。"
)
REMINDER_SUBJECT = gettext_lazy("预约提醒")
REMINDER_BODY = gettext_lazy(
    "提醒：您预约了 %(when)s 到%(window)s办事（地址：%(address)s），请带好身份证按时到场。"
)


# --- checks --------------------------------------------------------------------------------


def _require_unit_staff(jurisdiction: Jurisdiction, window: ServiceWindow) -> None:
    if not jurisdiction.covers(window.region_code):
        raise PermissionDenied(_("该窗口不在您的管辖范围内。"))
    if not jurisdiction.has_perm(WINDOWS):
        raise PermissionDenied(WINDOWS)
    if not is_unit_staff(jurisdiction, window):
        raise PermissionDenied(_("只有该窗口所在单位的工作人员可以办理。"))


def _may_book_for(jurisdiction: Jurisdiction, person: Person) -> None:
    """A clerk books for anyone in their village; a villager for their own household."""
    if not jurisdiction.covers(person.region_code):
        raise PermissionDenied(_("该人员不在您的管辖范围内。"))
    if jurisdiction.has_perm(INTAKE):
        return
    if not jurisdiction.has_perm(APPLY):
        raise PermissionDenied(APPLY)
    household_id = own_household_id(jurisdiction)
    if household_id is None or person.household_id != household_id:
        raise PermissionDenied(_("只能为本人或本户家庭成员预约。"))


def _check_open(slot: Slot, window: ServiceWindow, person: Person) -> None:
    if not window.active:
        raise ValidationError({"slot": _("该窗口暂停预约。")})
    if window.region_code not in reachable_codes(person.region_code):
        raise ValidationError(
            {"slot": _("该窗口不为此人所在的村提供服务，请选择本村、本乡镇或本县的窗口。")}
        )
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": _("该时段已经过去，请选择其他时段。")})
    if slot.starts_at <= booking_cutoff():
        raise ValidationError(
            {
                "slot": _("该时段已截止预约（开始前 %(m)s 分钟截止），请选择其他时段。")
                % {"m": rule("BOOKING_CLOSES_BEFORE_MINUTES")}
            }
        )
    if person.residence_status in GONE:
        raise ValidationError({"person": _("该人员已不在本村登记，不能预约。")})


def _lock_person(jurisdiction: Jurisdiction, person: Person) -> None:
    """Queue this person's booking writes behind each other (the per-person cap and the
    idempotency re-check then see every earlier booking)."""
    list(
        Person.objects.within(jurisdiction)
        .select_for_update()
        .filter(pk=person.pk)
        .values_list("pk", flat=True)
    )


def _replay(jurisdiction: Jurisdiction, actor: Any, key: str) -> Booking | None:
    return (
        Booking.objects.within(jurisdiction)
        .select_related("slot__window")
        .filter(booked_by=actor, idempotency_key=key)
        .first()
    )


def _take_place(slot_id: int) -> None:
    taken = Slot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise SlotFull({"slot": slot_full_message()})


def _release_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _locked_booking(jurisdiction: Jurisdiction, booking: Booking) -> Booking:
    return (
        Booking.objects.within(jurisdiction)
        .select_for_update(of=("self",))
        .select_related("slot__window", "person")
        .get(pk=booking.pk)
    )


# --- windows -------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写窗口名称。")})
    if len(name) > 100:
        raise ValidationError({"name": _("窗口名称最多 100 个字。")})
    return name


@transaction.atomic
def window_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    name: str,
    department: str = "",
    address: str = "",
) -> ServiceWindow:
    """A new window of the caller's own unit (village hall, township centre, county
    department window: the kind follows the region's level)."""
    if not jurisdiction.covers(region.code):
        raise PermissionDenied(_("该区划不在您的管辖范围内。"))
    if not jurisdiction.has_perm(WINDOWS):
        raise PermissionDenied(WINDOWS)
    kind = WINDOW_KIND_BY_LEVEL.get(region.level)
    if kind is None:
        raise ValidationError({"region": _("服务窗口只能设在村、乡镇或县。")})
    if region.code not in jurisdiction.prefixes:
        raise PermissionDenied(_("只能为本单位设置服务窗口。"))
    if kind == ServiceWindow.Kind.COUNTY_DEPARTMENT:
        department = department or jurisdiction.department
        if not department:
            raise ValidationError({"department": _("县级部门窗口必须指定部门。")})
        if jurisdiction.department and department != jurisdiction.department:
            raise PermissionDenied(_("只能为本部门设置服务窗口。"))
    else:
        department = ""
    window = ServiceWindow(
        region=region,
        name=_clean_name(name),
        kind=kind,
        department=department,
        address=(address or "").strip()[:200],
    )
    window.save()
    audit(
        "servicedesk.window.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=window,
        detail={"kind": kind, "department": department},
    )
    return window


@transaction.atomic
def window_update(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    window: ServiceWindow,
    name: str,
    address: str = "",
    active: bool = True,
) -> ServiceWindow:
    """Rename a window, change its address, open or pause it (paused: no new bookings)."""
    _require_unit_staff(jurisdiction, window)
    window.name = _clean_name(name)
    window.address = (address or "").strip()[:200]
    window.active = bool(active)
    window.save(update_fields=["name", "address", "active"])
    audit(
        "servicedesk.window.updated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=window,
        detail={"active": window.active},
    )
    return window


# --- slots ---------------------------------------------------------------------------------


def _check_times(times: Sequence[tuple[time, time]]) -> list[tuple[time, time]]:
    if not times:
        raise ValidationError({"times": _("请至少填写一个时段。")})
    ordered = sorted(times)
    previous_end: time | None = None
    for start, end in ordered:
        if end <= start:
            raise ValidationError({"times": _("时段的结束时间必须晚于开始时间。")})
        if previous_end is not None and start < previous_end:
            raise ValidationError({"times": _("时段之间不能重叠。")})
        previous_end = end
    return ordered


@transaction.atomic
def slots_generate(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    window: ServiceWindow,
    start: date,
    end: date,
    weekdays: Iterable[int],
    times: Sequence[tuple[time, time]],
    capacity: int,
) -> int:
    """Slots on the working days from `start` to `end` whose weekday (0 = Monday) is in the
    pattern, at each of `times`, with `capacity` places; an adjusted working weekend day (调休)
    counts as in the pattern. Starts that already exist are skipped. Returns how many were
    made."""
    _require_unit_staff(jurisdiction, window)
    weekdays = {int(d) for d in weekdays}
    if not weekdays or not weekdays <= set(range(7)):
        raise ValidationError({"weekdays": _("请选择每周哪几天开放。")})
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    if start < timezone.localdate():
        raise ValidationError({"start": _("不能为已经过去的日期生成时段。")})
    if (end - start).days >= MAX_GENERATE_DAYS:
        raise ValidationError(
            {"end": _("一次最多生成 %(n)s 天的时段。") % {"n": MAX_GENERATE_DAYS}}
        )
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationError(
            {"capacity": _("每个时段的名额应在 1 到 %(n)s 之间。") % {"n": MAX_CAPACITY}}
        )
    ordered = _check_times(times)
    wanted: list[tuple[datetime, datetime]] = []
    day = start
    while day <= end:
        if is_workday(day) and (day.weekday() in weekdays or day.weekday() >= 5):
            for t_start, t_end in ordered:
                wanted.append(
                    (
                        timezone.make_aware(datetime.combine(day, t_start)),
                        timezone.make_aware(datetime.combine(day, t_end)),
                    )
                )
        day += timedelta(days=1)
    now = timezone.now()
    existing = set(
        Slot.objects.filter(
            window=window,
            starts_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
            starts_at__lt=timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
        ).values_list("starts_at", flat=True)
    )
    new = [
        Slot(window=window, starts_at=s, ends_at=e, capacity=capacity)
        for s, e in wanted
        if s not in existing and s > now
    ]
    # A concurrent generation of the same days loses nothing: the unique start skips twins.
    Slot.objects.bulk_create(new, ignore_conflicts=True)
    audit(
        "servicedesk.slots.generated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=window,
        detail={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "created": len(new),
            "skipped": len(wanted) - len(new),
            "capacity": capacity,
        },
    )
    return len(new)


@transaction.atomic
def slot_capacity_change(
    *, actor: Any, jurisdiction: Jurisdiction, slot: Slot, capacity: int
) -> Slot:
    """Change a slot's places; never below the places already booked (0 closes an empty
    slot)."""
    window = slot.window
    _require_unit_staff(jurisdiction, window)
    if not 0 <= capacity <= MAX_CAPACITY:
        raise ValidationError({"capacity": _("名额应在 0 到 %(n)s 之间。") % {"n": MAX_CAPACITY}})
    # Conditional, like a booking: a place taken meanwhile is counted, never squeezed out.
    changed = Slot.objects.filter(pk=slot.pk, booked__lte=capacity).update(capacity=capacity)
    slot.refresh_from_db(fields=["capacity", "booked"])
    if not changed:
        raise ValidationError(
            {"capacity": _("名额不能少于已预约的人数（%(n)s 人）。") % {"n": slot.booked}}
        )
    audit(
        "servicedesk.slot.capacity_changed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=slot,
        detail={"window": window.pk, "capacity": capacity},
    )
    return slot


# --- bookings ------------------------------------------------------------------------------


@transaction.atomic
def booking_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    slot: Slot,
    person: Person,
    item: ServiceItem | None = None,
    application: Application | None = None,
    idempotency_key: str,
) -> Booking:
    """Book `person` a place in `slot`. The same key from the same actor returns the first
    booking (`replayed` is then True on it); a full slot raises SlotFull and changes nothing."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError({"idempotency_key": _("提交标识缺失或无效，请刷新页面后重新提交。")})
    _may_book_for(jurisdiction, person)
    existing = _replay(jurisdiction, actor, key)
    if existing is not None:
        existing.replayed = True  # type: ignore[attr-defined]
        return existing
    window = slot.window
    _check_open(slot, window, person)
    if application is not None and application.applicant_id != person.pk:
        raise ValidationError({"application": _("该办件不是此人的。")})
    if item is not None:
        catalogue.require_offered(item, person.region_code)
    if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).exists():
        # An early answer once the slot is full; the UPDATE below decides every race.
        raise SlotFull({"slot": slot_full_message()})

    _lock_person(jurisdiction, person)
    # A twin request with the same key that got the lock first has committed by now.
    existing = _replay(jurisdiction, actor, key)
    if existing is not None:
        existing.replayed = True  # type: ignore[attr-defined]
        return existing
    live = (
        Booking.objects.within(jurisdiction)
        .filter(person=person, state=Booking.State.BOOKED, slot__ends_at__gt=timezone.now())
        .count()
    )
    limit = rule("MAX_LIVE_BOOKINGS_PER_PERSON")
    if live >= limit:
        raise ValidationError(
            {
                "person": _("每人最多同时保留 %(n)s 个预约，请先取消或办完已有的预约。")
                % {"n": limit}
            }
        )
    booking = Booking(
        region=person.region,
        slot=slot,
        person=person,
        item=item,
        application=application,
        booked_by=actor,
        idempotency_key=key,
    )
    try:
        with transaction.atomic():  # a savepoint: a twin's row must not abort the caller
            booking.save()
    except IntegrityError:
        existing = _replay(jurisdiction, actor, key)
        if existing is not None:
            existing.replayed = True  # type: ignore[attr-defined]
            return existing
        raise ValidationError({"slot": _("此人已预约了这个时段。")}) from None
    booking.replayed = False  # type: ignore[attr-defined]
    notify_person(person, BOOKED_SUBJECT, BOOKED_BODY, booking_values(booking), my_bookings_link())
    # The place is taken last, so the slot's row stays locked only from here to the commit:
    # everyone else queued for the same slot waits for this short tail, not for the whole
    # booking. When no place is left, SlotFull leaves this function's transaction and takes
    # the row and the message above back with it.
    _take_place(slot.pk)
    audit(
        "servicedesk.booking.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=booking,
        detail={"slot": slot.pk, "window": window.pk, "item": item.pk if item else None},
    )
    return booking


@transaction.atomic
def booking_cancel(
    *, actor: Any, jurisdiction: Jurisdiction, booking: Booking, reason: str = ""
) -> Booking:
    """Cancel a live booking and give its place back. Cancelling twice changes nothing."""
    _may_book_for(jurisdiction, booking.person)
    _lock_person(jurisdiction, booking.person)
    booking = _locked_booking(jurisdiction, booking)
    if booking.state == Booking.State.CANCELLED:
        return booking
    if booking.state != Booking.State.BOOKED:
        raise ValidationError(
            _("该预约的状态是“%(state)s”，不能取消。") % {"state": booking.get_state_display()}
        )
    if booking.slot.starts_at <= timezone.now():
        raise ValidationError(_("预约时段已经开始，不能再取消。"))
    booking.state = Booking.State.CANCELLED
    booking.changed_at = timezone.now()
    booking.save(update_fields=["state", "changed_at"])
    _release_place(booking.slot_id)
    if booking.person.account_id != getattr(actor, "pk", None):
        notify_person(
            booking.person,
            CANCELLED_SUBJECT,
            CANCELLED_BODY,
            booking_values(booking),
            my_bookings_link(),
        )
    audit(
        "servicedesk.booking.cancelled",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=booking,
        detail={"slot": booking.slot_id, "with_reason": bool(reason.strip())},
    )
    return booking


@transaction.atomic
def booking_reschedule(
    *, actor: Any, jurisdiction: Jurisdiction, booking: Booking, slot: Slot
) -> Booking:
    """Move a live booking to another slot at once: the new place is taken and the old one
    given back in one transaction; the old row says RESCHEDULED and the new one `replaces` it.
    A full new slot raises SlotFull and the old booking stays exactly as it was."""
    person = booking.person
    _may_book_for(jurisdiction, person)
    _lock_person(jurisdiction, person)
    old = _locked_booking(jurisdiction, booking)
    if old.state == Booking.State.RESCHEDULED:
        newer = Booking.objects.within(jurisdiction).filter(replaces=old).first()
        if newer is not None and newer.slot_id == slot.pk:  # the same request twice
            newer.replayed = True  # type: ignore[attr-defined]
            return newer
    if old.state != Booking.State.BOOKED:
        raise ValidationError(
            _("该预约的状态是“%(state)s”，不能改约。") % {"state": old.get_state_display()}
        )
    if old.slot.starts_at <= timezone.now():
        raise ValidationError(_("预约时段已经开始，不能再改约。"))
    if slot.pk == old.slot_id:
        raise ValidationError({"slot": _("请选择一个不同的时段。")})
    _check_open(slot, slot.window, person)
    new = Booking(
        region=person.region,
        slot=slot,
        person=person,
        item_id=old.item_id,
        application_id=old.application_id,
        booked_by=actor,
        idempotency_key=f"reschedule:{old.pk}",
        replaces=old,
    )
    try:
        with transaction.atomic():
            # Slots in id order, so two people swapping slots cannot deadlock.
            for slot_id in sorted((old.slot_id, slot.pk)):
                if slot_id == slot.pk:
                    _take_place(slot.pk)
                else:
                    _release_place(old.slot_id)
            old.state = Booking.State.RESCHEDULED
            old.changed_at = timezone.now()
            old.save(update_fields=["state", "changed_at"])
            new.save()
    except IntegrityError:
        raise ValidationError({"slot": _("此人已预约了这个时段。")}) from None
    new.replayed = False  # type: ignore[attr-defined]
    notify_person(
        person, RESCHEDULED_SUBJECT, RESCHEDULED_BODY, booking_values(new), my_bookings_link()
    )
    audit(
        "servicedesk.booking.rescheduled",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=new,
        detail={"replaces": old.pk, "from_slot": old.slot_id, "to_slot": slot.pk},
    )
    return new


MARKS = (Booking.State.ATTENDED, Booking.State.NO_SHOW)


@transaction.atomic
def booking_mark(
    *, actor: Any, jurisdiction: Jurisdiction, booking: Booking, outcome: str
) -> Booking:
    """Record that the person came (ATTENDED) or did not (NO_SHOW); staff of the window's unit
    only. A wrong mark can be turned into the other one."""
    if outcome not in MARKS:
        raise ValidationError({"outcome": _("请选择“已到场”或“未到场”。")})
    _require_unit_staff(jurisdiction, booking.slot.window)
    if not jurisdiction.covers(booking.region_code):
        raise PermissionDenied(_("该预约不在您的管辖范围内。"))
    booking = _locked_booking(jurisdiction, booking)
    if booking.state not in (Booking.State.BOOKED, *MARKS):
        raise ValidationError(
            _("该预约的状态是“%(state)s”，不能登记到场情况。")
            % {"state": booking.get_state_display()}
        )
    starts = booking.slot.starts_at
    if (
        outcome == Booking.State.ATTENDED
        and timezone.localtime(starts).date() > timezone.localdate()
    ):
        raise ValidationError(_("预约日期还没到，不能登记为已到场。"))
    if outcome == Booking.State.NO_SHOW and starts > timezone.now():
        raise ValidationError(_("预约时段还没开始，不能登记为未到场。"))
    previous = booking.state
    booking.state = outcome
    booking.changed_at = timezone.now()
    booking.save(update_fields=["state", "changed_at"])
    audit(
        "servicedesk.booking.marked",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=booking,
        detail={"outcome": outcome, "was": previous},
    )
    return booking
