"""Reads of the terminal register, its events and the parked messages, scoped by jurisdiction.

A terminal worn by a child is a child's care record: hidden from roles without
care.view_children (404 in lists, 403 audited when opened by id inside the subtree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.care.access import VIEW_CHILDREN
from cunshe.care.models import IngestCounter, ParkedEvent, Terminal, TerminalEvent
from cunshe.care.rules import rule
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.residents.models import Person

TERMINALS = "care.terminals"
PARKED = "care.parked"
EVENTS_SHOWN = 30


def child_cutoff(today: date | None = None) -> date:
    """Born after this date = a child under the care rules today."""
    today = today or timezone.localdate()
    years = rule("CHILD_MAX_AGE_EXCLUSIVE")
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def offline_before(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=rule("OFFLINE_AFTER_MINUTES"))


def is_online(terminal: Terminal, now: datetime | None = None) -> bool:
    return terminal.last_seen_at is not None and terminal.last_seen_at >= offline_before(now)


def terminals_visible(jurisdiction: Jurisdiction | None) -> QuerySet[Terminal]:
    """Terminals in the caller's subtree that the caller may see (403 without care.terminals);
    children's only with care.view_children."""
    j = require_perm(jurisdiction, TERMINALS, action="care.permission.denied")
    qs = Terminal.objects.within(j)
    if not j.has_perm(VIEW_CHILDREN):
        qs = qs.filter(person__birth_date__lte=child_cutoff())
    return qs


@dataclass
class TerminalFilters:
    q: str = ""  # serial prefix or the wearer's name
    state: str = ""  # "" | online | offline | inactive | low_battery | removed


def terminal_list(j: Jurisdiction, f: TerminalFilters | None = None) -> QuerySet[Terminal]:
    """The register, ordered by village then serial, with the wearer (one query)."""
    f = f or TerminalFilters()
    qs = terminals_visible(j).select_related("person", "region")
    if f.q:
        qs = qs.filter(Q(serial__istartswith=f.q) | Q(person__name__contains=f.q))
    cutoff = offline_before()
    if f.state == "online":
        qs = qs.filter(active=True, last_seen_at__gte=cutoff)
    elif f.state == "offline":
        qs = qs.filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True), active=True)
    elif f.state == "inactive":
        qs = qs.filter(active=False)
    elif f.state == "low_battery":
        qs = qs.filter(active=True, battery__lte=rule("LOW_BATTERY_PERCENT"))
    elif f.state == "removed":
        qs = qs.filter(active=True, worn=False)
    return qs.order_by("region_code", "serial")


def get_terminal_for(jurisdiction: Jurisdiction | None, pk: Any) -> Terminal:
    """One terminal: 404 outside the subtree; 403 (audited) inside it without care.terminals,
    or for a child's terminal without care.view_children."""
    j = require_jurisdiction(jurisdiction)
    try:
        terminal = (
            Terminal.objects.within(j)
            .select_related("person", "region", "registered_by")
            .get(pk=pk)
        )
    except (Terminal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    missing = None
    if not j.has_perm(TERMINALS):
        missing = TERMINALS
    elif terminal.person.birth_date > child_cutoff() and not j.has_perm(VIEW_CHILDREN):
        missing = VIEW_CHILDREN
    if missing:
        audit(
            "care.permission.denied",
            jurisdiction=j,
            obj=terminal,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": missing},
        )
        raise PermissionDenied(missing)
    return terminal


def terminal_events(terminal: Terminal, limit: int = EVENTS_SHOWN) -> list[TerminalEvent]:
    """The latest events of a terminal already in scope (newest first)."""
    return list(terminal.events.order_by("-occurred_at", "-id")[:limit])


def persons_for_terminals(j: Jurisdiction) -> QuerySet[Person]:
    """Whom a terminal may be registered for: living people of the subtree (children only for
    roles that may see children's records)."""
    qs = Person.objects.within(j).filter(died_on__isnull=True)
    if not j.has_perm(VIEW_CHILDREN):
        qs = qs.filter(birth_date__lte=child_cutoff())
    return qs


def terminal_person_choices(j: Jurisdiction, limit: int = 500) -> list[Person]:
    """People offered in the registration form: those with an open care profile first (who
    usually get a terminal), by village and name."""
    from cunshe.care.access import visible_profiles

    ids = (
        visible_profiles(j)
        .filter(status__in=["candidate", "active"])
        .values_list("person_id", flat=True)
    )
    return list(
        persons_for_terminals(j)
        .filter(pk__in=ids)
        .select_related("region")
        .order_by("region_code", "name_pinyin", "pk")[:limit]
    )


# --- parked messages and counters ---------------------------------------------------------------


def parked_by_serial(jurisdiction: Jurisdiction | None, *, reviewed: bool = False) -> list[dict]:
    """Waiting (or reviewed) parked messages grouped by serial: how many, first and last seen,
    and whether a terminal with that serial is now registered."""
    require_perm(jurisdiction, PARKED, action="care.permission.denied")
    rows = list(
        ParkedEvent.objects.filter(reviewed_at__isnull=not reviewed)
        .values("serial")
        .annotate(n=Count("id"), first=Min("received_at"), last=Max("received_at"))
        .order_by("-last")[:500]
    )
    registered = dict(
        Terminal._base_manager.filter(serial__in=[r["serial"] for r in rows]).values_list(
            "serial", "active"
        )
    )
    for r in rows:
        r["registered"] = r["serial"] in registered
        r["active"] = registered.get(r["serial"], False)
    return rows


def parked_messages(jurisdiction: Jurisdiction | None, serial: str, limit: int = 50) -> list:
    require_perm(jurisdiction, PARKED, action="care.permission.denied")
    return list(
        ParkedEvent.objects.filter(serial=serial)
        .select_related("reviewed_by")
        .order_by("-received_at", "-id")[:limit]
    )


def ingest_counts(
    jurisdiction: Jurisdiction | None, days: int = 7, today: date | None = None
) -> list[dict]:
    """Messages per day, source and outcome over the last `days` days (platform-wide figures,
    for the parked-messages reviewer and the operators)."""
    require_perm(jurisdiction, PARKED, action="care.permission.denied")
    today = today or timezone.localdate()
    return list(
        IngestCounter.objects.filter(day__gt=today - timedelta(days=days))
        .order_by("-day", "source", "outcome")
        .values("day", "source", "outcome", "count")
    )
