"""Reads of alerts: the live board (open and acknowledged-not-closed alerts in the caller's
subtree, oldest first, grouped by village) and one alert with its timeline.

Alerts need care.alerts. A child's alert (the wearer's profile is a child's, or a wearer with
no profile is under the child age) is shown to a role without care.view_children as
"儿童（无权查看详情）" on the board and refused (403, audited) on its own page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.care.access import VIEW_CHILDREN
from cunshe.care.models import Alert, AlertStep, CareKind, Visit
from cunshe.care.rules import rule
from cunshe.care.services.alerts import ALERTS, is_overdue, rung_label, rungs
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.servicedesk.selectors.deadlines import region_names

# The board lists at most this many alerts (oldest first); the counts cover all of them.
BOARD_LIMIT = 300
LIVE = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_child_alert(alert: Alert, today: date | None = None) -> bool:
    """Needs `profile` and `person` loaded (select_related)."""
    if alert.profile_id is not None:
        return alert.profile.kind == CareKind.CHILD
    today = today or timezone.localdate()
    return _age(alert.person.birth_date, today) < rule("CHILD_MAX_AGE_EXCLUSIVE")


def alerts_for(jurisdiction: Jurisdiction | None) -> QuerySet[Alert]:
    """Alerts in the caller's subtree (403, audited, without care.alerts)."""
    j = require_perm(jurisdiction, ALERTS, action="care.permission.denied")
    return Alert.objects.within(j)


def live_alerts(jurisdiction: Jurisdiction | None) -> QuerySet[Alert]:
    """Open and acknowledged-not-closed alerts, oldest first, with what a row shows."""
    return (
        alerts_for(jurisdiction)
        .filter(status__in=LIVE)
        .select_related("person", "profile", "region", "acknowledged_by")
        .order_by("opened_at", "id")
    )


