"""Scoped reads of needs and matches (docs/volunteering/needs.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from cunshe.core.access import get_scoped_or_404, require_jurisdiction
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.volunteering.models import Match, Need
from cunshe.volunteering.services.needs import HOLDING, VIEW

STATUS_FILTERS = ("open", "matched", "done", "cancelled", "all")


def needs_for(j: Jurisdiction, status: str = "open") -> QuerySet[Need]:
    """Needs in the jurisdiction with their held and accepted counts (one query)."""
    qs = Need.objects.within(j).select_related("region")
    if status and status != "all":
        qs = qs.filter(status=status)
    return qs.annotate(
        n_held=Count("matches", filter=Q(matches__status__in=HOLDING)),
        n_accepted=Count("matches", filter=Q(matches__status=Match.Status.ACCEPTED)),
        n_proposed=Count("matches", filter=Q(matches__status=Match.Status.PROPOSED)),
    ).order_by("starts_at", "id")


def get_need_for(j: Jurisdiction | None, pk: Any, need: str = VIEW) -> Need:
    """404 outside the subtree, 403 inside without `need`."""
    j = require_jurisdiction(j)
    return get_scoped_or_404(
        Need.objects.within(j).select_related("region", "posted_by", "recipient"),
        j,
        need=need,
        pk=pk,
    )


def get_match_for(j: Jurisdiction | None, pk: Any, need: str = VIEW) -> Match:
    j = require_jurisdiction(j)
    return get_scoped_or_404(
        Match.objects.within(j).select_related("need", "volunteer"), j, need=need, pk=pk
    )


def matches_of(need: Need) -> list[Match]:
    """The need's matches, best first, with their volunteers (one query)."""
    return list(
        Match._base_manager.filter(need=need)
        .select_related("volunteer")
        .order_by("status", "-score", "id")
    )


def places_for_form(j: Jurisdiction) -> list[tuple[str, str]]:
    """Villages and hamlets of the jurisdiction (code, name) for the need form."""
    qs = Region.objects.within(j).filter(
        level__in=(Level.VILLAGE, Level.GROUP), valid_to__isnull=True
    )
    return list(qs.order_by("code").values_list("code", "name")[:500])


def my_matches(volunteer_id: int) -> list[Match]:
    """A volunteer's invitations (confirmed) and answers, newest first."""
    return list(
        Match._base_manager.filter(volunteer_id=volunteer_id)
        .exclude(status=Match.Status.PROPOSED)
        .select_related("need", "need__region")
        .order_by("-confirmed_at", "-id")[:50]
    )


def batch_matches(j: Jurisdiction, batch: str) -> QuerySet[Match]:
    return (
        Match.objects.within(j)
        .filter(batch=batch)
        .select_related("need", "volunteer")
        .order_by("need__starts_at", "need_id", "-score")
    )


def own_household_members(j: Jurisdiction) -> list[Any]:
    """The people of the caller's own household (a villager asks for help for them)."""
    from cunshe.residents.models import Person
    from cunshe.residents.selectors import own_household_id

    household = own_household_id(j)
    if household is None:
        return []
    return list(
        Person.objects.within(j)
        .filter(household_id=household)
        .select_related("region")
        .order_by("id")
    )


def own_requests(j: Jurisdiction) -> list[Need]:
    """The help requests for the caller's household, newest first."""
    from cunshe.residents.selectors import own_household_id

    household = own_household_id(j)
    if household is None:
        return []
    return list(
        Need._base_manager.filter(source=Need.Source.RECIPIENT, recipient__household_id=household)
        .select_related("recipient")
        .order_by("-starts_at", "-id")[:50]
    )
