"""/api/v1/care/stats/: 关爱统计 of a region and its child units, the same numbers as the
/care/stats/ page (one selector, one serialisation). Aggregates only, no names.

    GET /api/v1/care/stats/?region=220182&from=2026-01-01&to=2026-06-30

`region` defaults to the caller's own root, the period to the last twelve months. A region
outside the caller's jurisdiction answers 404; a role without care.stats 403. For readers
without care.view_children a count of children from 1 to 4 is the string "<5" (a second cell
that would give it away is "*"), and totals over all kinds are null.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.care.selectors import stats
from cunshe.core import reporting
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions import selectors as region_selectors

router = Router(tags=["care"])

Cell = int | str


class StatsQuery(Schema):
    region: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="区划代码，默认本辖区")
    from_: date | None = Field(None, alias="from", description="开始日期（含），默认12个月前的月初")
    to: date | None = Field(None, description="结束日期（含），默认今天")


class CareRegionOut(Schema):
    code: str
    name: str
    level: int


class CarePeriodOut(Schema):
    from_: str = Field(..., alias="from")
    to: str


class RiskCellsOut(Schema):
    total: Cell = Field(..., description='在册人数；儿童小数值对无儿童查看权限者为 "<5" 或 "*"')
    high: Cell
    priority: Cell
    general: Cell


class StatsCoverageOut(Schema):
    covered: int | None = Field(..., description="覆盖人数（可能推算儿童人数时为 null）")
    active: int | None
    rate: float | None = Field(..., description="探访覆盖率 0–1")


class OpenAlertsOut(Schema):
    total: int
    by_kind: dict[str, int]
    by_age: dict[str, int] = Field(..., description="lt1h、lt24h、lt7d、older")


class SosOut(Schema):
    acknowledged: int = Field(..., description="区间内发起并已响应的一键呼救次数")
    p50_seconds: float | None
    p95_seconds: float | None


class UnitOut(Schema):
    code: str
    name: str
    active: dict[str, RiskCellsOut] = Field(..., description="按类别（child/woman/elderly）")
    active_total: int | None
    candidates: dict[str, Cell]
    coverage: StatsCoverageOut
    overdue: int
    open_alerts: OpenAlertsOut
    sos: SosOut


class CareMonthOut(Schema):
    month: str
    new_profiles: int
    closed_profiles: int
    visits: int
    alerts: int


class StatsOut(Schema):
    region: CareRegionOut
    period: CarePeriodOut
    exact_children: bool = Field(..., description="false：儿童小数值已隐去")
    small_cell_max: int
    totals: UnitOut
    units: list[UnitOut]
    trend: list[CareMonthOut]


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


@router.get("/", response=StatsOut, by_alias=True, summary="关爱统计（本级及下级单位，无姓名）")
def stats_get(request: HttpRequest, params: Query[StatsQuery]) -> dict[str, Any]:
    j = require_perm(_scope(request), stats.STATS)
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
    return stats.report_dict(stats.care_stats(j, region, start=start, end=end))
