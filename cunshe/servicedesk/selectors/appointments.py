"""Scoped reads for appointments (预约): windows, their slots, and bookings.

A window is a public counter. Besides the windows inside the caller's subtree, a caller also
reaches the windows of the units *above* their own region: a villager or clerk of a village
books at their township's service centre and at their county's department windows. Those are
exactly the windows whose region is an ancestor of (or equal to) the caller's region, and no
other: the township centre next door is neither in the subtree nor on the way up.

Bookings are scoped by the person's region (their village, or its group). A villager sees only
the bookings of their own household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.access import require_jurisdiction
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.residents.models import GONE, Person
from cunshe.residents.selectors import own_household_id
from cunshe.servicedesk.models import Booking, ServiceWindow, Slot
from cunshe.servicedesk.rules import rule

APPLY = "servicedesk.apply"
INTAKE = "servicedesk.intake"
WINDOWS = "servicedesk.windows"
VIEW = "servicedesk.view"
# Anyone holding one of these may look at windows and their free places.
SEE_WINDOWS = (WINDOWS, VIEW, INTAKE, APPLY)
# Windows live at these levels (county, township, village); a caller reaches those above them.
WINDOW_CODE_LENGTHS = (6, 9, 12)


def _upward_codes(code: str) -> set[str]:
    """Codes of the window levels strictly above `code` (no query)."""
    return {code[:n] for n in WINDOW_CODE_LENGTHS if n < len(code)}


def reachable_codes(place_code: str) -> list[str]:
    """The window regions a person living at `place_code` may book at: county, township,
    village (ancestors of the place, and the village itself)."""
    return [place_code[:n] for n in WINDOW_CODE_LENGTHS if n <= len(place_code)]


def windows_for(jurisdiction: Jurisdiction | None) -> QuerySet[ServiceWindow]:
    """Windows inside the caller's subtree, plus those of the units above it."""
    j = require_jurisdiction(jurisdiction)
    upward = set().union(*(_upward_codes(p) for p in j.prefixes)) if j.prefixes else set()
    if j.is_system or not upward:
        return ServiceWindow.objects.within(j)
    # The wider prefixes only open the manager; the filter keeps the subtree and the exact
    # ancestors, never their other children.
    wider = Jurisdiction(prefixes=tuple(sorted(upward | set(j.prefixes))))
    return ServiceWindow.objects.within(wider).filter(j.q() | Q(region_code__in=sorted(upward)))


def _deny(j: Jurisdiction, perm: str, obj: object = None) -> PermissionDenied:
    audit(
        "core.permission.denied",
        jurisdiction=j,
        obj=obj,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"permission": perm},
    )
    return PermissionDenied(perm)


def _has_any(j: Jurisdiction, need: str | tuple[str, ...]) -> bool:
    perms = (need,) if isinstance(need, str) else need
    return any(j.has_perm(p) for p in perms)


def require_any(jurisdiction: Jurisdiction | None, need: tuple[str, ...]) -> Jurisdiction:
    """403 (audited) unless the caller holds one of `need`."""
    j = require_jurisdiction(jurisdiction)
    if not _has_any(j, need):
        raise _deny(j, need[0])
    return j


def get_window_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str | tuple[str, ...] = SEE_WINDOWS
) -> ServiceWindow:
    """A window the caller reaches: 404 otherwise, 403 (audited) without `need`."""
    j = require_jurisdiction(jurisdiction)
    window = windows_for(j).select_related("region").filter(pk=pk).first()
    if window is None:
        raise Http404
    if not _has_any(j, need):
        raise _deny(j, need if isinstance(need, str) else need[0], window)
    return window


def is_unit_staff(jurisdiction: Jurisdiction, window: ServiceWindow) -> bool:
    """True for staff of the unit that runs the window: its village, township or county (and,
    for a county department's window, that department)."""
    if not jurisdiction.has_perm(WINDOWS) or jurisdiction.is_system:
        return jurisdiction.is_system
    if window.region_code not in jurisdiction.prefixes:
        return False
    return not (jurisdiction.department and window.department) or (
        jurisdiction.department == window.department
    )


def require_unit_staff(jurisdiction: Jurisdiction, window: ServiceWindow) -> None:
    """403 (audited) unless the caller is staff of the window's unit."""
    if not is_unit_staff(jurisdiction, window):
        _deny(jurisdiction, WINDOWS, window)
        raise PermissionDenied(_("只有该窗口所在单位的工作人员可以办理。"))


# --- days and slots --------------------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Aware start and end of a local (Beijing) day."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def booking_cutoff(now: datetime | None = None) -> datetime:
    """Slots starting before this are closed for booking."""
    return (now or timezone.now()) + timedelta(minutes=rule("BOOKING_CLOSES_BEFORE_MINUTES"))


