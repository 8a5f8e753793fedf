"""志愿积分统计 (/vol/reports/, volunteering.reports or points.reports;
docs/volunteering/reports.md): aggregate figures only, no names of people, for a region of
the caller's jurisdiction with drill-down to the units below, with the period and region
filter of cunshe.core.reporting. The tables are built once (`tables`) for the page and for the
.xlsx export of each; the charts draw from a json_script block (reports.js, no inline script)."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cunshe.core import reporting
from cunshe.core.access import require_jurisdiction
from cunshe.core.audit import audit
from cunshe.core.reporting import PeriodFilter, region_for
from cunshe.core.spreadsheets import inert_row
from cunshe.regions import selectors as region_selectors
from cunshe.regions.models import Level
from cunshe.volunteering.selectors import reports as selectors

Table = dict[str, Any]


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def tables(data: dict[str, Any]) -> dict[str, Table]:
    """Every table of the report: {slug: {"title", "headers", "rows", "total"}} (cells are
    plain numbers and text; the same for the page and the export)."""
    out: dict[str, Table] = {}
    unit_head = _("单位")
    if data["hours"] is not None:
        h = data["hours"]
        out["hours"] = {
            "title": _("服务时长（按单位）"),
            "headers": [
                unit_head,
                _("服务时长(小时)"),
                _("服务分钟"),
                _("记录条数"),
                _("服务志愿者"),
            ],
            "rows": [
                [u["name"], u["hours"], u["minutes"], u["entries"], u["volunteers"]]
                for u in h["units"]
            ],
            "codes": [u["code"] for u in h["units"]],
            "total": [
                _("合计"),
                h["totals"]["hours"],
                h["totals"]["minutes"],
                h["totals"]["entries"],
                h["totals"]["volunteers"],
            ],
        }
        out["organisations"] = {
            "title": _("服务时长（按组织）"),
            "headers": [_("组织"), _("服务时长(小时)"), _("服务分钟"), _("记录条数")],
            "rows": [
                [o["name"], o["hours"], o["minutes"], o["entries"]] for o in h["organisations"]
            ],
            "codes": [],
            "total": [
                _("合计"),
                h["totals"]["hours"],
                h["totals"]["minutes"],
                h["totals"]["entries"],
            ],
        }
    if data["volunteers"] is not None:
        v = data["volunteers"]
        stars = [_("%(n)d星") % {"n": s} if s else _("未评星") for s in selectors.STARS]
        out["stars"] = {
            "title": _("志愿者星级"),
            "headers": [unit_head, *stars, _("在册"), _("区间内有服务")],
            "rows": [
                [u["name"], *u["by_star"], u["registered"], u["active_in_period"]]
                for u in v["units"]
            ],
            "codes": [u["code"] for u in v["units"]],
            "total": [
                _("合计"),
                *v["totals"]["by_star"],
                v["totals"]["registered"],
                v["totals"]["active_in_period"],
            ],
        }
    if data["points"] is not None:
        p = data["points"]
        out["categories"] = {
            "title": _("积分发放（按类别）"),
            "headers": [_("积分类别"), _("发放"), _("冲正"), _("净发放")],
            "rows": [[c["name"], c["issued"], c["reversed"], c["net"]] for c in p["categories"]],
            "codes": [],
            "total": [
                _("合计"),
                p["totals"]["issued"],
                p["totals"]["reversed"],
                p["totals"]["issued"] - p["totals"]["reversed"],
            ],
        }
        out["points"] = {
            "title": _("积分发放、兑换与流通（按单位）"),
            "headers": [unit_head, _("发放"), _("冲正"), _("兑换"), _("期末流通")],
            "rows": [
                [u["name"], u["issued"], u["reversed"], u["redeemed"], u["in_circulation"]]
                for u in p["units"]
            ],
            "codes": [u["code"] for u in p["units"]],
            "total": [
                _("合计"),
                p["totals"]["issued"],
                p["totals"]["reversed"],
                p["totals"]["redeemed"],
                p["totals"]["in_circulation"],
            ],
        }
    if data["store"] is not None:
        s = data["store"]

        def store_row(name: str, u: dict[str, Any]) -> list[Any]:
            return [
                name,
                u["redemptions"],
                u["points"],
                u["items_out"],
                u["reversed"],
                u["stock_in_purchase"],
                u["stock_in_donation"],
                u["goods"],
                u["units_in_stock"],
                _yuan(u["value_fen"]),
                u["goods_without_cost"],
            ]

        out["store"] = {
            "title": _("爱心超市流水与库存（按单位）"),
            "headers": [
                unit_head,
                _("兑换笔数"),
                _("兑换积分"),
                _("出库件数"),
                _("撤销笔数"),
                _("采购入库"),
                _("捐赠入库"),
                _("在架商品"),
                _("库存件数"),
                _("库存价值(元)"),
                _("无采购价商品"),
            ],
            "rows": [store_row(u["name"], u) for u in s["units"]],
            "codes": [u["code"] for u in s["units"]],
            "total": store_row(_("合计"), s["totals"]),
        }
    return out


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What reports.js draws: plain numbers and labels."""
    chart: dict[str, Any] = {
        "units": [u["name"] for u in data["units"]] or [data["region"]["name"]]
    }
    one = not data["units"]
    if data["hours"] is not None:
        h = data["hours"]
        chart["hours"] = {
            "label": _("服务时长(小时)"),
            "values": [h["totals"]["hours"]] if one else [u["hours"] for u in h["units"]],
        }
    if data["volunteers"] is not None:
        chart["stars"] = {
            "labels": [_("%(n)d星") % {"n": s} if s else _("未评星") for s in selectors.STARS],
            "values": data["volunteers"]["totals"]["by_star"],
            "label": _("志愿者人数"),
        }
    if data["points"] is not None:
        p = data["points"]
        chart["categories"] = {
            "labels": [c["name"] for c in p["categories"]],
            "series": [
                {"name": _("发放"), "data": [c["issued"] for c in p["categories"]]},
                {"name": _("冲正"), "data": [c["reversed"] for c in p["categories"]]},
            ],
        }
    if data["store"] is not None:
        s = data["store"]
        rows = [s["totals"]] if one else s["units"]
        chart["store"] = {
            "series": [
                {"name": _("兑换积分"), "data": [u["points"] for u in rows]},
                {"name": _("出库件数"), "data": [u["items_out"] for u in rows]},
            ]
        }
    return chart


