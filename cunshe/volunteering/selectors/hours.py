"""Reads of recorded hours: the staff list (to confirm / to approve / all) and one volunteer's."""

from __future__ import annotations

from django.db.models import QuerySet

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.volunteering.models import HoursEntry, Volunteer

VIEW = "volunteering.view"
Status = HoursEntry.Status


def hours_for(jurisdiction: Jurisdiction | None, *, status: str = "") -> QuerySet[HoursEntry]:
    j = require_perm(jurisdiction, VIEW)
    qs = HoursEntry.objects.within(j).select_related(
        "volunteer", "activity", "confirmed_by", "recorded_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-service_date", "-id")


def get_hours_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> HoursEntry:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        HoursEntry.objects.within(j).select_related(
            "volunteer__person", "activity", "signup__shift", "corrects", "confirmed_by",
            "decided_by", "recorded_by",
        ),
        j,
        need=need,
        pk=pk,
    )  # fmt: skip


def corrections_of(entry: HoursEntry) -> list[HoursEntry]:
    return list(HoursEntry._base_manager.filter(corrects=entry).order_by("id"))


def hours_of(volunteer: Volunteer | None) -> list[HoursEntry]:
    """A volunteer's own entries (newest first)."""
    if volunteer is None:
        return []
    return list(
        HoursEntry._base_manager.filter(volunteer=volunteer)
        .select_related("activity")
        .order_by("-service_date", "-id")[:200]
    )