def window_rows(jurisdiction: Jurisdiction, day: date | None = None) -> QuerySet[ServiceWindow]:
    """The windows list, each with the day's places and bookings (one query)."""
    start, end = day_bounds(day or timezone.localdate())
    on_day = Q(slots__starts_at__gte=start, slots__starts_at__lt=end)
    return (
        windows_for(jurisdiction)
        .select_related("region")
        .annotate(
            day_slots=Count("slots", filter=on_day),
            day_capacity=Sum("slots__capacity", filter=on_day, default=0),
            day_booked=Sum("slots__booked", filter=on_day, default=0),
        )
        .order_by("region_code", "name")
    )


def slots_on(window: ServiceWindow, day: date) -> list[Slot]:
    """Every slot of the window on a local day, in time order."""
    start, end = day_bounds(day)
    return list(
        Slot.objects.filter(window=window, starts_at__gte=start, starts_at__lt=end).order_by(
            "starts_at"
        )
    )


def open_slots_on(window: ServiceWindow, day: date) -> list[Slot]:
    """Slots of the day that can still be booked: not closed, places left."""
    start, end = day_bounds(day)
    return list(
        Slot.objects.filter(
            window=window,
            starts_at__gte=max(start, booking_cutoff()),
            starts_at__lt=end,
            booked__lt=F("capacity"),
        ).order_by("starts_at")
    )


@dataclass(frozen=True)
class BookableDay:
    day: date
    remaining: int


def bookable_days(window: ServiceWindow, days: int = 14) -> list[BookableDay]:
    """The next `days` days on which the window has places left (one query)."""
    cutoff = booking_cutoff()
    _start, until = day_bounds(timezone.localdate() + timedelta(days=days - 1))
    totals: dict[date, int] = {}
    rows = Slot.objects.filter(
        window=window, starts_at__gte=cutoff, starts_at__lt=until, booked__lt=F("capacity")
    ).values_list("starts_at", "capacity", "booked")
    for starts_at, capacity, booked in rows:
        day = timezone.localtime(starts_at).date()
        totals[day] = totals.get(day, 0) + capacity - booked
    return [BookableDay(d, n) for d, n in sorted(totals.items())]


# --- bookings --------------------------------------------------------------------------------


def _is_villager_only(j: Jurisdiction) -> bool:
    return j.has_perm(APPLY) and not (j.has_perm(INTAKE) or j.has_perm(WINDOWS) or j.has_perm(VIEW))


def bookings_for(jurisdiction: Jurisdiction | None) -> QuerySet[Booking]:
    """Bookings the caller may see: a villager their household's, staff those in the subtree."""
    j = require_jurisdiction(jurisdiction)
    qs = Booking.objects.within(j)
    if _is_villager_only(j):
        return qs.filter(person__household_id=own_household_id(j))
    if _has_any(j, (INTAKE, WINDOWS, VIEW)):
        return qs
    return qs.none()


def get_booking_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: tuple[str, ...] = (APPLY, INTAKE)
) -> Booking:
    """One booking: 404 outside what the caller may see, 403 (audited) without `need`."""
    j = require_jurisdiction(jurisdiction)
    booking = (
        bookings_for(j)
        .select_related("slot__window__region", "person", "item", "replaced_by")
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise Http404
    if not _has_any(j, need):
        raise _deny(j, need[0], booking)
    return booking


def my_bookings(jurisdiction: Jurisdiction) -> tuple[list[Booking], list[Booking]]:
    """A villager's household bookings: (upcoming live ones, the last 20 others)."""
    base = bookings_for(jurisdiction).select_related("slot__window", "person")
    now = timezone.now()
    upcoming = list(
        base.filter(state=Booking.State.BOOKED, slot__ends_at__gt=now).order_by(
            "slot__starts_at", "id"
        )
    )
    others = list(
        base.exclude(pk__in=[b.pk for b in upcoming]).order_by("-slot__starts_at", "-id")[:20]
    )
    return upcoming, others


def window_day_bookings(
    jurisdiction: Jurisdiction, window: ServiceWindow, day: date, *, whole_window: bool
) -> list[Booking]:
    """Live and finished bookings of a window's day. Staff of the window's unit see all of
    them; anyone else only those of persons in their own subtree."""
    start, end = day_bounds(day)
    qs = Booking.objects.within(jurisdiction) if whole_window else bookings_for(jurisdiction)
    return list(
        qs.filter(slot__window=window, slot__starts_at__gte=start, slot__starts_at__lt=end)
        .exclude(state__in=[Booking.State.CANCELLED, Booking.State.RESCHEDULED])
        .select_related("slot", "person")
        .order_by("slot__starts_at", "id")
    )


def household_members_for_booking(jurisdiction: Jurisdiction) -> list[Person]:
    """The villager's household members who can be booked for (still living in the register)."""
    household_id = own_household_id(jurisdiction)
    if household_id is None:
        return []
    return list(
        Person.objects.within(jurisdiction)
        .filter(household_id=household_id)
        .exclude(residence_status__in=GONE)
        .order_by("relationship", "birth_date", "id")
    )
