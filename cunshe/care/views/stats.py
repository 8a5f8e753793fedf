"""Care pages: 关爱统计 (/care/stats/, care.stats) — aggregate figures only, no names, for the
caller's jurisdiction with drill-down to the units below. Parse → check access → selector →
render; the charts draw from a json_script block (no inline script, CSP) and every chart has a
table with the same numbers under it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cunshe.care.models import Alert, CareKind, RiskLevel
from cunshe.care.selectors import stats
from cunshe.core import reporting
from cunshe.core.access import require_perm
from cunshe.core.reporting import PeriodFilter, region_for
from cunshe.regions import selectors as region_selectors
from cunshe.regions.models import Level


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Table rows for the units and the total, straight from the serialised report."""
    out = []
    for u in [*data["units"], {**data["totals"], "is_total": True}]:
        out.append(
            {
                "u": u,
                "kinds": [u["active"][k] for k in stats.KINDS],
                "risks": [[u["active"][k][r] for r in stats.RISKS] for k in stats.KINDS],
                "candidates": [u["candidates"][k] for k in stats.KINDS],
                "coverage": _percent(u["coverage"]["rate"]),
                "p50": _minutes(u["sos"]["p50_seconds"]),
                "p95": _minutes(u["sos"]["p95_seconds"]),
            }
        )
    return out


def _number(cell: Any) -> int | None:
    """A chart cannot draw "<5": hidden cells are gaps in the chart (the table says "<5")."""
    return cell if isinstance(cell, int) else None


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What stats.js draws: plain numbers and labels, no markup."""
    units = data["units"] or [data["totals"]]
    labels = dict(CareKind.choices)
    return {
        "units": {
            "names": [u["name"] for u in units],
            "series": [
                {"name": str(labels[k]), "data": [_number(u["active"][k]["total"]) for u in units]}
                for k in stats.KINDS
            ],
            "coverage": [
                None if u["coverage"]["rate"] is None else round(u["coverage"]["rate"] * 100, 1)
                for u in units
            ],
        },
        "risk": {
            "kinds": [str(labels[k]) for k in stats.KINDS],
            "series": [
                {
                    "name": str(RiskLevel(r).label),
                    "data": [_number(data["totals"]["active"][k][r]) for k in stats.KINDS],
                }
                for r in stats.RISKS
            ],
        },
        "alerts": {
            "kinds": [str(label) for _v, label in Alert.Kind.choices],
            "bands": [str(label) for _c, label, _l in stats.AGE_BANDS],
            "by_kind": [data["totals"]["open_alerts"]["by_kind"][k] for k in Alert.Kind.values],
            "by_age": [data["totals"]["open_alerts"]["by_age"][b] for b, _l, _x in stats.AGE_BANDS],
        },
        "trend": {
            "months": [m["month"] for m in data["trend"]],
            "new_profiles": [m["new_profiles"] for m in data["trend"]],
            "closed_profiles": [m["closed_profiles"] for m in data["trend"]],
            "visits": [m["visits"] for m in data["trend"]],
            "alerts": [m["alerts"] for m in data["trend"]],
        },
        "labels": {
            "coverage": str(gettext_lazy("探访覆盖率(%)")),
            "new_profiles": str(gettext_lazy("新纳入")),
            "closed_profiles": str(gettext_lazy("退出")),
            "visits": str(gettext_lazy("探访次数")),
            "alerts": str(gettext_lazy("告警数")),
            "open_by_kind": str(gettext_lazy("未关闭告警")),
        },
    }


@login_required
@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, stats.STATS)  # type: ignore[attr-defined]
    region = region_for(j, request.GET.get("region", "").strip())
    form = PeriodFilter(request.GET or None)
    start, end = reporting.default_period()
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        else:
            status = 400
    report = stats.care_stats(j, region, start=start, end=end)
    data = stats.report_dict(report)
    rows = _rows(data)
    return render(
        request,
        "care/stats.html",
        {
            "form": form,
            "report": report,
            "data": data,
            "region": region,
            "breadcrumb": region_selectors.region_breadcrumb(j, region),
            "rows": rows,
            "total_row": rows[-1],
            "risk_table": list(
                zip([str(label) for _v, label in CareKind.choices], rows[-1]["risks"], strict=True)
            ),
            "kind_labels": [str(label) for _v, label in CareKind.choices],
            "risk_labels": [str(RiskLevel(r).label) for r in stats.RISKS],
            "alert_kinds": [
                (str(label), data["totals"]["open_alerts"]["by_kind"][v])
                for v, label in Alert.Kind.choices
            ],
            "age_bands": [
                (str(label), data["totals"]["open_alerts"]["by_age"][code])
                for code, label, _l in stats.AGE_BANDS
            ],
            "chart": chart_data(data),
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "drill": report.child_level is not None and report.child_level <= Level.VILLAGE,
            "small_cell_max": data["small_cell_max"],
        },
        status=status,
    )


urlpatterns = [path("stats/", stats_page, name="stats")]
