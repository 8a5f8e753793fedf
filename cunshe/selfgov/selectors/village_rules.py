"""Reads of 村规民约 and 自治章程 versions: staff lists in the jurisdiction, and the public page of
a village (no sign-in: titles, texts, dates and the adopting meeting — never a person)."""

from __future__ import annotations

from django.db.models import QuerySet

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.selfgov.models import Decision, MeetingKind, RulesKind, RulesVersion
from cunshe.selfgov.selectors.disclosure import public_scope

VIEW = "selfgov.view"
MANAGE = "selfgov.manage"
SUPERVISE = "selfgov.supervise"


def versions_for(jurisdiction: Jurisdiction | None, *, unfiled: bool = False) -> QuerySet:
    j = require_perm(jurisdiction, VIEW)
    qs = RulesVersion.objects.within(j).select_related("region")
    if unfiled:
        qs = qs.filter(filed_on__isnull=True)
    return qs.order_by("region_code", "kind", "-number")


def get_version_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> RulesVersion:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        RulesVersion.objects.within(j).select_related("region", "decision__agenda_item__meeting"),
        j,
        need=need,
        pk=pk,
    )


def adoptable_decisions(jurisdiction: Jurisdiction) -> list[Decision]:
    """Passed 村民会议 decisions in the jurisdiction not yet adopting a version (for the form)."""
    used = RulesVersion.objects.within(jurisdiction).values("decision_id")
    return list(
        Decision.objects.filter(
            passed=True,
            agenda_item__meeting__kind=MeetingKind.VILLAGERS,
            agenda_item__meeting__in=_meetings(jurisdiction),
        )
        .exclude(pk__in=used)
        .select_related("agenda_item__meeting")
        .order_by("-recorded_at")[:100]
    )


def _meetings(jurisdiction: Jurisdiction) -> QuerySet:
    from cunshe.selfgov.models import Meeting

    return Meeting.objects.within(jurisdiction).values("pk")


def decision_in(jurisdiction: Jurisdiction, pk: int) -> Decision | None:
    return (
        Decision.objects.filter(pk=pk, agenda_item__meeting__in=_meetings(jurisdiction))
        .select_related("agenda_item__meeting")
        .first()
    )


# --- public -------------------------------------------------------------------------------------


def public_versions(village_code: str) -> tuple[list[RulesVersion], list[RulesVersion]]:
    """(the current version of each kind, the older ones newest first) — no personal fields."""
    rows = list(
        RulesVersion.objects.within(public_scope(village_code))
        .select_related("decision__agenda_item__meeting")
        .only(
            "pk", "kind", "number", "title", "text", "adopted_on", "filed_on", "region_code",
            "decision__votes_for", "decision__present", "decision__agenda_item__title",
            "decision__agenda_item__meeting__title",
            "decision__agenda_item__meeting__scheduled_at",
        )
        .order_by("kind", "-number")
    )  # fmt: skip
    current: list[RulesVersion] = []
    older: list[RulesVersion] = []
    seen: set[str] = set()
    for row in rows:
        (older if row.kind in seen else current).append(row)
        seen.add(row.kind)
    order = {k: i for i, k in enumerate(RulesKind.values)}
    current.sort(key=lambda r: order.get(r.kind, 9))
    return current, older


def public_version(village_code: str, pk: int) -> RulesVersion:
    from django.http import Http404

    row = (
        RulesVersion.objects.within(public_scope(village_code))
        .filter(pk=pk)
        .select_related("decision__agenda_item__meeting")
        .first()
    )
    if row is None:
        raise Http404
    return row
