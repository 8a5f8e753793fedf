"""A volunteer's time: live shift sign-ups and accepted/confirmed matches both hold it, and no
two may overlap. Shift sign-up (services/shifts.py) and matching (services/matching.py) both
check here, under a lock on the volunteer's row, so two requests at once cannot both book
overlapping times (PostgreSQL: SELECT … FOR UPDATE; SQLite serialises writers anyway).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from cunshe.volunteering.models import Match, Signup, Volunteer

LIVE_SIGNUP = (Signup.Status.SIGNED_UP, Signup.Status.ATTENDED)
HOLDING_MATCH = (Match.Status.CONFIRMED, Match.Status.ACCEPTED)


def lock_volunteer(volunteer: Volunteer) -> Volunteer:
    """The volunteer's row re-read under a lock (call inside a transaction)."""
    return Volunteer._base_manager.select_for_update().get(pk=volunteer.pk)


def clash(
    volunteer: Volunteer,
    starts_at: datetime,
    ends_at: datetime,
    *,
    ignore_signup: int | None = None,
    ignore_match: int | None = None,
) -> Signup | Match | None:
    """The first sign-up or held match of this volunteer overlapping [starts_at, ends_at)."""
    overlap = Q(starts_at__lt=ends_at, ends_at__gt=starts_at)
    signups = Signup._base_manager.filter(overlap, volunteer=volunteer, status__in=LIVE_SIGNUP)
    if ignore_signup:
        signups = signups.exclude(pk=ignore_signup)
    found = signups.select_related("shift__activity").order_by("starts_at").first()
    if found is not None:
        return found
    matches = Match._base_manager.filter(overlap, volunteer=volunteer, status__in=HOLDING_MATCH)
    # A match that became a sign-up is already counted as the sign-up.
    matches = matches.filter(signup__isnull=True)
    if ignore_match:
        matches = matches.exclude(pk=ignore_match)
    return matches.select_related("need").order_by("starts_at").first()


def busy_intervals(
    volunteer_ids: list[int], since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """For batch matching: each volunteer's held intervals meeting [since, until), in 2 queries."""
    out: dict[int, list[tuple[datetime, datetime]]] = {pk: [] for pk in volunteer_ids}
    window = Q(starts_at__lt=until, ends_at__gt=since)
    for vid, start, end in Signup._base_manager.filter(
        window, volunteer_id__in=volunteer_ids, status__in=LIVE_SIGNUP
    ).values_list("volunteer_id", "starts_at", "ends_at"):
        out[vid].append((start, end))
    for vid, start, end in Match._base_manager.filter(
        window, volunteer_id__in=volunteer_ids, status__in=HOLDING_MATCH, signup__isnull=True
    ).values_list("volunteer_id", "starts_at", "ends_at"):
        out[vid].append((start, end))
    return out
