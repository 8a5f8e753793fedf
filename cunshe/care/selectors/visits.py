"""Scoped reads of visits: due and overdue visits (mine, per village, counts per carer), open
follow-ups, a profile's visits, and visit coverage.

Coverage (`coverage`), exactly: among the profiles that are active now, in the caller's
subtree, the share whose latest visit on or before the day `on` lies within their risk level's
interval — a visit on local date d covers day `on` when on - interval ≤ d ≤ on (interval from
rules VISIT_INTERVAL_DAYS for the profile's current level: high 7, priority 30, general 90).
So a profile visited exactly 90 days ago at general risk is covered (due today, not overdue), 91
days ago is not. The 24-hour rule after a major change is not part of coverage (it is a
deadline, shown on the due list). Counts are aggregates with no names; every kind is counted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from cunshe.care.models import CareProfile, CarerAssignment, RiskLevel, Visit
from cunshe.care.rules import rule
from cunshe.care.selectors.profiles import ProfileFilters, profile_search
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Region

GROUP_LENGTHS = {"village": 12, "township": 9, "county": 6}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def due_horizon(now: datetime | None = None) -> datetime:
    """Visits due before this moment are listed as due soon: the end of the day VISIT_DUE_SOON
    days ahead."""
    today = timezone.localtime(now or timezone.now()).date()
    return _start_of(today + timedelta(days=rule("VISIT_DUE_SOON_DAYS") + 1))


def due_profiles(
    j: Jurisdiction,
    *,
    mine_user: int | None = None,
    village: str = "",
    overdue_only: bool = False,
    now: datetime | None = None,
) -> QuerySet[CareProfile]:
    """Active visible profiles whose next visit is overdue or due soon, soonest first."""
    now = now or timezone.now()
    qs = profile_search(
        j, ProfileFilters(village=village, carer_user=mine_user, overdue=overdue_only), now=now
    )
    return qs.filter(next_visit_due__lt=due_horizon(now)).order_by("next_visit_due", "id")


def due_counts_by_carer(
    j: Jurisdiction, *, village: str = "", now: datetime | None = None
) -> list[dict[str, Any]]:
    """Per active carer: how many of their profiles are due soon and overdue (one query)."""
    now = now or timezone.now()
    due = due_profiles(j, village=village, now=now).values("pk")
    rows = (
        CarerAssignment.objects.filter(active=True, profile_id__in=due)
        .values("user_id", "name", "carer_type")
        .annotate(
            due=Count("profile_id", distinct=True),
            overdue=Count("profile_id", filter=Q(profile__next_visit_due__lt=now), distinct=True),
        )
        .order_by("-overdue", "-due", "name")
    )
    return [dict(r) for r in rows]


def due_counts_by_village(j: Jurisdiction, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per village: how many visible profiles are due soon and overdue (two queries)."""
    now = now or timezone.now()
    rows = list(
        due_profiles(j, now=now)
        .order_by()
        .values(code=Substr("region_code", 1, 12))
        .annotate(due=Count("id"), overdue=Count("id", filter=Q(next_visit_due__lt=now)))
        .order_by("code")
    )
    names = dict(
        Region.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "name")
    )
    return [{**r, "name": names.get(r["code"], r["code"])} for r in rows]


def open_follow_ups(j: Jurisdiction, *, mine_user: int | None = None) -> QuerySet[Visit]:
    """Visits of visible profiles with a follow-up not yet done, earliest deadline first."""
    profiles = profile_search(j, ProfileFilters(status="", carer_user=mine_user)).values("pk")
    return (
        Visit.objects.within(j)
        .filter(profile_id__in=profiles, follow_up_done_at__isnull=True)
        .exclude(follow_up="")
        .select_related("profile__person")
        .order_by("follow_up_due", "visited_at", "id")
    )


def visits_of(j: Jurisdiction, profile: CareProfile) -> QuerySet[Visit]:
    """A profile's visits (the profile already checked with access.get_profile_for)."""
    return Visit.objects.within(j).filter(profile=profile).order_by("-visited_at", "-id")


# --- coverage -------------------------------------------------------------------------------


def _covered(j: Jurisdiction, on: date) -> Q:
    """True for an active profile visited within its level's interval on `on`."""
    intervals = rule("VISIT_INTERVAL_DAYS")
    end = _start_of(on + timedelta(days=1))
    q = Q(pk__in=[])
    for level in RiskLevel.values:
        start = _start_of(on - timedelta(days=intervals[level]))
        seen = Visit.objects.within(j).filter(
            profile_id=OuterRef("pk"), visited_at__gte=start, visited_at__lt=end
        )
        q |= Q(risk_level=level) & Q(Exists(seen))
    return q


def coverage(
    j: Jurisdiction, on: date | None = None, group_by: str = "village"
) -> list[dict[str, Any]]:
    """Visit coverage per village, township or county in the caller's subtree (see the module
    docstring for the exact definition): [{code, name, active, covered, rate}] with rate in
    0..1 (None when no active profile), by code. One aggregate query plus one for the names."""
    if group_by not in GROUP_LENGTHS:
        raise ValueError(f"group_by must be one of {sorted(GROUP_LENGTHS)}")
    on = on or timezone.localdate()
    rows = list(
        CareProfile.objects.within(j)
        .filter(status=CareProfile.Status.ACTIVE)
        .order_by()
        .values(code=Substr("region_code", 1, GROUP_LENGTHS[group_by]))
        .annotate(active=Count("id"), covered=Count("id", filter=_covered(j, on)))
        .order_by("code")
    )
    names = dict(
        Region.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "name")
    )
    return [
        {
            "code": r["code"],
            "name": names.get(r["code"], r["code"]),
            "active": r["active"],
            "covered": r["covered"],
            "rate": (r["covered"] / r["active"]) if r["active"] else None,
        }
        for r in rows
    ]


def coverage_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of `coverage` rows: {active, covered, rate}."""
    active = sum(r["active"] for r in rows)
    covered = sum(r["covered"] for r in rows)
    return {"active": active, "covered": covered, "rate": covered / active if active else None}
