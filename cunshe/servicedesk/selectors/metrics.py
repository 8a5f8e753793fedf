"""Service-desk metrics (办事统计) for a region and each of its child units: applications by
item and by mode, 按时办结率, average days to a decision, the share handled without the
villager travelling, satisfaction, open and overdue matters, and a monthly trend.

Every figure comes from a GROUP BY on a prefix of `region_code` (Substr), so the number of
queries is fixed whatever the number of rows or units: three aggregate queries (applications
by unit × mode × month, by item; ratings by unit) and two for names. At province scale
(≈ 9,300 villages, a million applications and more) each is one pass over the rows of the
chosen subtree, served by the region-code prefix index for counties and townships; see
bench/servicedesk_metrics.py for the figures and the statistics objects that keep PostgreSQL
hashing (not sorting) the groups.

Definitions (shown on the page too):
- the period selects applications by submission date (Beijing time), ratings by rating date;
- 按时办结率 = matters with an on-time verdict (approved, refused or not accepted) that were
  on time, over those with a verdict;
- average days to a decision = calendar days (not working days) from submission to approval or
  refusal, over the matters decided;
- 不跑腿率 = matters where the villager made no trip to an office, over all submitted;
- satisfaction = ratings of 4–5 (满意/非常满意) over all ratings; average score 1–5;
- open = not finished (any period); overdue = clock running and past the due date (any period).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.accounts.roles import Role
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.reporting import (  # the period rules every report shares
    check_period,
)
from cunshe.regions.models import CODE_LENGTH, Level, Region
from cunshe.servicedesk.models import (
    CLOCK_RUNNING,
    FINISHED,
    Application,
    Mode,
    Rating,
    ServiceItem,
    Status,
)

METRICS = "servicedesk.metrics"
# The longest period one request may ask for (a bound on the work of one page view).
OPEN = tuple(s for s in Status.values if s not in FINISHED)


# --- the figures ----------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    """The numbers of one unit (or of the whole region) over the period."""

    code: str
    name: str
    level: int
    total: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)
    finished: int = 0  # with an on-time verdict
    on_time: int = 0
    decided: int = 0
    decision_seconds: float = 0.0
    zero_trip: int = 0
    open: int = 0
    overdue: int = 0
    ratings: int = 0
    score_sum: int = 0
    satisfied: int = 0  # ratings of 4–5

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.finished)

    @property
    def avg_days(self) -> float | None:
        """Average calendar days from submission to decision."""
        return self.decision_seconds / self.decided / 86400 if self.decided else None

    @property
    def zero_trip_rate(self) -> float | None:
        return _rate(self.zero_trip, self.total)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.ratings)

    @property
    def avg_score(self) -> float | None:
        return self.score_sum / self.ratings if self.ratings else None

    def add(self, other: Figures) -> None:
        for name in (
            "total", "finished", "on_time", "decided", "decision_seconds", "zero_trip", "open",
            "overdue", "ratings", "score_sum", "satisfied",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mode, n in other.by_mode.items():
            self.by_mode[mode] = self.by_mode.get(mode, 0) + n


@dataclass
class ItemFigures:
    code: str
    name: str
    total: int
    finished: int
    on_time: int
    zero_trip: int

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.finished)

    @property
    def zero_trip_rate(self) -> float | None:
        return _rate(self.zero_trip, self.total)


@dataclass
class MonthFigures:
    month: str  # "2026-01"
    total: int = 0
    finished: int = 0
    on_time: int = 0
    decided: int = 0
    decision_seconds: float = 0.0

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.finished)

    @property
    def avg_days(self) -> float | None:
        return self.decision_seconds / self.decided / 86400 if self.decided else None


@dataclass
class Report:
    region: Region
    start: date
    end: date
    today: date
    total: Figures
    units: list[Figures]
    by_item: list[ItemFigures]
    trend: list[MonthFigures]
    child_level: int | None  # level of the units (None: the region has none below it)

    @property
    def modes(self) -> list[tuple[str, str, int]]:
        return [(m.value, str(m.label), self.total.by_mode.get(m.value, 0)) for m in Mode]


# --- the queries ----------------------------------------------------------------------------------


def _seconds(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # microseconds (SQLite's duration arithmetic)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware datetimes [start 00:00, the day after end 00:00), Beijing time."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _applications(j: Jurisdiction, region: Region) -> QuerySet[Application]:
    qs = Application.objects.within(j).filter(region_code__startswith=region.code)
    # A county department sees its own department's matters (as in the application lists).
    if j.role == Role.COUNTY_OFFICER and j.department:
        qs = qs.filter(handler_department=j.department)
    return qs


def _ratings(j: Jurisdiction, region: Region) -> QuerySet[Rating]:
    qs = Rating.objects.within(j).filter(region_code__startswith=region.code)
    if j.role == Role.COUNTY_OFFICER and j.department:
        qs = qs.filter(application__handler_department=j.department)
    return qs


_DECISION_TIME = ExpressionWrapper(
    F("decided_at") - F("submitted_at"), output_field=DurationField()
)


def child_level(region: Region) -> int | None:
    """The level of the units a region's figures are split into (None for a village or group)."""
    if region.level >= Level.VILLAGE:
        return None
    return region.level + 1


