"""What a village publishes about volunteering and points, for anyone, without signing in
(docs/volunteering/public.md). Each function reads one village through a permission-less scope
of that village and loads only the columns it shows: no ID or phone number, no account, no
clerk, never who objected.

- posted declarations: category, deed, points, posting end, the household shown as its head's
  masked name (张*丰) and its group;
- the store: active goods with price and whether they are in stock; donors who agreed to be
  named (`Donor.public`) with what and when they gave;
- top volunteers who agreed to be named (`Volunteer.public_consent`): name, star, hours this year;
- activities open for sign-up (open and public, not cancelled) with their future shifts that still
  have free places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Region
from cunshe.residents.codes import HEAD
from cunshe.residents.models import GONE, Person
from cunshe.volunteering.models import (
    Activity,
    Declaration,
    Donor,
    HoursEntry,
    Shift,
    Signup,
    StockMovement,
    StoreItem,
    Volunteer,
)
from cunshe.volunteering.rules import star_for_minutes

TOP_VOLUNTEERS = 20
MAX_ROWS = 200


def public_village(code: str) -> Region:
    """The village (村民委员会) named by a 12-digit code; 404 for anything else (one query)."""
    from cunshe.selfgov.selectors.disclosure import public_village as village

    return village(code)


def public_scope(code: str) -> Jurisdiction:
    """A read-only scope of one village: no permission at all."""
    return Jurisdiction(prefixes=(code,), permissions=frozenset(), role="public")


def public_name(name: str | None) -> str:
    """A name as a village's public notice shows it: '张三丰' → '张*丰', '张三' → '张*'."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def category_label(code: str) -> str:
    """The points category's Chinese name (the earning rules part keeps the list)."""
    try:
        from cunshe.volunteering.services.earning_rules import category_name
    except ImportError:  # pragma: no cover - the rules part not installed
        return code
    return category_name(code)


# --- points posted for objection ------------------------------------------------------------


@dataclass
class PostedRow:
    pk: int
    category: str
    rule_name: str
    description: str
    deed_date: date
    points: int
    posting_ends_on: date | None
    household: str  # the head's masked name
    place: str  # the group or hamlet


def posted_declarations(code: str) -> list[PostedRow]:
    """Declarations of the village now posted for objection, ending soonest first. Two
    queries: the declarations with their rule and region, the heads' names."""
    rows = list(
        Declaration.objects.within(public_scope(code))
        .filter(status=Declaration.Status.POSTED)
        .select_related("rule", "region")
        .only(
            "id",
            "household_id",
            "description",
            "deed_date",
            "points",
            "posting_ends_on",
            "region__name",
            "region__code",
            "rule__category",
            "rule__name",
        )
        .order_by("posting_ends_on", "id")[:MAX_ROWS]
    )
    heads = dict(
        Person.objects.within(public_scope(code))
        .filter(household_id__in={d.household_id for d in rows}, relationship=HEAD)
        .exclude(residence_status__in=GONE)
        .values_list("household_id", "name")
    )
    return [
        PostedRow(
            pk=d.pk,
            category=category_label(d.rule.category),
            rule_name=d.rule.name,
            description=d.description,
            deed_date=d.deed_date,
            points=d.points,
            posting_ends_on=d.posting_ends_on,
            household=public_name(heads.get(d.household_id, "")) or "—",
            place="" if d.region.code == code else d.region.name,
        )
        for d in rows
    ]


# --- the store ------------------------------------------------------------------------------


def store_items(code: str) -> list[StoreItem]:
    """Active goods of the village's open stores, cheapest first (one query)."""
    return list(
        StoreItem.objects.within(public_scope(code))
        .filter(active=True, store__active=True)
        .select_related("store")
        .only("id", "name", "unit", "price_points", "stock", "store__name", "store__id")
        .order_by("store__name", "price_points", "name", "id")[:MAX_ROWS]
    )


@dataclass
class DonorRow:
    name: str
    kind: str
    gifts: list[tuple[str, int, str, date]]  # (item, quantity, unit, date)


