"""/api/v1/volunteering/reports/: 志愿积分统计 of a region and its child units, the same numbers as
the /vol/reports/ page (one selector). Aggregates only, no names of people.

    GET /api/v1/volunteering/reports/?region=220182&from=2026-01-01&to=2026-06-30

`region` defaults to the caller's own root, the period to the last twelve months. A region
outside the caller's jurisdiction answers 404; a role with neither volunteering.reports nor
points.reports 403. Sections the caller may not read (hours and volunteers need
volunteering.reports, points and store points.reports) are null.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.core import reporting
from cunshe.regions import selectors as region_selectors
from cunshe.volunteering.selectors import reports as selectors

router = Router(tags=["volunteering"])


class VolReportQuery(Schema):
    region: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="区划代码，默认本辖区")
    from_: date | None = Field(None, alias="from", description="开始日期（含），默认12个月前的月初")
    to: date | None = Field(None, description="结束日期（含），默认今天")


class VolReportRegionOut(Schema):
    code: str
    name: str
    level: int


class VolReportPeriodOut(Schema):
    from_: str = Field(..., alias="from")
    to: str


class VolReportUnitOut(Schema):
    code: str
    name: str


class VolHoursFiguresOut(Schema):
    minutes: int = Field(..., description="已审核服务分钟（更正按正负计入）")
    hours: float
    entries: int
    volunteers: int = Field(..., description="有已审核时长的志愿者人数")


class VolHoursUnitOut(VolHoursFiguresOut):
    code: str
    name: str


class VolHoursOrgOut(Schema):
    name: str
    minutes: int
    hours: float
    entries: int


class VolHoursReportOut(Schema):
    totals: VolHoursFiguresOut
    units: list[VolHoursUnitOut]
    organisations: list[VolHoursOrgOut]


class VolStarFiguresOut(Schema):
    by_star: list[int] = Field(..., description="0–5 星在册志愿者人数")
    registered: int
    active_in_period: int


class VolStarUnitOut(VolStarFiguresOut):
    code: str
    name: str


class VolStarReportOut(Schema):
    star_hours: list[int]
    totals: VolStarFiguresOut
    units: list[VolStarUnitOut]


class PointsCategoryOut(Schema):
    code: str
    name: str
    issued: int
    reversed: int
    net: int


class PointsReportTotalsOut(Schema):
    issued: int
    reversed: int
    redeemed: int = Field(..., description="兑换积分（已扣除撤销的兑换）")
    redemptions_reversed: int
    in_circulation: int = Field(..., description="期末家庭和个人账户余额合计")


class PointsReportUnitOut(Schema):
    code: str
    name: str
    issued: int
    reversed: int
    redeemed: int
    in_circulation: int


class PointsReportOut(Schema):
    categories: list[PointsCategoryOut]
    totals: PointsReportTotalsOut
    units: list[PointsReportUnitOut]


class StoreReportFiguresOut(Schema):
    redemptions: int
    points: int
    reversed: int
    items_out: int
    stock_in_purchase: int
    stock_in_donation: int
    goods: int
    units_in_stock: int
    value_fen: int = Field(..., description="库存按平均采购单价的价值（分）")
    goods_without_cost: int


class StoreReportUnitOut(StoreReportFiguresOut):
    code: str
    name: str


class StoreReportOut(Schema):
    totals: StoreReportFiguresOut
    units: list[StoreReportUnitOut]


class VolReportOut(Schema):
    region: VolReportRegionOut
    period: VolReportPeriodOut
    units: list[VolReportUnitOut]
    hours: VolHoursReportOut | None
    volunteers: VolStarReportOut | None
    points: PointsReportOut | None
    store: StoreReportOut | None


@router.get(
    "/", response=VolReportOut, by_alias=True, summary="志愿积分统计（本级及下级单位，无姓名）"
)
def reports_get(request: HttpRequest, params: Query[VolReportQuery]) -> dict[str, Any]:
    j = request_jurisdiction(request)
    selectors.sections_for(j)
    if params.region:
        region = region_selectors.get_region_for(j, params.region)
    else:
        region = region_selectors.region_roots(j)[0]
    start, end = reporting.default_period()
    start = params.from_ or start
    end = params.to or end
    try:
        reporting.check_period(start, end)
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        raise ApiError(422, "invalid_period", " ".join(exc.messages), fields) from exc
    return selectors.vol_report(j, region, start=start, end=end)
