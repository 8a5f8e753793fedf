"""Scoped reads of 随手拍 problem reports: the staff desk (reporter visible), the village's public
list and the Open311 feeds (reporter never loaded), and the villager's own reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.servicedesk.models import Open311Client, ProblemReport, ReportCategory, ReportUpdate
from cunshe.servicedesk.services.reports import CLOSED_STATES, OPEN_STATES, REPORTS

# Never read for the public or Open311: the reporter's identity does not leave the staff pages.
IDENTITY_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "reporter", "client")
PUBLIC_PAGE_SIZE = 30
OPEN311_MAX = 1000
OPEN311_SPAN = timedelta(days=90)


def public_scope(code: str | None = None) -> Jurisdiction:
    """A read-only scope for public pages and feeds: one subtree, no permission at all."""
    return Jurisdiction(
        prefixes=(code or settings.CUNSHE_PROVINCE_CODE,), permissions=frozenset(), role="public"
    )


def categories() -> QuerySet[ReportCategory]:
    return ReportCategory.objects.filter(active=True).order_by("group", "code")


# --- staff ---------------------------------------------------------------------------------------


def reports_for(jurisdiction: Jurisdiction) -> QuerySet[ProblemReport]:
    """Reports in the jurisdiction; a county department officer sees those routed to their
    department only."""
    qs = ProblemReport.objects.within(jurisdiction)
    if jurisdiction.department:
        qs = qs.filter(handler_department=jurisdiction.department)
    return qs


@dataclass
class ReportFilters:
    state: str = ""  # a state, or "open"/"closed" for the groups
    category: int | None = None
    category_code: str = ""
    older_than_days: int | None = None  # still open and reported at least this long ago


def desk_list(jurisdiction: Jurisdiction, filters: ReportFilters) -> QuerySet[ProblemReport]:
    """The staff list, newest first, with what each row shows loaded up front."""
    qs = reports_for(jurisdiction).select_related("category", "region")
    if filters.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.state == "closed":
        qs = qs.filter(state__in=CLOSED_STATES)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.category_code:
        qs = qs.filter(category__code=filters.category_code)
    if filters.older_than_days is not None:
        cutoff = timezone.now() - timedelta(days=filters.older_than_days)
        qs = qs.filter(state__in=OPEN_STATES, created_at__lte=cutoff)
    return qs.order_by("-created_at", "-id")


def get_report_for(jurisdiction: Jurisdiction | None, pk: int) -> ProblemReport:
    """404 outside the caller's reports, 403 (audited) inside without servicedesk.reports."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        reports_for(j).select_related("category", "region", "reporter", "client"),
        j,
        need=REPORTS,
        pk=pk,
    )


def report_updates(report: ProblemReport) -> list[ReportUpdate]:
    return list(report.updates.select_related("actor").order_by("at", "id"))


def own_reports(jurisdiction: Jurisdiction, user_id: int, limit: int = 20) -> list[ProblemReport]:
    """A villager's own reports, newest first."""
    return list(
        ProblemReport.objects.within(jurisdiction)
        .filter(reporter_id=user_id)
        .select_related("category")
        .defer(*IDENTITY_FIELDS[:3])
        .order_by("-created_at", "-id")[:limit]
    )


def photo_report_for(
    jurisdiction: Jurisdiction | None, pk: int, user_id: int | None
) -> ProblemReport:
    """The report whose photo the caller may see: staff with servicedesk.reports over it, or
    its own reporter. 404 otherwise (a photo's existence is not told to others)."""
    j = require_jurisdiction(jurisdiction)
    report = ProblemReport.objects.within(j).filter(pk=pk).first()
    if report is None or not report.photo:
        raise Http404
    if report.reporter_id is not None and report.reporter_id == user_id:
        return report
    if j.department and report.handler_department != j.department:
        raise Http404
    return get_scoped_or_404(reports_for(j), j, need=REPORTS, pk=pk)


# --- public --------------------------------------------------------------------------------------


def public_village(code: str) -> Region:
    """The village named by a 12-digit code; 404 for anything else."""
    if not (len(code) == 12 and code.isdigit()):
        raise Http404
    region = Region.objects.filter(code=code, level=Level.VILLAGE).first()
    if region is None:
        raise Http404
    return region