def public_donors(code: str) -> list[DonorRow]:
    """Donors who agreed to be named, with each gift (item, quantity, when), newest gift
    first (one query: the donation stock movements with donor and item)."""
    moves = (
        StockMovement.objects.within(public_scope(code))
        .filter(kind=StockMovement.Kind.DONATION, donor__public=True)
        .select_related("donor", "item")
        .only(
            "id",
            "quantity",
            "recorded_at",
            "donor__id",
            "donor__name",
            "donor__kind",
            "item__name",
            "item__unit",
        )
        .order_by("-recorded_at", "-id")[:MAX_ROWS]
    )
    donors: dict[int, DonorRow] = {}
    for m in moves:
        row = donors.get(m.donor_id)
        if row is None:
            row = donors[m.donor_id] = DonorRow(
                name=m.donor.name, kind=str(Donor.Kind(m.donor.kind).label), gifts=[]
            )
        row.gifts.append(
            (m.item.name, m.quantity, m.item.unit, timezone.localtime(m.recorded_at).date())
        )
    return list(donors.values())


# --- top volunteers -------------------------------------------------------------------------


@dataclass
class VolunteerRow:
    name: str
    star: int
    hours_this_year: float


def top_volunteers(code: str, *, today: date | None = None) -> list[VolunteerRow]:
    """Volunteers of the village who agreed to be named, by approved hours this year (then by
    all their hours); one query. Volunteers without consent are never loaded."""
    today = today or timezone.localdate()
    year_start = date(today.year, 1, 1)
    this_year = Q(
        hours__status=HoursEntry.Status.APPROVED,
        hours__service_date__gte=year_start,
        hours__service_date__lte=today,
    )
    rows = (
        Volunteer.objects.within(public_scope(code))
        .filter(public_consent=True, status=Volunteer.Status.ACTIVE)
        .annotate(year_minutes=Sum("hours__minutes", filter=this_year, default=0))
        .filter(Q(year_minutes__gt=0) | Q(approved_minutes__gt=0))
        .order_by("-year_minutes", "-approved_minutes", "id")
        .values("name", "approved_minutes", "year_minutes")[:TOP_VOLUNTEERS]
    )
    return [
        VolunteerRow(
            name=r["name"],
            star=star_for_minutes(r["approved_minutes"]),
            hours_this_year=round(max(r["year_minutes"], 0) / 60, 1),
        )
        for r in rows
    ]


# --- activities open for sign-up ------------------------------------------------------------


@dataclass
class ShiftRow:
    starts_at: datetime
    ends_at: datetime
    place: str
    free: int


@dataclass
class ActivityRow:
    pk: int
    title: str
    description: str
    place: str
    category: str
    shifts: list[ShiftRow]


def open_activities(code: str, *, now: datetime | None = None) -> list[ActivityRow]:
    """Open, public activities of the village with their coming shifts that still have free
    places (an activity without one is left out). Two queries: the shifts with their live
    sign-up counts, the activities."""
    now = now or timezone.now()
    scope = public_scope(code)
    live = ~Q(signups__status=Signup.Status.WITHDRAWN)
    shifts = list(
        Shift.objects.within(scope)
        .filter(
            activity__status=Activity.Status.OPEN,
            activity__public=True,
            cancelled_at__isnull=True,
            starts_at__gt=now,
        )
        .annotate(taken=Count("signups", filter=live))
        .filter(taken__lt=F("capacity"))
        .only("id", "activity_id", "starts_at", "ends_at", "place", "capacity")
        .order_by("starts_at", "id")[:MAX_ROWS]
    )
    by_activity: dict[int, list[ShiftRow]] = {}
    for s in shifts:
        by_activity.setdefault(s.activity_id, []).append(
            ShiftRow(
                starts_at=s.starts_at, ends_at=s.ends_at, place=s.place, free=s.capacity - s.taken
            )
        )
    if not by_activity:
        return []
    activities = (
        Activity.objects.within(scope)
        .filter(pk__in=by_activity)
        .select_related("project")
        .only("id", "title", "description", "place", "project__category")
    )
    out = [
        ActivityRow(
            pk=a.pk,
            title=a.title,
            description=a.description,
            place=a.place,
            category=a.project.get_category_display(),
            shifts=by_activity[a.pk],
        )
        for a in activities
    ]
    out.sort(key=lambda a: (a.shifts[0].starts_at, a.pk))
    return out