def _report(request: HttpRequest) -> tuple[Any, Any, PeriodFilter, dict[str, Any], int]:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    selectors.sections_for(j)  # 403 without either permission
    region = region_for(j, request.GET.get("region", "").strip())
    form = PeriodFilter(request.GET or None)
    start, end = reporting.default_period()
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        else:
            status = 400
    data = selectors.vol_report(j, region, start=start, end=end)
    return j, region, form, data, status


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    j, region, form, data, status = _report(request)
    level = selectors.child_level(region)
    return render(
        request,
        "volunteering/reports_page.html",
        {
            "form": form,
            "data": data,
            "region": region,
            "breadcrumb": region_selectors.region_breadcrumb(j, region),
            "tables": {
                slug: {**t, "lines": list(zip_longest(t["codes"], t["rows"]))}
                for slug, t in tables(data).items()
            },
            "chart": chart_data(data),
            "period": data["period"],
            "drill": level is not None and level <= Level.VILLAGE,
        },
        status=status,
    )


@login_required
@require_GET
def reports_export(request: HttpRequest, table: str) -> HttpResponse:
    """One table as .xlsx, every cell through core.spreadsheets.inert; audited."""
    from io import BytesIO

    from openpyxl import Workbook

    j, region, _form, data, status = _report(request)
    found = tables(data).get(table)
    if found is None or status != 200:
        raise Http404
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=table)
    ws.append(
        inert_row([found["title"], region.name, data["period"]["from"], data["period"]["to"]])
    )
    ws.append(inert_row(found["headers"]))
    for row in found["rows"]:
        ws.append(inert_row(row))
    ws.append(inert_row(found["total"]))
    buffer = BytesIO()
    wb.save(buffer)
    audit(
        "volunteering.reports.exported",
        actor=request.user,
        jurisdiction=j,
        object_type="region",
        object_id=region.code,
        detail={"table": table, **data["period"]},
        request=request,
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"vol-{table}-{region.code}-{data['period']['from']}-{data['period']['to']}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("reports/", reports_page, name="reports"),
    path("reports/<slug:table>.xlsx", reports_export, name="reports_export"),
]
