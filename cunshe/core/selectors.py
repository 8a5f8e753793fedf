"""Reads of the core app: the audit trail (scoped), a user's inbox, the scheduler's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.core.jurisdiction import Jurisdiction, ScopeError
from cunshe.core.models import AuditEvent, Notification, ScheduledRun
from cunshe.core.scheduling import PeriodicJob, registered_jobs

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    actor: str = ""
    outcome: str = ""
    region: str = ""

    def as_detail(self) -> dict[str, str]:
        """The filters that were set, as plain strings for an audit event's detail."""
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_within(
    jurisdiction: Jurisdiction | None, filters: AuditFilters | None = None
) -> QuerySet[AuditEvent]:
    """Events in the jurisdiction's subtrees, filtered. Events with no region (failed sign-ins,
    system jobs) belong to the whole platform and only a province-level scope sees them."""
    if jurisdiction is None:
        raise ScopeError("audit events read without a jurisdiction")
    visible = jurisdiction.q("region_code")
    if any(len(p) == 2 for p in jurisdiction.prefixes):
        visible |= Q(region_code="")
    qs = AuditEvent.objects.filter(visible)
    f = filters or AuditFilters()
    if f.date_from:
        qs = qs.filter(at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_start_of(f.date_to + timedelta(days=1)))
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.actor:
        qs = qs.filter(actor_username=f.actor)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.region:
        qs = qs.filter(region_code__startswith=f.region)
    return qs


@dataclass
class CursorPage:
    """One page of a list walked by id: `older`/`newer` are the cursors of the next pages."""

    items: list[Any] = field(default_factory=list)
    older: int | None = None
    newer: int | None = None


def audit_page(
    qs: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = AUDIT_PAGE_SIZE,
) -> CursorPage:
    """A page of events, newest first, by id cursor: no OFFSET and no COUNT over a trail of
    millions of rows."""
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(rows) > size
        items = list(reversed(rows[:size]))
        page = CursorPage(items=items)
        page.newer = items[0].id if more_newer and items else None
        page.older = items[-1].id if items else None
        return page
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: size + 1])
    items = rows[:size]
    page = CursorPage(items=items)
    page.older = items[-1].id if len(rows) > size else None
    page.newer = items[0].id if before is not None and items else None
    return page


def inbox_of(user: Any) -> QuerySet[Notification]:
    """The user's own in-app messages, newest first."""
    return Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)


def unread_count(user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return inbox_of(user).filter(read_at__isnull=True).count()


def get_notification_of(user: Any, pk: int) -> Notification:
    """One of the user's own in-app messages; 404 for anyone else's."""
    note = inbox_of(user).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note


@dataclass
class JobStatus:
    job: PeriodicJob
    last_enqueued_at: datetime | None
    last_task_id: str


def periodic_job_status() -> list[JobStatus]:
    """Every registered periodic job with the last slot the scheduler enqueued for it."""
    jobs = registered_jobs()
    runs = {r.job: r for r in ScheduledRun.objects.filter(job__in=[j.name for j in jobs])}
    out = []
    for job in jobs:
        run = runs.get(job.name)
        out.append(
            JobStatus(
                job=job,
                last_enqueued_at=run.last_enqueued_at if run else None,
                last_task_id=run.last_task_id if run else "",
            )
        )
    return out


def recent_task_results(limit: int = 50) -> list[Any]:
    """The latest task results the database backend recorded (empty under other backends)."""
    from django_tasks_db.models import DBTaskResult

    return list(
        DBTaskResult.objects.defer("args_kwargs", "return_value", "traceback").order_by(
            "-enqueued_at"
        )[:limit]
    )
