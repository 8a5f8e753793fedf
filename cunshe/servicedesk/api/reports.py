"""/api/v1/servicedesk/reports/: 随手拍 problem reports for staff, scoped like the desk pages.

The reporter's name is shown to staff as on the desk; the phone only masked (the full number
comes from the audited reveal on the page). Lists use cursor pages, newest first.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_phone
from cunshe.servicedesk.models import ProblemReport, ReportUpdate
from cunshe.servicedesk.selectors import reports as selectors
from cunshe.servicedesk.services import reports as services

router = Router(tags=["servicedesk"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_STATES = "|".join(["open", "closed", *ProblemReport.State.values])


class ReportOut(Schema):
    id: int
    number: str
    category_code: str
    category_name: str
    state: str
    state_label: str
    description: str
    address: str
    lat: float | None
    lon: float | None
    region_code: str
    handler_level: str
    handler_code: str
    handler_department: str
    public: bool
    reporter_name: str
    reporter_phone_masked: str
    via_open311: bool
    has_photo: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_category_code(r: ProblemReport) -> str:
        return r.category.code

    @staticmethod
    def resolve_category_name(r: ProblemReport) -> str:
        return r.category.name

    @staticmethod
    def resolve_state_label(r: ProblemReport) -> str:
        return str(r.get_state_display())

    @staticmethod
    def resolve_lat(r: ProblemReport) -> float | None:
        return float(r.lat) if r.lat is not None else None

    @staticmethod
    def resolve_lon(r: ProblemReport) -> float | None:
        return float(r.lon) if r.lon is not None else None

    @staticmethod
    def resolve_reporter_phone_masked(r: ProblemReport) -> str:
        return mask_phone(r.reporter_phone)

    @staticmethod
    def resolve_via_open311(r: ProblemReport) -> bool:
        return r.client_id is not None

    @staticmethod
    def resolve_has_photo(r: ProblemReport) -> bool:
        return bool(r.photo)


class UpdateOut(Schema):
    id: int
    at: datetime
    state: str
    text: str
    public: bool
    actor: str

    @staticmethod
    def resolve_actor(u: ReportUpdate) -> str:
        user = u.actor
        return (user.display_name or user.username) if user is not None else ""


class ReportDetailOut(ReportOut):
    updates: list[UpdateOut]

    @staticmethod
    def resolve_updates(r: ProblemReport) -> list[ReportUpdate]:
        return selectors.report_updates(r)


class ReportQuery(Schema):
    state: str = Field("", pattern=f"^(|{_STATES})$", description="状态，或 open / closed")
    category: str = Field("", max_length=30, pattern=r"^[A-Za-z0-9_-]*$", description="类别编码")
    older_than_days: int | None = Field(None, ge=0, le=3650, description="未办结且超过N天")


def _scope(request: HttpRequest) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), services.REPORTS)


@router.get("", response=list[ReportOut], summary="随手拍问题列表")
@paginate(CursorPagination, ordering="-created_at")
def report_list(request: HttpRequest, filters: Query[ReportQuery], **kwargs: Any) -> QuerySet:
    j = _scope(request)
    return selectors.desk_list(
        j,
        selectors.ReportFilters(
            state=filters.state,
            category_code=filters.category,
            older_than_days=filters.older_than_days,
        ),
    )


@router.get("/{report_id}", response=ReportDetailOut, summary="随手拍问题详情")
def report_detail(request: HttpRequest, report_id: Id) -> ProblemReport:
    j = _scope(request)
    return selectors.get_report_for(j, report_id)
