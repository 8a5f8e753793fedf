"""/api/v1/servicedesk/metrics/: the 办事统计 figures of a region and its child units, the same
numbers as the /desk/metrics/ page (one selector, one serialisation).

    GET /api/v1/servicedesk/metrics/?region=220182&from=2026-01-01&to=2026-06-30

`region` defaults to the caller's own root, the period to the last twelve months. A region
outside the caller's jurisdiction answers 404, as if it did not exist.

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
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions import selectors as region_selectors
from cunshe.servicedesk.selectors import metrics

router = Router(tags=["servicedesk"])


class MetricsQuery(Schema):
    region: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="区划代码，默认本辖区")
    from_: date | None = Field(None, alias="from", description="开始日期（含），默认12个月前的月初")
    to: date | None = Field(None, description="结束日期（含），默认今天")


class MetricsRegionOut(Schema):
    code: str
    name: str
    level: int


class PeriodOut(Schema):
    from_: str = Field(..., alias="from")
    to: str


class FiguresOut(Schema):
    code: str
    name: str
    level: int
    total: int = Field(..., description="区间内提交的办件数")
    by_mode: dict[str, int]
    finished: int = Field(..., description="已作出结论（准予、不予批准、不予受理）的件数")
    on_time: int
    on_time_rate: float | None = Field(..., description="按时办结率 on_time / finished")
    decided: int
    avg_days_to_decision: float | None = Field(..., description="提交到决定的平均自然日")
    zero_trip: int
    zero_trip_rate: float | None = Field(..., description="不跑腿率 zero_trip / total")
    ratings: int
    avg_score: float | None
    satisfaction_rate: float | None = Field(..., description="4–5分评价占比")
    open: int = Field(..., description="当前未办结（不限区间）")
    overdue: int = Field(..., description="当前超期（不限区间）")


class MetricsItemOut(Schema):
    code: str
    name: str
    total: int
    finished: int
    on_time: int
    on_time_rate: float | None
    zero_trip: int
    zero_trip_rate: float | None


class ModeOut(Schema):
    mode: str
    label: str
    total: int


class MonthOut(Schema):
    month: str
    total: int
    finished: int
    on_time: int
    on_time_rate: float | None
    avg_days_to_decision: float | None


class MetricsOut(Schema):
    region: MetricsRegionOut
    period: PeriodOut
    days_basis: str = Field(..., description="calendar：平均天数按自然日计")
    totals: FiguresOut
    units: list[FiguresOut]
    by_item: list[MetricsItemOut]
    by_mode: list[ModeOut]
    trend: list[MonthOut]


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


@router.get("/", response=MetricsOut, by_alias=True, summary="办事统计（本级及下级单位）")
def metrics_get(request: HttpRequest, params: Query[MetricsQuery]) -> dict[str, Any]:
    j = require_perm(_scope(request), metrics.METRICS)
    if params.region:
        region = region_selectors.get_region_for(j, params.region)
    else:
        roots = region_selectors.region_roots(j)
        region = roots[0]
    start, end = reporting.default_period()
    start = params.from_ or start
    end = params.to or end
    try:
        reporting.check_period(start, end)
    except ValidationError as exc:
        # A bad query parameter is invalid input (422), like any other the schema refuses.
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        raise ApiError(422, "invalid_period", " ".join(exc.messages), fields) from exc
    report = metrics.region_metrics(j, region, start=start, end=end)
    return metrics.report_dict(report)
