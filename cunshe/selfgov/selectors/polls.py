"""Reads of polls: staff lists and pages (selfgov.view), the villager's polls of their own
village (selfgov.participate), who voted (staff only; never how, on a secret poll), and the
results — None until the poll is closed."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Person
from cunshe.selfgov.models import Poll, PollOption, PollParticipation
from cunshe.selfgov.selectors.bodies import MANAGE, VIEW

PARTICIPATE = "selfgov.participate"
__all__ = ["MANAGE", "PARTICIPATE", "VIEW"]


def polls_for(jurisdiction: Jurisdiction | None, *, status: str = "") -> QuerySet[Poll]:
    j = require_perm(jurisdiction, VIEW)
    qs = Poll.objects.within(j).select_related("region")
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(voted=Count("participations")).order_by("-opens_at", "-id")


def get_poll_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Poll:
    """One poll: 404 outside the jurisdiction, 403 (audited) inside it without `need`."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(Poll.objects.within(j).select_related("region"), j, need=need, pk=pk)


def villager_polls(jurisdiction: Jurisdiction | None) -> QuerySet[Poll]:
    """The polls a villager sees: their village's (and groups'), once opened."""
    j = require_perm(jurisdiction, PARTICIPATE)
    return (
        Poll.objects.within(j)
        .filter(status__in=(Poll.Status.OPEN, Poll.Status.CLOSED))
        .select_related("region")
        .order_by("-opens_at", "-id")
    )


def get_villager_poll(jurisdiction: Jurisdiction | None, pk: int) -> Poll:
    j = require_jurisdiction(jurisdiction)
    poll = get_scoped_or_404(
        Poll.objects.within(j).select_related("region"), j, need=PARTICIPATE, pk=pk
    )
    if poll.status == Poll.Status.DRAFT:
        raise PermissionDenied(PARTICIPATE)
    return poll


def options_of(poll: Poll) -> list[PollOption]:
    return list(PollOption.objects.filter(poll=poll).order_by("order", "id"))


def person_of(user: object) -> Person | None:
    """The register entry of a signed-in villager (None when the account has none)."""
    if getattr(user, "pk", None) is None:
        return None
    return Person._base_manager.filter(account_id=user.pk).first()  # type: ignore[attr-defined]


def has_voted(poll: Poll, person: Person | None) -> bool:
    return (
        person is not None and PollParticipation.objects.filter(poll=poll, person=person).exists()
    )


def is_eligible(poll: Poll, person: Person | None) -> bool:
    return person is not None and poll.voters.filter(person=person).exists()


def participations_of(poll: Poll) -> list[PollParticipation]:
    """Who voted, when and how (staff). The choice is loaded only on an open ballot."""
    qs = PollParticipation.objects.filter(poll=poll).select_related(
        "person", "proxy_holder", "recorded_by"
    )
    if not poll.secret:
        qs = qs.select_related("option")
    return list(qs.order_by("voted_at", "id"))


@dataclass(frozen=True)
class Result:
    options: list[PollOption]
    votes_cast: int
    eligible: int
    per_household: bool

    @property
    def turnout_percent(self) -> int:
        return 0 if not self.eligible else round(100 * self.votes_cast / self.eligible)


def results_of(poll: Poll) -> Result | None:
    """Counts per option and turnout, only once the poll is closed."""
    if poll.status != Poll.Status.CLOSED:
        return None
    eligible = (poll.eligible_households if poll.per_household else poll.eligible_persons) or 0
    return Result(options_of(poll), poll.votes_cast or 0, eligible, poll.per_household)
