"""Reads for the election pages and API, always inside the caller's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.fields import blind_index_for
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number
from cunshe.residents import idcard
from cunshe.residents.models import Person
from cunshe.selfgov import eligibility as el
from cunshe.selfgov.models.elections import (
    Candidate,
    Election,
    ElectionResult,
    NonHukouApproval,
    Proxy,
    RecallPetition,
    RightsDeprivation,
    RollObjection,
    VoterRollEntry,
)
from cunshe.selfgov.services.elections import roll_counts

VIEW = "selfgov.view"


def elections_for(j: Jurisdiction) -> QuerySet[Election]:
    require_perm(j, VIEW)
    return (
        Election.objects.within(j)
        .select_related("region")
        .annotate(voters=Count("roll", filter=Q(roll__removed=False)))
        .order_by("-vote_on", "-id")
    )


def election_for(j: Jurisdiction, pk: int) -> Election:
    """404 outside the jurisdiction, 403 (audited) inside it without selfgov.view."""
    j = require_jurisdiction(j)
    election = Election.objects.within(j).select_related("region").filter(pk=pk).first()
    if election is None:
        raise Http404
    require_perm(j, VIEW)
    return election


def person_by_id_number(j: Jurisdiction, id_number: str, village_code: str) -> Person | None:
    """The register's person with this ID number in the village (None elsewhere or unknown)."""
    try:
        value = idcard.parse(id_number).value
    except idcard.IdNumberError:
        return None
    bidx = blind_index_for(Person, "id_number", value)
    return (
        Person.objects.within(j)
        .filter(id_number_bidx=bidx, region_code__startswith=village_code)
        .first()
    )


def entry_by_id_number(
    j: Jurisdiction, election: Election, id_number: str
) -> VoterRollEntry | None:
    person = person_by_id_number(j, id_number, election.region_code)
    if person is None:
        return None
    return (
        VoterRollEntry.objects.filter(election=election, person=person)
        .select_related("person")
        .first()
    )


@dataclass
class Timetable:
    vote_on: date
    latest_publication: date
    published_on: date | None
    objection_deadline: date | None
    days_left: int


def timetable(election: Election) -> Timetable:
    published = election.roll_published_on
    return Timetable(
        vote_on=election.vote_on,
        latest_publication=el.latest_publication(election.vote_on),
        published_on=published,
        objection_deadline=el.objection_deadline(published) if published else None,
        days_left=(election.vote_on - timezone.localdate()).days,
    )


def roll_entries(
    election: Election, *, show: str = "current", category: str = ""
) -> QuerySet[VoterRollEntry]:
    qs = VoterRollEntry.objects.filter(election=election).select_related(
        "person", "person__household"
    )
    if show == "current":
        qs = qs.filter(removed=False)
    elif show == "removed":
        qs = qs.filter(removed=True)
    if category in VoterRollEntry.Category.values:
        qs = qs.filter(category=category)
    return qs.order_by("person__household__number", "person__relationship", "person_id")


def roll_row(entry: VoterRollEntry, vote_on: date) -> dict:
    """One roll line for staff: name, sex, age on the vote day, masked ID, category, household."""
    p = entry.person
    return {
        "entry": entry,
        "name": p.name,
        "sex": p.get_sex_display(),
        "age": p.age_on(vote_on),
        "id_masked": mask_id_number(p.id_number),
        "category": entry.category,
        "category_label": entry.get_category_display(),
        "household": p.household.number,
    }


def objections(election: Election) -> list[dict]:
    today = timezone.localdate()
    out = []
    for o in (
        RollObjection.objects.filter(election=election)
        .select_related("subject")
        .order_by("filed_on", "id")
    ):
        due = el.answer_due(o.filed_on)
        out.append(
            {
                "o": o,
                "due": due,
                "overdue": (o.answered_on is None and today > due)
                or (o.answered_on is not None and o.answered_on > due),
            }
        )
    return out


def proxies(election: Election) -> QuerySet[Proxy]:
    return (
        Proxy.objects.filter(election=election)
        .select_related("principal__person", "holder__person")
        .order_by("holder__person__name", "id")
    )


def candidates(election: Election) -> QuerySet[Candidate]:
    return (
        Candidate.objects.filter(election=election)
        .select_related("person")
        .order_by("round", "position", "-votes", "id")
    )


def results(election: Election) -> QuerySet[ElectionResult]:
    return ElectionResult.objects.filter(election=election).order_by("round")


def summary(election: Election) -> dict:
    counts = roll_counts(election)
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "removed": VoterRollEntry.objects.filter(election=election, removed=True).count(),
    }


def approvals_for(j: Jurisdiction) -> QuerySet[NonHukouApproval]:
    require_perm(j, VIEW)
    return (
        NonHukouApproval.objects.within(j)
        .select_related("person", "decision__agenda_item__meeting")
        .order_by("-applied_on", "-id")
    )


def deprivations_for(j: Jurisdiction) -> QuerySet[RightsDeprivation]:
    require_perm(j, VIEW)
    return RightsDeprivation.objects.within(j).select_related("person").order_by("-since", "-id")


def recalls_for(j: Jurisdiction) -> QuerySet[RecallPetition]:
    require_perm(j, VIEW)
    return (
        RecallPetition.objects.within(j)
        .select_related("member__person", "member__body")
        .order_by("-filed_on", "-id")
    )


def recall_for(j: Jurisdiction, pk: int) -> RecallPetition:
    j = require_perm(j, VIEW)
    petition = RecallPetition.objects.within(j).filter(pk=pk).first()
    if petition is None:
        raise Http404
    return petition


def objection_for(election: Election, pk: int) -> RollObjection:
    o = RollObjection.objects.filter(election=election, pk=pk).select_related("entry").first()
    if o is None:
        raise Http404
    return o


def proxy_for(election: Election, pk: int) -> Proxy:
    p = Proxy.objects.filter(election=election, pk=pk).first()
    if p is None:
        raise Http404
    return p
