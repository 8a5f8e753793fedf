"""关爱统计: aggregate figures of 三留守 care for a region and each unit one level below it
(province → city → county → township → village), for holders of care.stats. No names, no rows:
every figure is a GROUP BY on a prefix of `region_code`, so the number of queries is fixed
whatever the size of the subtree (see `care_stats`).

Definitions (also on the page and in docs/care/stats.md):
- profiles: active (在册) profiles now, by kind and risk level; candidates waiting (待确认) now;
- visit coverage: among active profiles, those whose latest visit lies within their risk level's
  interval (rules VISIT_INTERVAL_DAYS) counted in Beijing days — a visit on local date d covers
  today when today − interval ≤ d ≤ today — the definition of `selectors.visits.coverage`, read
  here from the profile's `last_visit_at` (kept by the visit services) in the same pass as the
  counts; overdue = active profiles whose next visit was due before now;
- SOS acknowledgement time: acknowledged_at − opened_at of SOS alerts opened in the period and
  acknowledged; p50 / p95 are linear-interpolation percentiles (PostgreSQL percentile_cont; on
  SQLite the period's durations are fetched and interpolated the same way);
- open alerts: not yet closed (待响应 or 已响应), by kind and by age band, now;
- trends by month over the period: new profiles (confirmed or re-included), closed profiles
  (the situation ended), visits made, alerts opened.

Small cells (re-identification of minors): for roles without care.view_children (province and
city officials, auditors, county departments that see only adults), every count of children
between 1 and rules STATS_SMALL_CELL_MAX (4) is shown as "<5", and where one hidden cell could be
worked out from a total and its visible neighbours a second cell is hidden too ("*").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DateField,
    F,
    FloatField,
    Func,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.care.models import Alert, CareKind, CareProfile, ProfileEvent, RiskLevel, Visit
from cunshe.care.rules import rule
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.reporting import (  # the period rules every report shares
    check_period,
)
from cunshe.regions.models import CODE_LENGTH, Level, Region

STATS = "care.stats"
EXACT_CHILDREN = "care.view_children"
KINDS = [str(k) for k in CareKind.values]
RISKS = [str(r) for r in (RiskLevel.HIGH, RiskLevel.PRIORITY, RiskLevel.GENERAL)]
AGE_BANDS: list[tuple[str, Any, timedelta | None]] = [
    ("lt1h", gettext_lazy("1小时内"), timedelta(hours=1)),
    ("lt24h", gettext_lazy("1–24小时"), timedelta(hours=24)),
    ("lt7d", gettext_lazy("1–7天"), timedelta(days=7)),
    ("older", gettext_lazy("7天以上"), None),
]
HIDDEN = "<5"  # a small count of children
HIDDEN_TOO = "*"  # hidden so that a "<5" cannot be worked out from a total

Cell = int | str


# --- periods ------------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _month_key(value: Any) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def _months(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --- percentiles --------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(f) WITHIN GROUP (ORDER BY expr): linear interpolation."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie in [0, 1]")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


_ACK_SECONDS = Func(
    F("acknowledged_at"),
    F("opened_at"),
    template="EXTRACT(EPOCH FROM (%(expressions)s))",
    arg_joiner=" - ",
    output_field=FloatField(),
)


def percentile(values: list[float], fraction: float) -> float | None:
    """The same interpolation as percentile_cont over `values` (any order); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * fraction
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- the report ---------------------------------------------------------------------------------


@dataclass
class Sos:
    acknowledged: int = 0
    p50: float | None = None  # seconds
    p95: float | None = None


@dataclass
class UnitFigures:
    code: str
    name: str
    active: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, risk) → n
    candidates: dict[str, int] = field(default_factory=dict)  # kind → n
    covered: int = 0
    overdue: int = 0
    open_alerts: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, band) → n
    sos: Sos = field(default_factory=Sos)

    def kind_total(self, kind: str) -> int:
        return sum(n for (k, _r), n in self.active.items() if k == kind)

    @property
    def active_total(self) -> int:
        return sum(self.active.values())

    @property
    def coverage(self) -> float | None:
        return self.covered / self.active_total if self.active_total else None

    @property
    def open_alert_total(self) -> int:
        return sum(self.open_alerts.values())

    def add(self, other: UnitFigures) -> None:
        for key, n in other.active.items():
            self.active[key] = self.active.get(key, 0) + n
        for key, n in other.candidates.items():
            self.candidates[key] = self.candidates.get(key, 0) + n
        for key, n in other.open_alerts.items():
            self.open_alerts[key] = self.open_alerts.get(key, 0) + n
        self.covered += other.covered
        self.overdue += other.overdue


