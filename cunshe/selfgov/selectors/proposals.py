"""Reads of proposals, co-signatures and consultation records.

Who may co-sign: an adult living in the village on the day (the meetings part's definition,
`selectors.bodies.adults`: 18+ with residence status 在本村居住 or 非户籍常住), or a 村民代表
serving on the day (a current representative membership of the village's 村民代表会议). A
representative's signature counts towards both thresholds when they are also such an adult.

A villager signed in on their phone is found in the register by that phone number (exactly one
adult of the village with it); otherwise the clerk records the signature from paper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction
from cunshe.core.fields import blind_index_for
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Person
from cunshe.selfgov.models import (
    BodyKind,
    Consultation,
    Membership,
    Position,
    Proposal,
    ProposalSignature,
)
from cunshe.selfgov.rules import needed_at_least, rule
from cunshe.selfgov.selectors.bodies import adults

VIEW = "selfgov.view"
MANAGE = "selfgov.manage"
PARTICIPATE = "selfgov.participate"


def representatives(jurisdiction: Jurisdiction, village_code: str, on: date) -> QuerySet:
    """Memberships of the village's serving 村民代表 on `on`."""
    return Membership.objects.within(jurisdiction).filter(
        Q(end__isnull=True) | Q(end__gte=on),
        body__village_code=village_code,
        body__kind=BodyKind.ASSEMBLY,
        position=Position.REPRESENTATIVE,
        start__lte=on,
    )


@dataclass(frozen=True)
class Standing:
    """Where a proposal stands against the two thresholds today."""

    adults: int
    representatives: int
    villager_signatures: int
    representative_signatures: int

    @property
    def villagers_needed(self) -> int:
        return max(needed_at_least(self.adults, rule("VILLAGERS_MEETING_REQUEST_VILLAGERS")), 1)

    @property
    def representatives_needed(self) -> int:
        fraction = rule("VILLAGERS_MEETING_REQUEST_REPRESENTATIVES")
        return max(needed_at_least(self.representatives, fraction), 1)

    @property
    def by_villagers(self) -> bool:
        return self.adults > 0 and self.villager_signatures >= self.villagers_needed

    @property
    def by_representatives(self) -> bool:
        return (
            self.representatives > 0
            and self.representative_signatures >= self.representatives_needed
        )


def standing(jurisdiction: Jurisdiction, proposal: Proposal, on: date | None = None) -> Standing:
    on = on or timezone.localdate()
    if proposal.reached_on is not None:
        return Standing(
            proposal.base_adults or 0,
            proposal.base_representatives or 0,
            proposal.villager_signatures,
            proposal.representative_signatures,
        )
    return Standing(
        adults(jurisdiction, proposal.region_code, on).count(),
        representatives(jurisdiction, proposal.region_code, on)
        .values("person_id")
        .distinct()
        .count(),
        proposal.villager_signatures,
        proposal.representative_signatures,
    )


def person_of_user(jurisdiction: Jurisdiction, village_code: str, user) -> Person | None:  # type: ignore[no-untyped-def]
    """The register's person behind a villager's account: the one person of the village with
    the account's phone number, or None (none or several)."""
    phone = (getattr(user, "phone", "") or "").strip()
    if not phone:
        return None
    found = list(
        Person.objects.within(jurisdiction)
        .filter(
            region_code__startswith=village_code,
            phone_bidx=blind_index_for(Person, "phone", phone),
        )
        .order_by("pk")[:2]
    )
    return found[0] if len(found) == 1 else None


def proposals_for(
    jurisdiction: Jurisdiction | None, *, status: str = "", village_code: str = ""
) -> QuerySet[Proposal]:
    """Proposals the caller may read: staff with selfgov.view in their jurisdiction, villagers
    (selfgov.participate) those of their own village."""
    j = require_jurisdiction(jurisdiction)
    if not (j.has_perm(VIEW) or j.has_perm(PARTICIPATE)):
        from cunshe.core.access import require_perm

        require_perm(j, VIEW)
    qs = Proposal.objects.within(j).select_related("region")
    if status:
        qs = qs.filter(status=status)
    if village_code:
        qs = qs.filter(region_code=village_code)
    return qs.order_by("-created_at", "-id")


def get_proposal_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = "") -> Proposal:
    """404 outside the jurisdiction; 403 (audited) inside without `need` (default: view or
    participate)."""
    j = require_jurisdiction(jurisdiction)
    if not need:
        need = VIEW if j.has_perm(VIEW) or not j.has_perm(PARTICIPATE) else PARTICIPATE
    return get_scoped_or_404(
        Proposal.objects.within(j).select_related("region", "proposer", "meeting"),
        j,
        need=need,
        pk=pk,
    )


def signatures_of(proposal: Proposal) -> list[ProposalSignature]:
    return list(proposal.signatures.select_related("person").order_by("signed_at", "id"))


def has_signed(proposal: Proposal, person: Person | None) -> bool:
    return person is not None and proposal.signatures.filter(person=person).exists()


def is_overdue(proposal: Proposal, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        proposal.status == Proposal.Status.MUST_CONVENE
        and proposal.convene_by is not None
        and proposal.convene_by < today
    )


def consultations_for(jurisdiction: Jurisdiction | None) -> QuerySet[Consultation]:
    from cunshe.core.access import require_perm

    j = require_perm(jurisdiction, VIEW)
    return Consultation.objects.within(j).select_related("region").order_by("-notice_on", "-id")


def get_consultation_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> Consultation:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Consultation.objects.within(j).select_related("region", "proposal"), j, need=need, pk=pk
    )