def _public_updates() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=ReportUpdate.objects.filter(public=True).order_by("at", "id"),
        to_attr="public_updates",
    )


def public_reports(code: str) -> QuerySet[ProblemReport]:
    """Public reports at and below `code`, without any reporter field loaded."""
    return (
        ProblemReport.objects.within(public_scope(code))
        .filter(public=True)
        .select_related("category", "region")
        .defer(*IDENTITY_FIELDS[:3], "photo")
        .prefetch_related(_public_updates())
        .order_by("-created_at", "-id")
    )


def village_page(code: str, page: int) -> tuple[list[ProblemReport], bool]:
    """One page of a village's public reports and whether there is a next one."""
    start = (page - 1) * PUBLIC_PAGE_SIZE
    rows = list(public_reports(code)[start : start + PUBLIC_PAGE_SIZE + 1])
    return rows[:PUBLIC_PAGE_SIZE], len(rows) > PUBLIC_PAGE_SIZE


def unit_names(reports: list[ProblemReport]) -> dict[str, str]:
    """Region names of the units the reports are routed to (one query)."""
    codes = {r.handler_code for r in reports}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


# --- Open311 -------------------------------------------------------------------------------------


@dataclass
class RequestQuery:
    ids: list[str] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None  # "open", "closed"
    under: str | None = None  # a region code (jurisdiction_id)


def open311_requests(query: RequestQuery) -> list[ProblemReport]:
    """GET requests: public reports only, newest first, at most 1000; `ids` override the other
    arguments (as the spec says); otherwise at most 90 days (the last 90 by default)."""
    qs = public_reports(query.under or settings.CUNSHE_PROVINCE_CODE)
    if query.ids is not None:
        return list(qs.filter(number__in=query.ids[:OPEN311_MAX]))
    end = query.end or timezone.now()
    start = query.start or end - OPEN311_SPAN
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    if query.service_codes:
        qs = qs.filter(category__code__in=query.service_codes)
    if query.statuses:
        states: list[str] = []
        if "open" in query.statuses:
            states += list(OPEN_STATES)
        if "closed" in query.statuses:
            states += list(CLOSED_STATES)
        qs = qs.filter(state__in=states)
    return list(qs[:OPEN311_MAX])


def open311_request(number: str) -> ProblemReport:
    """One public report by its number; 404 when there is none (or it is not public)."""
    report = public_reports(settings.CUNSHE_PROVINCE_CODE).filter(number=number).first()
    if report is None:
        raise Http404
    return report


def open311_token(token: str) -> ProblemReport:
    report = (
        ProblemReport.objects.within(public_scope())
        .filter(token=token)
        .only("id", "number", "token")
        .first()
    )
    if report is None:
        raise Http404
    return report


def open311_updates(start: datetime | None, end: datetime | None) -> list[ReportUpdate]:
    """mySociety's GET servicerequestupdates: public updates of public reports, oldest first,
    at most 1000, within 90 days (the last 90 by default)."""
    end = end or timezone.now()
    start = start or end - OPEN311_SPAN
    return list(
        ReportUpdate.objects.filter(
            public=True,
            report__public=True,
            report__region_code__startswith=settings.CUNSHE_PROVINCE_CODE,
            at__gte=start,
            at__lte=end,
        )
        .select_related("report")
        .only("id", "at", "state", "text", "report", "report__number")
        .order_by("at", "id")[:OPEN311_MAX]
    )


def clients_for(jurisdiction: Jurisdiction) -> list[Open311Client]:
    """Open311 clients bound to regions inside the jurisdiction."""
    return list(
        Open311Client.objects.filter(jurisdiction.q("region__code"))
        .select_related("region", "created_by")
        .order_by("-created_at")
    )


def get_client_for(jurisdiction: Jurisdiction, pk: int) -> Open311Client:
    client = (
        Open311Client.objects.filter(jurisdiction.q("region__code"), pk=pk)
        .select_related("region")
        .first()
    )
    if client is None:
        raise Http404
    return client
