"""Reads of the identification part: candidates waiting for a clerk, and a household's kin
links for the kin page. Profiles come through `cunshe.care.access.visible_profiles`, so
children's candidates are seen only with care.view_children."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from cunshe.care import access
from cunshe.care.models import CareProfile, KinLink
from cunshe.care.services.kin import unresolved_members
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.models import Household, Person
from cunshe.residents.selectors import get_household_for

EDIT = "care.edit"
MAX_VILLAGES = 500


@dataclass(frozen=True)
class CandidateFilters:
    kind: str = ""
    village: str = ""  # a 12-digit village code inside the caller's jurisdiction


def require_edit(jurisdiction: Jurisdiction | None) -> Jurisdiction:
    """The caller's scope, refused (403, audited) without care.edit."""
    j = require_perm(jurisdiction, access.VIEW, action="care.permission.denied")
    return require_perm(j, EDIT, action="care.permission.denied")


def candidates(j: Jurisdiction, filters: CandidateFilters | None = None) -> QuerySet[CareProfile]:
    """Candidates in the caller's subtree the caller may see, newest identified first."""
    filters = filters or CandidateFilters()
    qs = access.visible_profiles(j).filter(status=CareProfile.Status.CANDIDATE)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.village:
        qs = qs.filter(region_code__startswith=filters.village)
    return qs.select_related("person", "region").order_by("-identified_on", "-id")


def villages(j: Jurisdiction) -> list[Region]:
    """The villages of the caller's jurisdiction (for the filter), by code."""
    return list(
        Region.objects.filter(j.q("code"), level=Level.VILLAGE, valid_to=None)
        .only("id", "code", "name")
        .order_by("code")[:MAX_VILLAGES]
    )


def get_candidate_for(j: Jurisdiction, pk: Any) -> CareProfile:
    """A profile for a clerk's decision: 404 outside, 403 (audited) without care.edit or,
    for a child, care.view_children."""
    return access.get_profile_for(j, pk, need=EDIT)


# --- kin page -------------------------------------------------------------------------------


@dataclass
class KinRow:
    link: KinLink
    person_name: str
    relative_name: str
    relative_outside: bool  # the relative lives outside the caller's jurisdiction


@dataclass
class HouseholdKin:
    household: Household
    members: list[Person]
    links: list[KinRow] = field(default_factory=list)
    unresolved: list[Person] = field(default_factory=list)


def household_kin(j: Jurisdiction, household_id: int) -> HouseholdKin:
    """A household's members, the kin links touching them (inferred and a clerk's, active and
    switched off) and the members whose parents could not be inferred. Needs care.edit; 404
    outside the subtree."""
    household = get_household_for(j, household_id)  # 404 outside the subtree
    require_edit(j)
    members = list(
        Person.objects.within(j).filter(household=household).order_by("relationship", "id")
    )
    ids = [m.pk for m in members]
    rows = (
        KinLink._base_manager.filter(Q(person_id__in=ids) | Q(relative_id__in=ids))
        .select_related("person", "relative")
        .order_by("-active", "person_id", "kind", "relative_id")
    )
    out = HouseholdKin(household=household, members=members)
    for link in rows:
        outside = not j.covers(link.relative.region_code)
        out.links.append(
            KinRow(
                link=link,
                person_name=link.person.name if j.covers(link.person.region_code) else "",
                relative_name="" if outside else link.relative.name,
                relative_outside=outside,
            )
        )
    unresolved = set(unresolved_members(household.pk))
    out.unresolved = [m for m in members if m.pk in unresolved]
    return out


def get_kin_link_for(j: Jurisdiction, pk: Any) -> KinLink:
    """A link in the caller's subtree (by the person's region); 404 otherwise."""
    from django.http import Http404

    link = KinLink.objects.within(j).filter(pk=pk).first() if str(pk).isdigit() else None
    if link is None:
        raise Http404
    return link


def person_for_kin(j: Jurisdiction, pk: Any) -> Person | None:
    """A person a clerk may link (inside the caller's jurisdiction), or None."""
    if not str(pk).isdigit():
        return None
    return Person.objects.within(j).filter(pk=pk).first()
