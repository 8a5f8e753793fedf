"""Scoped reads of profiles: the filtered list (from `access.visible_profiles`, so children are
hidden from roles without care.view_children) and everything the detail page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cunshe.care.access import visible_profiles
from cunshe.care.models import Alert, CareKind, CareProfile, CarerAssignment, Terminal, Visit
from cunshe.core.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class ProfileFilters:
    status: str = CareProfile.Status.ACTIVE.value  # "" = every status
    kind: str = ""
    risk: str = ""
    village: str = ""  # a region code prefix inside the caller's subtree
    overdue: bool = False
    carer_user: int | None = None  # profiles where this user is an active carer
    q: str = ""  # name (exact characters, pinyin or initials)


def profile_search(
    j: Jurisdiction, f: ProfileFilters | None = None, *, now: datetime | None = None
) -> QuerySet[CareProfile]:
    """Visible profiles matching the filters, with the person, region and active carers loaded
    (three queries for any page: profiles, carers, nothing else)."""
    f = f or ProfileFilters()
    qs = visible_profiles(j)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.risk:
        qs = qs.filter(risk_level=f.risk)
    if f.village:
        qs = qs.filter(region_code__startswith=f.village)
    if f.overdue:
        qs = qs.filter(status=CareProfile.Status.ACTIVE, next_visit_due__lt=now or timezone.now())
    if f.carer_user:
        mine = CarerAssignment.objects.filter(user_id=f.carer_user, active=True)
        qs = qs.filter(pk__in=mine.values("profile_id"))
    if f.q:
        text = f.q.strip()
        qs = qs.filter(
            Q(person__name__contains=text)
            | Q(person__name_pinyin__contains=text.lower())
            | Q(person__name_initials__startswith=text.lower())
        )
    return qs.select_related("person", "region").prefetch_related(
        Prefetch(
            "carers",
            queryset=CarerAssignment.objects.filter(active=True).order_by("assigned_at", "id"),
            to_attr="active_carers",
        )
    )


def children_count(rows: list[CareProfile]) -> int:
    return sum(1 for p in rows if p.kind == CareKind.CHILD)


@dataclass
class ProfileDetail:
    profile: CareProfile
    history: list[Any]
    contacts: list[Any]
    carers: list[CarerAssignment]
    visits: list[Visit]
    alerts: list[Alert]
    terminals: list[Terminal]


VISITS_SHOWN = 20
ALERTS_SHOWN = 20


def profile_detail(j: Jurisdiction, profile: CareProfile) -> ProfileDetail:
    """What the detail page shows of a profile already fetched with `access.get_profile_for`:
    history, contacts, carers (ended ones too), the latest visits with their photos, the
    person's alerts and terminals."""
    visits = list(
        Visit.objects.within(j)
        .filter(profile=profile)
        .prefetch_related("photos")
        .order_by("-visited_at", "-id")[:VISITS_SHOWN]
    )
    return ProfileDetail(
        profile=profile,
        history=list(profile.history.select_related("actor").order_by("-at", "-id")),
        contacts=list(profile.contacts.all()),
        carers=list(profile.carers.select_related("user")),
        visits=visits,
        alerts=list(Alert.objects.within(j).filter(person_id=profile.person_id)[:ALERTS_SHOWN]),
        terminals=list(Terminal.objects.within(j).filter(person_id=profile.person_id)),
    )


def profiles_of_person(j: Jurisdiction, person: Any) -> list[CareProfile]:
    """The person's profiles this caller may read (none without care.view)."""
    if not j.has_perm("care.view"):
        return []
    return list(visible_profiles(j).filter(person=person).order_by("kind"))
