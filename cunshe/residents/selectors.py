"""Scoped reads of the register. Every function takes the caller's jurisdiction.

Minors under 14 are left out for roles without `residents.view_minors`; a villager
(`residents.view_own`) sees only the household of the person linked to their account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.core.access import require_jurisdiction
from cunshe.core.audit import audit
from cunshe.core.fields import blind_index_for
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.residents import idcard, rules
from cunshe.residents.models import Household, ImportJob, Person, ResidenceEvent

VIEW = "residents.view"
VIEW_OWN = "residents.view_own"
VIEW_MINORS = "residents.view_minors"


def minor_cutoff(today: date | None = None) -> date:
    """Born after this date = under the sensitive-minor age today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - rules.SENSITIVE_MINOR_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - rules.SENSITIVE_MINOR_AGE, day=28)


def own_person(jurisdiction: Jurisdiction) -> Person | None:
    """The register entry linked to the caller's account (a villager's own), if any."""
    if jurisdiction.user_id is None:
        return None
    return (
        Person.objects.within(jurisdiction)
        .filter(account_id=jurisdiction.user_id)
        .select_related("household", "region")
        .first()
    )


def own_household_id(jurisdiction: Jurisdiction) -> int | None:
    """The household of the person linked to the caller's account (a villager's own)."""
    if jurisdiction.user_id is None:
        return None
    return (
        Person.objects.within(jurisdiction)
        .filter(account_id=jurisdiction.user_id)
        .values_list("household_id", flat=True)
        .first()
    )


def persons_visible(jurisdiction: Jurisdiction | None) -> QuerySet[Person]:
    """Every person this caller may see (the base of all person lists and lookups)."""
    j = require_jurisdiction(jurisdiction)
    qs = Person.objects.within(j)
    if j.has_perm(VIEW):
        if not j.has_perm(VIEW_MINORS):
            qs = qs.filter(birth_date__lte=minor_cutoff())
        return qs
    if j.has_perm(VIEW_OWN):
        return qs.filter(household_id=own_household_id(j))
    return qs.none()


def households_visible(jurisdiction: Jurisdiction | None) -> QuerySet[Household]:
    j = require_jurisdiction(jurisdiction)
    qs = Household.objects.within(j)
    if j.has_perm(VIEW):
        return qs
    if j.has_perm(VIEW_OWN):
        return qs.filter(pk=own_household_id(j))
    return qs.none()


@dataclass
class PersonFilters:
    q: str = ""  # name, pinyin, initials, household number, exact ID or phone number
    region_code: str = ""  # narrow to a village or group inside the jurisdiction
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    residence_status: str = ""
    flag: str = ""  # a household flag field name, or has_disability / is_veteran / is_youfu
    include_gone: bool = False


PERSON_FLAGS = ("has_disability", "is_veteran", "is_youfu", "lacks_guardianship_capacity")


def _years_ago(years: int, today: date) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def person_search(jurisdiction: Jurisdiction | None, f: PersonFilters) -> QuerySet[Person]:
    """Filtered, ordered person list (household loaded); exact ID and phone numbers go
    through the blind indexes, never through the ciphertext."""
    from cunshe.residents.models import GONE

    qs = persons_visible(jurisdiction).select_related("household")
    q = f.q.strip()
    if q:
        compact = "".join(q.split())
        if len(compact) == 18 and compact[:17].isdigit():
            qs = qs.filter(
                id_number_bidx=blind_index_for(Person, "id_number", idcard.normalise(compact))
            )
        elif compact.isdigit() and len(compact) == 11:
            qs = qs.filter(phone_bidx=blind_index_for(Person, "phone", compact))
        elif compact.isascii() and compact.isalpha():
            low = compact.lower()
            qs = qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
        elif any(ord(ch) > 0x2E7F for ch in compact):
            # Chinese text: a name prefix (full name or surname first), which an index serves;
            # a substring match scanned the whole province (bench/residents_search.py).
            qs = qs.filter(name__startswith=compact)
        else:
            qs = qs.filter(household__number=q)
    if f.region_code:
        qs = qs.filter(region_code__startswith=f.region_code)
    if f.sex:
        qs = qs.filter(sex=f.sex)
    today = timezone.localdate()
    if f.age_min is not None:
        qs = qs.filter(birth_date__lte=_years_ago(f.age_min, today))
    if f.age_max is not None:
        qs = qs.filter(birth_date__gt=_years_ago(f.age_max + 1, today))
    if f.residence_status:
        qs = qs.filter(residence_status=f.residence_status)
    elif not f.include_gone:
        qs = qs.exclude(residence_status__in=GONE)
    if f.flag in PERSON_FLAGS:
        qs = qs.filter(**{f.flag: True})
    elif f.flag in Household.FLAG_FIELDS:
        qs = qs.filter(**{f"household__{f.flag}": True})
    return qs.order_by("region_code", "household__number", "relationship", "birth_date", "id")


def get_person_for(
    jurisdiction: Jurisdiction | None, pk: int, *, audit_view: bool = True
) -> Person:
    """One person: 404 outside what the caller may see; the view of a detail page is audited."""
    j = require_jurisdiction(jurisdiction)
    if not (j.has_perm(VIEW) or j.has_perm(VIEW_OWN)):
        audit(
            "core.permission.denied",
            jurisdiction=j,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": VIEW},
        )
        raise PermissionDenied(VIEW)
    person = persons_visible(j).select_related("household", "region").filter(pk=pk).first()
    if person is None:
        raise Http404
    if audit_view:
        audit("residents.person.viewed", jurisdiction=j, obj=person)
    return person


def get_household_for(jurisdiction: Jurisdiction | None, pk: int) -> Household:
    j = require_jurisdiction(jurisdiction)
    household = households_visible(j).select_related("region").filter(pk=pk).first()
    if household is None:
        raise Http404
    return household


def household_members(jurisdiction: Jurisdiction, household: Household) -> list[Person]:
    """Members the caller may see, head first; minors hidden from roles that may not see them."""
    return list(
        persons_visible(jurisdiction)
        .filter(household=household)
        .order_by("relationship", "birth_date", "id")
    )


def person_events(person: Person) -> list[ResidenceEvent]:
    """The person's full event history (corrections included), oldest first."""
    return list(
        person.events.select_related("recorded_by", "corrects").order_by("occurred_on", "id")
    )


def import_jobs_of(jurisdiction: Jurisdiction, user_id: int, limit: int = 10) -> list[ImportJob]:
    """The caller's own recent import jobs, newest first."""
    return list(ImportJob.objects.within(jurisdiction).filter(created_by_id=user_id)[:limit])


def get_import_job_for(jurisdiction: Jurisdiction, user_id: int, pk: int) -> ImportJob:
    """The caller's own job: other people's uploads (even in the same village) are 404."""
    job = ImportJob.objects.within(jurisdiction).filter(pk=pk, created_by_id=user_id).first()
    if job is None:
        raise Http404
    return job