def get_alert_for(jurisdiction: Jurisdiction | None, pk: object) -> Alert:
    """One alert: 404 outside the subtree; 403 (audited) without care.alerts, or for a child's
    alert without care.view_children."""
    j = require_jurisdiction(jurisdiction)
    try:
        alert = (
            Alert.objects.within(j)
            .select_related(
                "person", "profile", "region", "terminal", "acknowledged_by", "closed_by"
            )
            .get(pk=pk)
        )
    except (Alert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    missing = ""
    if not j.has_perm(ALERTS):
        missing = ALERTS
    elif is_child_alert(alert) and not j.has_perm(VIEW_CHILDREN):
        missing = VIEW_CHILDREN
    if missing:
        audit(
            "care.permission.denied",
            jurisdiction=j,
            obj=alert,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": missing},
        )
        raise PermissionDenied(missing)
    return alert


@dataclass
class BoardRow:
    alert: Alert
    name: str
    child: bool
    hidden: bool  # a child's alert the caller may not see in detail
    village: str
    place: str
    age_minutes: int
    rung: str
    next_in_minutes: int | None  # None: acknowledged, or the last rung's time is up
    overdue: bool
    tone: str  # a Bootstrap colour: danger, warning, info, secondary

    @property
    def pk(self) -> int:
        return self.alert.pk


@dataclass
class VillageGroup:
    code: str
    name: str
    rows: list[BoardRow] = field(default_factory=list)


@dataclass
class Board:
    now: datetime
    total: int
    open: int
    acknowledged: int
    overdue: int
    villages: list[VillageGroup]
    more: bool

    @property
    def shown_ids(self) -> list[int]:
        return [r.pk for g in self.villages for r in g.rows]


def _tone(alert: Alert, age_minutes: int, overdue: bool) -> str:
    if alert.status == Alert.Status.ACKNOWLEDGED:
        return "info"
    if overdue or alert.kind in (Alert.Kind.SOS, Alert.Kind.FALL):
        return "danger"
    if age_minutes >= 120:
        return "danger"
    return "warning"


def board(jurisdiction: Jurisdiction | None, *, now: datetime | None = None) -> Board:
    """The live board in three queries: the rows (with person, profile and place), the names
    of their villages, and the counts."""
    j = require_perm(jurisdiction, ALERTS, action="care.permission.denied")
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = list(live_alerts(j)[: BOARD_LIMIT + 1])
    more = len(rows) > BOARD_LIMIT
    rows = rows[:BOARD_LIMIT]
    names = region_names({a.region_code[:12] for a in rows})
    sees_children = j.has_perm(VIEW_CHILDREN)
    last = len(rungs())
    groups: dict[str, VillageGroup] = {}
    overdue_count = 0
    for a in rows:
        village = a.region_code[:12]
        overdue = is_overdue(a, now)
        overdue_count += overdue
        age = max(0, int((now - a.opened_at).total_seconds() // 60))
        child = is_child_alert(a, today)
        hidden = child and not sees_children
        next_in = None
        if a.status == Alert.Status.OPEN and a.step_due_at is not None and a.step < last:
            next_in = max(0, int((a.step_due_at - now).total_seconds() // 60))
        group = groups.setdefault(village, VillageGroup(village, names.get(village, village)))
        group.rows.append(
            BoardRow(
                alert=a,
                name=_("儿童（无权查看详情）") if hidden else a.person.name,
                child=child,
                hidden=hidden,
                village=group.name,
                place=a.region.name if len(a.region_code) > 12 else "",
                age_minutes=age,
                rung=rung_label(a.step),
                next_in_minutes=next_in,
                overdue=overdue,
                tone=_tone(a, age, overdue),
            )
        )
    counts = {
        s: n
        for s, n in alerts_for(j)
        .filter(status__in=LIVE)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    }
    # Villages ordered by their oldest alert (rows are oldest first already).
    return Board(
        now=now,
        total=sum(counts.values()),
        open=counts.get(Alert.Status.OPEN, 0),
        acknowledged=counts.get(Alert.Status.ACKNOWLEDGED, 0),
        overdue=overdue_count,
        villages=list(groups.values()),
        more=more,
    )


@dataclass
class TimelineEntry:
    at: datetime
    title: str
    note: str
    recipients: int | None = None


def timeline(alert: Alert) -> list[TimelineEntry]:
    """The alert's history: raised, each rung told, repeats, acknowledged, closed."""
    entries = [TimelineEntry(alert.opened_at, str(Alert.Kind(alert.kind).label), _("告警发生"))]
    for s in AlertStep.objects.filter(alert=alert).order_by("at", "step"):
        if s.rung == "repeat":
            entries.append(TimelineEntry(s.at, _("再次触发"), _("已并入本告警")))
            continue
        note = _("已通知 %(n)s 人") % {"n": s.recipients} if s.recipients else _("无人可通知")
        entries.append(
            TimelineEntry(
                s.at,
                _("第%(step)s级：%(rung)s") % {"step": s.step, "rung": rung_label(s.step)},
                note,
                s.recipients,
            )
        )
    if alert.acknowledged_at is not None:
        who = str(alert.acknowledged_by) if alert.acknowledged_by_id else "-"
        entries.append(TimelineEntry(alert.acknowledged_at, _("已响应"), who))
    if alert.closed_at is not None:
        who = str(alert.closed_by) if alert.closed_by_id else "-"
        entries.append(TimelineEntry(alert.closed_at, _("已关闭"), f"{who}：{alert.close_note}"))
    return sorted(entries, key=lambda e: e.at)


def linkable_visits(jurisdiction: Jurisdiction, alert: Alert) -> list[Visit]:
    """Recent visits to the alert's person (since a day before it), to link when closing."""
    if alert.profile_id is None:
        return []
    return list(
        Visit.objects.within(jurisdiction)
        .filter(
            profile__person_id=alert.person_id,
            visited_at__gte=alert.opened_at - timedelta(days=1),
        )
        .order_by("-visited_at")[:20]
    )
