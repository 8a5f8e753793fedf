"""Reads of volunteers, stations, organisations and hamlet coordinates, always within the
caller's jurisdiction (404 outside it, 403 inside without the permission)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.models import GONE, Person
from cunshe.volunteering.models import (
    HamletLocation,
    Organisation,
    Skill,
    Station,
    Volunteer,
)
from cunshe.volunteering.rules import rule

VIEW = "volunteering.view"
MANAGE = "volunteering.manage"
PARTICIPATE = "volunteering.participate"
SEARCH_LIMIT = 20
LIST_LIMIT = 200


@dataclass(frozen=True)
class VolunteerFilters:
    q: str = ""
    skill: str = ""
    station: int | None = None
    organisation: int | None = None
    star: int | None = None
    status: str = ""


def _star_range(star: int) -> tuple[int, int | None]:
    """Approved minutes [low, high) of a star grade."""
    hours = (0, *rule("STAR_HOURS"))
    if star < 0 or star >= len(hours):
        return (-1, -1)
    low = hours[star] * 60
    high = hours[star + 1] * 60 if star + 1 < len(hours) else None
    return low, high


def volunteers_for(
    jurisdiction: Jurisdiction | None, filters: VolunteerFilters | None = None
) -> QuerySet[Volunteer]:
    """Volunteers in the jurisdiction matching the filters (name prefix, pinyin or initials of a
    resident, number; skill; station; organisation; star; status), station loaded."""
    j = require_perm(jurisdiction, VIEW)
    f = filters or VolunteerFilters()
    qs = Volunteer.objects.within(j).select_related("station", "region")
    q = "".join((f.q or "").split())[:30]
    if q:
        if q.isascii() and q.isalpha():
            low = q.lower()
            qs = qs.filter(
                Q(person__name_initials__startswith=low) | Q(person__name_pinyin__startswith=low)
            )
        elif q.upper().startswith("JLV"):
            qs = qs.filter(number__startswith=q.upper())
        else:
            qs = qs.filter(name__startswith=q)
    if f.skill in Skill.values:
        # JSON list membership, portable over SQLite and PostgreSQL.
        qs = qs.filter(skills__icontains=f'"{f.skill}"')
    if f.station:
        qs = qs.filter(station_id=f.station)
    if f.organisation:
        qs = qs.filter(organisations__id=f.organisation)
    if f.star is not None:
        low, high = _star_range(f.star)
        qs = qs.filter(approved_minutes__gte=low)
        if high is not None:
            qs = qs.filter(approved_minutes__lt=high)
    if f.status in Volunteer.Status.values:
        qs = qs.filter(status=f.status)
    return qs.order_by("region_code", "name", "id")


def get_volunteer_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Volunteer:
    """One volunteer: 404 outside the jurisdiction, 403 (audited) inside it without `need`."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Volunteer.objects.within(j).select_related("station", "region", "person", "verified_by"),
        j,
        need=need,
        pk=pk,
    )


def own_volunteer(jurisdiction: Jurisdiction | None) -> Volunteer | None:
    """The caller's own volunteer record (found by the register's Person.account, or the
    volunteer's own account), or None."""
    j = require_jurisdiction(jurisdiction)
    if j.user_id is None:
        return None
    return (
        Volunteer.objects.within(j)
        .filter(Q(person__account_id=j.user_id) | Q(account_id=j.user_id))
        .select_related("station", "region")
        .first()
    )


def home_regions(jurisdiction: Jurisdiction) -> QuerySet[Region]:
    """Villages and hamlets a volunteer may live in."""
    return (
        Region.objects.within(jurisdiction)
        .current()
        .filter(level__in=(Level.VILLAGE, Level.GROUP))
        .order_by("code")
    )


def villages(jurisdiction: Jurisdiction) -> QuerySet[Region]:
    return (
        Region.objects.within(jurisdiction).current().filter(level=Level.VILLAGE).order_by("code")
    )


def organisation_regions(jurisdiction: Jurisdiction) -> QuerySet[Region]:
    return (
        Region.objects.within(jurisdiction)
        .current()
        .filter(level__in=(Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY))
        .order_by("code")
    )


def stations_for(jurisdiction: Jurisdiction | None) -> QuerySet[Station]:
    j = require_perm(jurisdiction, VIEW)
    return Station.objects.within(j).select_related("region", "organisation")


def get_station_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Station:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Station.objects.within(j).select_related("region", "organisation"), j, need=need, pk=pk
    )


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (6, 9, 12) if len(code) >= n]


def organisations_for(jurisdiction: Jurisdiction | None) -> QuerySet[Organisation]:
    """Organisations based in the jurisdiction, and those of the township and county above it
    (whose activities reach into it)."""
    j = require_perm(jurisdiction, VIEW)
    above = {c for p in j.prefixes for c in _ancestor_codes(p) if len(c) < len(p)}
    return (
        Organisation._base_manager.filter(j.q("region_code") | Q(region_code__in=above))
        .select_related("region")
        .order_by("region_code", "name", "id")
    )


def organisations_above(jurisdiction: Jurisdiction, code: str) -> QuerySet[Organisation]:
    """Active organisations a volunteer living in `code` may belong to (its village, township,
    county)."""
    return organisations_for(jurisdiction).filter(
        region_code__in=_ancestor_codes(code), active=True
    )


def get_organisation_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> Organisation:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Organisation.objects.within(j).select_related("region"), j, need=need, pk=pk
    )


def hamlet_locations(jurisdiction: Jurisdiction, village_code: str) -> dict[str, HamletLocation]:
    return {
        h.region_code: h
        for h in HamletLocation.objects.within(jurisdiction).filter(
            region_code__startswith=village_code
        )
    }


def search_residents(jurisdiction: Jurisdiction, q: str, *, limit: int = SEARCH_LIMIT) -> list:
    """Residents (in the register, not gone) whose name starts with `q` or whose pinyin or
    initials do, who are not volunteers yet; household loaded."""
    q = "".join((q or "").split())
    if not q or len(q) > 30:
        return []
    qs = (
        Person.objects.within(jurisdiction)
        .exclude(residence_status__in=GONE)
        .filter(volunteer__isnull=True)
        .select_related("household", "region")
    )
    if q.isascii() and q.isalpha():
        low = q.lower()
        qs = qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
    else:
        qs = qs.filter(name__startswith=q)
    return list(qs.order_by("name_pinyin", "id")[:limit])


def person_for(jurisdiction: Jurisdiction, pk: int) -> Person | None:
    return (
        Person.objects.within(jurisdiction)
        .filter(pk=pk)
        .select_related("region", "household")
        .first()
    )


def age_on(birth_date, on=None) -> int | None:  # type: ignore[no-untyped-def]
    if birth_date is None:
        return None
    on = on or timezone.localdate()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