def region_metrics(
    jurisdiction: Jurisdiction | None,
    region: Region,
    *,
    start: date,
    end: date,
    today: date | None = None,
) -> Report:
    """The figures of `region` and of each unit one level below it, for applications submitted
    (and ratings given) from `start` to `end` inclusive. Five queries, whatever the size: one
    pass over the applications for units × modes × months (with the open and overdue counts),
    one for the items, one over the ratings, and the names of the units and of the items."""
    j = require_perm(jurisdiction, METRICS)
    if not j.covers(region.code):
        raise ValidationError(_("该区划不在您的管辖范围内。"))
    check_period(start, end)
    today = today or timezone.localdate()
    level = child_level(region)
    key_length = CODE_LENGTH[Level(level)] if level else len(region.code)
    unit_key = Substr("region_code", 1, key_length)
    lo, hi = period_bounds(start, end)
    apps = _applications(j, region)
    in_period = Q(submitted_at__gte=lo, submitted_at__lt=hi)
    is_open = Q(status__in=OPEN)

    # 1. One pass: the period's matters and every open one (open and overdue are "now" figures,
    # whenever submitted), by unit, mode and month. Period figures count only period rows.
    # Rows are counted by a non-null column of the (region_code, submitted_at) index, not by id,
    # so that every column read can come from one covering index (see the bench).
    main = (
        apps.filter(in_period | is_open)
        .annotate(unit=unit_key, month=TruncMonth("submitted_at", output_field=DateField()))
        .values("unit", "mode", "month")
        .annotate(
            total=Count("submitted_at", filter=in_period),
            finished=Count("submitted_at", filter=in_period & Q(finished_on_time__isnull=False)),
            on_time=Count("submitted_at", filter=in_period & Q(finished_on_time=True)),
            decided=Count("submitted_at", filter=in_period & Q(decided_at__isnull=False)),
            decision_time=Sum(_DECISION_TIME, filter=in_period & Q(decided_at__isnull=False)),
            zero_trip=Count("submitted_at", filter=in_period & Q(trips=0)),
            open=Count("submitted_at", filter=is_open),
            overdue=Count("submitted_at", filter=Q(status__in=CLOCK_RUNNING, due_on__lt=today)),
        )
        .order_by()
    )
    # 2. By item, in the period (the names come from the catalogue below).
    by_item = (
        apps.filter(in_period)
        .values("item_id")
        .annotate(
            total=Count("submitted_at"),
            finished=Count("submitted_at", filter=Q(finished_on_time__isnull=False)),
            on_time=Count("submitted_at", filter=Q(finished_on_time=True)),
            zero_trip=Count("submitted_at", filter=Q(trips=0)),
        )
        .order_by()
    )
    # 3. Satisfaction per unit, ratings given in the period.
    ratings = (
        _ratings(j, region)
        .filter(rated_at__gte=lo, rated_at__lt=hi)
        .annotate(unit=unit_key)
        .values("unit")
        .annotate(
            n=Count("rated_at"),
            score_sum=Sum("score"),
            satisfied=Count("rated_at", filter=Q(score__gte=4)),
        )
        .order_by()
    )
    # 4. The units' names: the region's children, retired ones too (old rows may sit there).
    children = (
        list(Region.objects.filter(parent=region).order_by("code")) if level is not None else []
    )

    units: dict[str, Figures] = {}

    def unit(code: str) -> Figures:
        if code not in units:
            units[code] = Figures(code=code, name=code, level=level or region.level)
        return units[code]

    for child in children:
        if child.valid_to is None:
            unit(child.code)
    months = _month_frame(start, end)
    for row in main:
        f = unit(row["unit"])
        seconds = _seconds(row["decision_time"])
        f.total += row["total"]
        if row["total"]:
            f.by_mode[row["mode"]] = f.by_mode.get(row["mode"], 0) + row["total"]
        f.finished += row["finished"]
        f.on_time += row["on_time"]
        f.decided += row["decided"]
        f.decision_seconds += seconds
        f.zero_trip += row["zero_trip"]
        f.open += row["open"]
        f.overdue += row["overdue"]
        m = months.get(_month_key(row["month"])) if row["total"] else None
        if m is not None:
            m.total += row["total"]
            m.finished += row["finished"]
            m.on_time += row["on_time"]
            m.decided += row["decided"]
            m.decision_seconds += seconds
    for row in ratings:
        f = unit(row["unit"])
        f.ratings += row["n"]
        f.score_sum += row["score_sum"] or 0
        f.satisfied += row["satisfied"]
    names = {c.code: c.name for c in children}
    total = Figures(code=region.code, name=region.name, level=region.level)
    for f in units.values():
        f.name = names.get(f.code, f.code) if level is not None else region.name
        total.add(f)
    item_rows = list(by_item)
    # 5. The items' codes and names (the catalogue is public and small).
    catalogue = {
        pk: (code, name)
        for pk, code, name in ServiceItem.objects.filter(
            pk__in=[r["item_id"] for r in item_rows]
        ).values_list("pk", "code", "name")
    }
    items = sorted(
        (
            ItemFigures(
                code=catalogue.get(r["item_id"], ("", ""))[0],
                name=catalogue.get(r["item_id"], ("", ""))[1],
                total=r["total"], finished=r["finished"], on_time=r["on_time"],
                zero_trip=r["zero_trip"],
            )
            for r in item_rows
        ),
        key=lambda i: (-i.total, i.code),
    )  # fmt: skip
    return Report(
        region=region,
        start=start,
        end=end,
        today=today,
        total=total,
        units=sorted(units.values(), key=lambda f: f.code) if level is not None else [],
        by_item=items,
        trend=list(months.values()),
        child_level=level,
    )