@dataclass
class MonthFigures:
    month: str
    new_profiles: int = 0
    closed_profiles: int = 0
    visits: int = 0
    alerts: int = 0


@dataclass
class Report:
    region: Region
    start: date
    end: date
    child_level: int | None
    total: UnitFigures
    units: list[UnitFigures]
    trend: list[MonthFigures]
    exact_children: bool  # False: small counts of children are hidden for this reader
    shown: dict[str, Any] = field(default_factory=dict)  # cells after small-cell protection


def child_level(region: Region) -> int | None:
    if region.level >= Level.VILLAGE:
        return None
    return region.level + 1


def care_stats(
    jurisdiction: Jurisdiction | None,
    region: Region,
    *,
    start: date,
    end: date,
    now: datetime | None = None,
) -> Report:
    """The figures of `region` and of each unit one level below it. Seven queries whatever the
    size (eight on PostgreSQL, where the percentiles of the whole region are one more query):
    profiles by unit × kind × risk × status with coverage and overdue; profile events, visits
    and alerts by month; SOS acknowledgement times; open alerts by unit × kind × age; the units'
    names."""
    j = require_perm(jurisdiction, STATS)
    if not j.covers(region.code):
        raise ValidationError(_("该区划不在您的管辖范围内。"))
    check_period(start, end)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    level = child_level(region)
    key_length = CODE_LENGTH[Level(level)] if level else len(region.code)
    unit_key = Substr("region_code", 1, key_length)
    lo, hi = _start_of(start), _start_of(end + timedelta(days=1))
    in_region = Q(region_code__startswith=region.code)

    # 1. Profiles now: unit × kind × risk × status, with coverage and overdue.
    intervals = rule("VISIT_INTERVAL_DAYS")
    tomorrow = _start_of(today + timedelta(days=1))
    covered = Q(pk__in=[])
    for risk in RISKS:
        since = _start_of(today - timedelta(days=intervals[risk]))
        covered |= Q(risk_level=risk, last_visit_at__gte=since, last_visit_at__lt=tomorrow)
    active = Q(status=CareProfile.Status.ACTIVE)
    profiles = (
        CareProfile.objects.within(j)
        .filter(in_region, status__in=[CareProfile.Status.ACTIVE, CareProfile.Status.CANDIDATE])
        .annotate(unit=unit_key)
        .values("unit", "kind", "risk_level", "status")
        .annotate(
            n=Count("id"),
            covered=Count("id", filter=active & covered),
            overdue=Count("id", filter=active & Q(next_visit_due__lt=now)),
        )
        .order_by()
    )
    # 2. Profile events by month: new (confirmed, re-included) and closed.
    events = (
        ProfileEvent.objects.filter(
            j.q("profile__region_code"),
            profile__region_code__startswith=region.code,
            kind__in=[
                ProfileEvent.Kind.CONFIRMED,
                ProfileEvent.Kind.REOPENED,
                ProfileEvent.Kind.CLOSED,
            ],
            at__gte=lo,
            at__lt=hi,
        )
        .annotate(month=TruncMonth("at", output_field=DateField()))
        .values("month", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    # 3. Visits by month.
    visits = (
        Visit.objects.within(j)
        .filter(in_region, visited_at__gte=lo, visited_at__lt=hi)
        .annotate(month=TruncMonth("visited_at", output_field=DateField()))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    # 4. Alerts opened by month.
    alerts_by_month = (
        Alert.objects.within(j)
        .filter(in_region, opened_at__gte=lo, opened_at__lt=hi)
        .annotate(month=TruncMonth("opened_at", output_field=DateField()))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    # 5. Open alerts now, by unit × kind × age band.
    whens = [
        When(opened_at__gt=now - limit, then=Value(code))
        for code, _label, limit in AGE_BANDS
        if limit is not None
    ]
    open_alerts = (
        Alert.objects.within(j)
        .filter(in_region, status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
        .annotate(
            unit=unit_key,
            band=Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField()),
        )
        .values("unit", "kind", "band")
        .annotate(n=Count("id"))
        .order_by()
    )
    # 6. The units' names (retired units too: old rows may sit there).
    children = (
        list(Region.objects.filter(parent=region).order_by("code")) if level is not None else []
    )

    units: dict[str, UnitFigures] = {}

    def unit(code: str) -> UnitFigures:
        if code not in units:
            units[code] = UnitFigures(code=code, name=code)
        return units[code]

    for c in children:
        if c.valid_to is None:
            unit(c.code)
    for r in profiles:
        u = unit(r["unit"])
        if r["status"] == CareProfile.Status.ACTIVE:
            key = (r["kind"], r["risk_level"])
            u.active[key] = u.active.get(key, 0) + r["n"]
            u.covered += r["covered"]
            u.overdue += r["overdue"]
        else:
            u.candidates[r["kind"]] = u.candidates.get(r["kind"], 0) + r["n"]
    for r in open_alerts:
        u = unit(r["unit"])
        key = (r["kind"], r["band"])
        u.open_alerts[key] = u.open_alerts.get(key, 0) + r["n"]

    months = {m: MonthFigures(month=m) for m in _months(start, end)}
    for r in events:
        m = months.get(_month_key(r["month"]))
        if m is None:
            continue
        if r["kind"] == ProfileEvent.Kind.CLOSED:
            m.closed_profiles += r["n"]
        else:
            m.new_profiles += r["n"]
    for rows, attr in ((visits, "visits"), (alerts_by_month, "alerts")):
        for r in rows:
            m = months.get(_month_key(r["month"]))
            if m is not None:
                setattr(m, attr, getattr(m, attr) + r["n"])

    names = {c.code: c.name for c in children}
    total = UnitFigures(code=region.code, name=region.name)
    for u in units.values():
        u.name = names.get(u.code, u.code) if level is not None else region.name
        total.add(u)

    # 7. SOS acknowledgement times in the period, per unit and for the whole region.
    sos = Alert.objects.within(j).filter(
        in_region,
        kind=Alert.Kind.SOS,
        opened_at__gte=lo,
        opened_at__lt=hi,
        acknowledged_at__isnull=False,
    )
    if connection.vendor == "postgresql":
        for r in (
            sos.annotate(unit=unit_key)
            .values("unit")
            .annotate(
                n=Count("id"),
                p50=PercentileCont(_ACK_SECONDS, 0.5),
                p95=PercentileCont(_ACK_SECONDS, 0.95),
            )
            .order_by()
        ):
            unit(r["unit"]).sos = Sos(r["n"], r["p50"], r["p95"])
        whole = sos.aggregate(
            n=Count("id"),
            p50=PercentileCont(_ACK_SECONDS, 0.5),
            p95=PercentileCont(_ACK_SECONDS, 0.95),
        )
        total.sos = Sos(whole["n"], whole["p50"], whole["p95"])
    else:
        durations: dict[str, list[float]] = {}
        for code, opened, acked in sos.annotate(unit=unit_key).values_list(
            "unit", "opened_at", "acknowledged_at"
        ):
            durations.setdefault(code, []).append((acked - opened).total_seconds())
        everything: list[float] = []
        for code, values in durations.items():
            unit(code).sos = Sos(len(values), percentile(values, 0.5), percentile(values, 0.95))
            everything.extend(values)
        total.sos = Sos(len(everything), percentile(everything, 0.5), percentile(everything, 0.95))
    for u in units.values():
        if u.name == u.code and level is not None:
            u.name = names.get(u.code, u.code)

    report = Report(
        region=region,
        start=start,
        end=end,
        child_level=level,
        total=total,
        units=sorted(units.values(), key=lambda u: u.code) if level is not None else [],
        trend=list(months.values()),
        exact_children=j.has_perm(EXACT_CHILDREN),
    )
    report.shown = protect_children(report)
    return report


# --- small cells --------------------------------------------------------------------------------


def _protect(cells: dict[Any, int], groups: list[tuple[list[Any], Any]]) -> dict[Any, Cell]:
    """Hide counts 1..STATS_SMALL_CELL_MAX ("<5"); then, until nothing changes, for each group
    (members, total) whose total is shown and exactly one member hidden, hide the smallest
    non-zero shown member as well ("*"), or the total when there is none."""
    small = rule("STATS_SMALL_CELL_MAX")
    hidden: dict[Any, str] = {k: HIDDEN for k, v in cells.items() if 1 <= v <= small}
    changed = True
    while changed:
        changed = False
        for members, total in groups:
            if total in hidden:
                continue
            if sum(1 for m in members if m in hidden) != 1:
                continue
            candidates = [m for m in members if m not in hidden and cells.get(m, 0) > 0]
            victim = min(candidates, key=lambda m: cells[m]) if candidates else total
            hidden[victim] = HIDDEN_TOO
            changed = True
    return {k: hidden.get(k, v) for k, v in cells.items()}


def protect_children(report: Report) -> dict[str, Any]:
    """Every count of children as shown to this reader: {"active": {(unit, risk|"all"): cell},
    "candidates": {unit: cell}} where unit "" is the region's total."""
    rows = [*(u.code for u in report.units), ""]
    figures = {u.code: u for u in report.units}
    figures[""] = report.total
    child = str(CareKind.CHILD)
    active: dict[Any, int] = {}
    for code in rows:
        f = figures[code]
        for risk in RISKS:
            active[(code, risk)] = f.active.get((child, risk), 0)
        active[(code, "all")] = f.kind_total(child)
    candidates = {code: figures[code].candidates.get(child, 0) for code in rows}
    if report.exact_children:
        return {"active": active, "candidates": dict(candidates)}
    units = [u.code for u in report.units]
    groups: list[tuple[list[Any], Any]] = []
    for code in rows:  # each row: its risks add up to its total
        groups.append(([(code, r) for r in RISKS], (code, "all")))
    for col in [*RISKS, "all"]:  # each column: the units add up to the region's figure
        groups.append(([(u, col) for u in units], ("", col)))
    return {
        "active": _protect(active, groups),
        "candidates": _protect(candidates, [(units, "")]),
    }


# --- serialisation (the API and the page's chart data say the same) ----------------------------


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _unit_dict(report: Report, u: UnitFigures, code: str) -> dict[str, Any]:
    shown = report.shown
    child = str(CareKind.CHILD)
    by_kind: dict[str, Any] = {}
    for kind in KINDS:
        if kind == child:
            by_kind[kind] = {
                "total": shown["active"][(code, "all")],
                **{r: shown["active"][(code, r)] for r in RISKS},
            }
        else:
            by_kind[kind] = {
                "total": u.kind_total(kind),
                **{r: u.active.get((kind, r), 0) for r in RISKS},
            }
    exact = report.exact_children
    return {
        "code": u.code,
        "name": u.name,
        "active": by_kind,
        "active_total": u.active_total if exact else None,
        "candidates": {
            k: (shown["candidates"][code] if k == child else u.candidates.get(k, 0)) for k in KINDS
        },
        "coverage": {
            "covered": u.covered if exact else None,
            "active": u.active_total if exact else None,
            "rate": _r(u.coverage),
        },
        "overdue": u.overdue,
        "open_alerts": {
            "total": u.open_alert_total,
            "by_kind": {
                k: sum(n for (kk, _b), n in u.open_alerts.items() if kk == k)
                for k in Alert.Kind.values
            },
            "by_age": {
                b: sum(n for (_k, bb), n in u.open_alerts.items() if bb == b)
                for b, _l, _x in AGE_BANDS
            },
        },
        "sos": {
            "acknowledged": u.sos.acknowledged,
            "p50_seconds": _r(u.sos.p50, 1),
            "p95_seconds": _r(u.sos.p95, 1),
        },
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain data: the API's body and the numbers behind the charts. A
    hidden count of children is the string "<5" (or "*"); totals over all kinds are null for
    readers who see hidden cells (they would give the children's count away)."""
    return {
        "region": {
            "code": report.region.code,
            "name": report.region.name,
            "level": report.region.level,
        },
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "exact_children": report.exact_children,
        "small_cell_max": rule("STATS_SMALL_CELL_MAX"),
        "totals": _unit_dict(report, report.total, ""),
        "units": [_unit_dict(report, u, u.code) for u in report.units],
        "trend": [
            {
                "month": m.month,
                "new_profiles": m.new_profiles,
                "closed_profiles": m.closed_profiles,
                "visits": m.visits,
                "alerts": m.alerts,
            }
            for m in report.trend
        ],
    }
