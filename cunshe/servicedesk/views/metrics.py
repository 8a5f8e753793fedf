"""Pages: the deadline lists (到期督办) and the service-desk metrics (办事统计).

Parse → check access → selector → render. Both pages are read-only and their query counts are
fixed (pinned in the tests)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cunshe.core import reporting
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.core.reporting import PeriodFilter, region_for
from cunshe.regions import selectors as region_selectors
from cunshe.regions.models import Level
from cunshe.servicedesk.models import Mode
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.selectors import deadlines, metrics
from cunshe.servicedesk.services.applications import HANDLE


def _detail_available() -> bool:
    # The application detail page belongs to another part of the desk; link to it when mounted.
    try:
        reverse("servicedesk:application", args=[1])
    except NoReverseMatch:
        return False
    return True


# --- deadlines -----------------------------------------------------------------------------------


def _deadline_reader(jurisdiction: Jurisdiction | None) -> Jurisdiction:
    """Handlers (servicedesk.handle) and supervisors (servicedesk.view at township or above);
    anyone else is refused with 403 (audited)."""
    j = require_jurisdiction(jurisdiction)
    if j.has_perm(HANDLE) or deadlines.is_supervisor(j):
        return j
    audit(
        "core.permission.denied",
        jurisdiction=j,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"permission": HANDLE},
    )
    raise PermissionDenied(HANDLE)


@login_required
@require_GET
def deadline_lists(request: HttpRequest) -> HttpResponse:
    j = _deadline_reader(request.jurisdiction)  # type: ignore[attr-defined]
    board = deadlines.deadline_board(j, user_id=request.user.pk)
    return render(
        request,
        "servicedesk/deadlines.html",
        {
            "board": board,
            "has_detail": _detail_available(),
            "limit": deadlines.LIST_LIMIT,
            "escalate_every": rule("ESCALATE_EVERY_WORKING_DAYS"),
        },
    )


# --- metrics -------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _chart_data(report: metrics.Report) -> dict[str, Any]:
    """What metrics.js draws: plain numbers and labels, no markup."""
    return {
        "units": {
            "names": [u.name for u in report.units],
            "total": [u.total for u in report.units],
            "on_time_rate": [
                None if u.on_time_rate is None else round(u.on_time_rate * 100, 1)
                for u in report.units
            ],
            "zero_trip_rate": [
                None if u.zero_trip_rate is None else round(u.zero_trip_rate * 100, 1)
                for u in report.units
            ],
        },
        "trend": {
            "months": [m.month for m in report.trend],
            "total": [m.total for m in report.trend],
            "on_time_rate": [
                None if m.on_time_rate is None else round(m.on_time_rate * 100, 1)
                for m in report.trend
            ],
        },
        "modes": [{"name": label, "value": n} for _mode, label, n in report.modes],
        "labels": {
            "total": str(gettext_lazy("办件数")),
            "on_time_rate": str(gettext_lazy("按时办结率(%)")),
            "zero_trip_rate": str(gettext_lazy("不跑腿率(%)")),
        },
    }


@login_required
@require_GET
def metrics_page(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, metrics.METRICS)  # type: ignore[attr-defined]
    region = region_for(j, request.GET.get("region", "").strip())
    form = PeriodFilter(request.GET or None)
    start, end = reporting.default_period()
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        else:  # a bad date or period: say so on the form, show the default period
            status = 400
    report = metrics.region_metrics(j, region, start=start, end=end)
    units = [
        {"f": u, "on_time": _percent(u.on_time_rate), "zero_trip": _percent(u.zero_trip_rate),
         "satisfaction": _percent(u.satisfaction_rate),
         "modes": [u.by_mode.get(m, 0) for m in Mode.values]}
        for u in report.units
    ]  # fmt: skip
    return render(
        request,
        "servicedesk/metrics.html",
        {
            "form": form,
            "report": report,
            "region": region,
            "breadcrumb": region_selectors.region_breadcrumb(j, region),
            "units": units,
            "total": report.total,
            "total_on_time": _percent(report.total.on_time_rate),
            "total_zero_trip": _percent(report.total.zero_trip_rate),
            "total_satisfaction": _percent(report.total.satisfaction_rate),
            "item_rows": [
                {
                    "i": i,
                    "on_time": _percent(i.on_time_rate),
                    "zero_trip": _percent(i.zero_trip_rate),
                }
                for i in report.by_item
            ],
            "trend": [{"m": m, "on_time": _percent(m.on_time_rate)} for m in report.trend],
            "modes": report.modes,
            "mode_labels": [(m.value, m.label) for m in Mode],
            "chart": _chart_data(report),
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "drill": report.child_level is not None and report.child_level <= Level.VILLAGE,
        },
        status=status,
    )


urlpatterns = [
    path("deadlines/", deadline_lists, name="deadlines"),
    path("metrics/", metrics_page, name="metrics"),
]