def _month_key(value: Any) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def _month_frame(start: date, end: date) -> dict[str, MonthFigures]:
    """Every month of the period, zeros included, so a chart's axis has no gaps."""
    out: dict[str, MonthFigures] = {}
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        key = f"{y:04d}-{m:02d}"
        out[key] = MonthFigures(month=key)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --- serialisation (the API and the page's chart data say the same) --------------------------


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def figures_dict(f: Figures) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "level": f.level,
        "total": f.total,
        "by_mode": {m: f.by_mode.get(m, 0) for m in Mode.values},
        "finished": f.finished,
        "on_time": f.on_time,
        "on_time_rate": _r(f.on_time_rate),
        "decided": f.decided,
        "avg_days_to_decision": _r(f.avg_days, 2),
        "zero_trip": f.zero_trip,
        "zero_trip_rate": _r(f.zero_trip_rate),
        "ratings": f.ratings,
        "avg_score": _r(f.avg_score, 2),
        "satisfaction_rate": _r(f.satisfaction_rate),
        "open": f.open,
        "overdue": f.overdue,
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain data (the API's body, and the numbers behind the charts)."""
    return {
        "region": {
            "code": report.region.code,
            "name": report.region.name,
            "level": report.region.level,
        },
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "days_basis": "calendar",
        "totals": figures_dict(report.total),
        "units": [figures_dict(f) for f in report.units],
        "by_item": [
            {
                "code": i.code,
                "name": i.name,
                "total": i.total,
                "finished": i.finished,
                "on_time": i.on_time,
                "on_time_rate": _r(i.on_time_rate),
                "zero_trip": i.zero_trip,
                "zero_trip_rate": _r(i.zero_trip_rate),
            }
            for i in report.by_item
        ],
        "by_mode": [{"mode": mode, "label": label, "total": n} for mode, label, n in report.modes],
        "trend": [
            {
                "month": m.month,
                "total": m.total,
                "finished": m.finished,
                "on_time": m.on_time,
                "on_time_rate": _r(m.on_time_rate),
                "avg_days_to_decision": _r(m.avg_days, 2),
            }
            for m in report.trend
        ],
    }
