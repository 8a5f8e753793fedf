"""Reads of projects, activities, shifts and sign-ups: staff lists and pages (volunteering.view),
the villager's open activities and own shifts (volunteering.participate)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.volunteering.models import (
    Activity,
    HoursEntry,
    Project,
    Shift,
    Signup,
    Skill,
    Volunteer,
)
from cunshe.volunteering.selectors import volunteers as volunteer_selectors
from cunshe.volunteering.services.commitments import LIVE_SIGNUP

VIEW = "volunteering.view"
MANAGE = "volunteering.manage"
APPROVE = "volunteering.approve"
PARTICIPATE = "volunteering.participate"
_LIVE = Q(signups__status__in=LIVE_SIGNUP)


def projects_for(jurisdiction: Jurisdiction | None) -> QuerySet[Project]:
    j = require_perm(jurisdiction, VIEW)
    return (
        Project.objects.within(j)
        .select_related("region", "organisation", "station")
        .annotate(n_activities=Count("activities"))
        .order_by("-starts_on", "-id")
    )


def activities_for(jurisdiction: Jurisdiction | None, *, status: str = "") -> QuerySet[Activity]:
    j = require_perm(jurisdiction, VIEW)
    qs = Activity.objects.within(j).select_related("project", "region", "organiser")
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        n_shifts=Count("shifts", distinct=True),
        n_signed=Count("shifts__signups", filter=Q(shifts__signups__status__in=LIVE_SIGNUP),
                       distinct=True),
    ).order_by("-created_at", "-id")  # fmt: skip


def get_activity_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Activity:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Activity.objects.within(j).select_related("project__organisation", "region", "organiser"),
        j,
        need=need,
        pk=pk,
    )


def with_taken(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    return qs.annotate(taken=Count("signups", filter=_LIVE))


def shifts_of(activity: Activity) -> list[Shift]:
    rows = list(with_taken(Shift._base_manager.filter(activity=activity)).order_by("starts_at"))
    labels = dict(Skill.choices)
    for s in rows:
        s.skill_names = [str(labels.get(code, code)) for code in s.required_skills or []]
    return rows


def get_shift_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Shift:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        with_taken(Shift.objects.within(j)).select_related(
            "activity__project", "activity__organiser", "region"
        ),
        j,
        need=need,
        pk=pk,
    )


def roster_of(shift: Shift) -> list[Signup]:
    """Everyone who signed up (withdrawn last), with their attendance entry."""
    return list(
        Signup._base_manager.filter(shift=shift)
        .select_related("volunteer")
        .prefetch_related(
            Prefetch(
                "hours",
                queryset=HoursEntry._base_manager.filter(kind=HoursEntry.Kind.ATTENDANCE),
                to_attr="attendance",
            )
        )
        .order_by("signed_up_at", "id")
    )


def get_signup_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Signup:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Signup.objects.within(j).select_related("shift__activity", "volunteer"), j, need=need, pk=pk
    )


def volunteers_for_signup(jurisdiction: Jurisdiction, shift: Shift) -> QuerySet[Volunteer]:
    """Active volunteers a clerk may sign up for this shift (not already on it)."""
    taken = Signup._base_manager.filter(shift=shift, status__in=LIVE_SIGNUP).values("volunteer_id")
    return (
        Volunteer.objects.within(jurisdiction)
        .filter(status=Volunteer.Status.ACTIVE)
        .exclude(pk__in=taken)
        .order_by("name", "id")
    )


# --- villagers ---------------------------------------------------------------------------------


def own_volunteer(jurisdiction: Jurisdiction | None, user: object) -> Volunteer | None:
    j = require_perm(jurisdiction, PARTICIPATE)
    return volunteer_selectors.own_volunteer(j)


def open_activities(jurisdiction: Jurisdiction | None) -> list[Activity]:
    """Open public activities of the villager's village with their shifts still ahead (free
    places counted), soonest first."""
    j = require_perm(jurisdiction, PARTICIPATE)
    now = timezone.now()
    upcoming = with_taken(
        Shift._base_manager.filter(cancelled_at__isnull=True, starts_at__gt=now)
    ).order_by("starts_at", "id")
    activities = (
        Activity.objects.within(j)
        .filter(status=Activity.Status.OPEN, public=True, shifts__starts_at__gt=now)
        .distinct()
        .select_related("project")
        .prefetch_related(Prefetch("shifts", queryset=upcoming, to_attr="upcoming"))
        .order_by("-created_at", "-id")
    )
    return list(activities[:50])


def my_signups(volunteer: Volunteer | None) -> list[Signup]:
    if volunteer is None:
        return []
    return list(
        Signup._base_manager.filter(volunteer=volunteer)
        .exclude(status=Signup.Status.WITHDRAWN)
        .select_related("shift__activity")
        .prefetch_related(
            Prefetch(
                "hours",
                queryset=HoursEntry._base_manager.filter(kind=HoursEntry.Kind.ATTENDANCE),
                to_attr="attendance",
            )
        )
        .order_by("-starts_at", "-id")[:100]
    )


def signed_shift_ids(volunteer: Volunteer | None) -> set[int]:
    if volunteer is None:
        return set()
    return set(
        Signup._base_manager.filter(volunteer=volunteer, status__in=LIVE_SIGNUP).values_list(
            "shift_id", flat=True
        )
    )
