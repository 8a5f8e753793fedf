"""Core pages: the audit log (audit administrator), background tasks (system administrator)
and every signed-in user's inbox."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cunshe.accounts.roles import Role
from cunshe.core import selectors, services
from cunshe.core.access import require_perm
from cunshe.core.forms import AuditFilterForm
from cunshe.core.selectors import AuditFilters
from cunshe.core.spreadsheets import inert

AUDIT_PERM = "core.audit_view"
TASKS_PERM = "core.tasks_view"
INBOX_PAGE_SIZE = 20


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _filters_from(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters | None]:
    form = AuditFilterForm(request.GET)
    return form, (form.filters() if form.is_valid() else None)


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, AUDIT_PERM)
    form, filters = _filters_from(request)
    before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
    if filters is None:
        page = selectors.CursorPage()
    else:
        events = selectors.audit_events_within(j, filters)
        page = selectors.audit_page(events, before=before, after=after)
    services.audit_log_viewed(
        actor=request.user,
        jurisdiction=j,
        filters=filters or AuditFilters(),
        shown=len(page.items),
        cursor=f"before={before}" if before else (f"after={after}" if after else ""),
    )
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


_CSV_COLUMNS = [
    "id",
    "at",
    "actor_username",
    "role",
    "region_code",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "request_id",
    "detail",
    "hash",
]


def _cell(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value or "")
    # Text a spreadsheet would run as a formula is kept text (the platform's one guard).
    return inert(text)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, AUDIT_PERM)
    _form, filters = _filters_from(request)
    if filters is None:
        return HttpResponseBadRequest(_("筛选条件有误，未导出。"))
    events = selectors.audit_events_within(j, filters)
    # Fix the set first (newer events may arrive while streaming), so the audited row count
    # is exactly what the file holds.
    totals = events.aggregate(rows=Count("id"), up_to=Max("id"))
    up_to = totals["up_to"] or 0
    services.audit_log_exported(
        actor=request.user, jurisdiction=j, filters=filters, rows=totals["rows"], up_to_id=up_to
    )
    rows = events.filter(id__lte=up_to).order_by("-id").values_list(*_CSV_COLUMNS)

    def stream() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"  # so spreadsheet programs read the Chinese text as UTF-8
        yield writer.writerow(_CSV_COLUMNS)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow([_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@login_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    require_perm(request.jurisdiction, TASKS_PERM)
    return render(
        request,
        "core/tasks.html",
        {
            "jobs": selectors.periodic_job_status(),
            "results": selectors.recent_task_results(),
        },
    )


def _layout(request: HttpRequest) -> str:
    assignment = getattr(request, "assignment", None)
    if assignment is not None and assignment.role == Role.VILLAGER:
        return "web/villager.html"
    return "web/desk.html"


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.inbox_of(request.user), INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page, "layout": _layout(request)})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = selectors.get_notification_of(request.user, pk)
    services.notification_mark_read(actor=request.user, notification=note)
    if (
        request.POST.get("open")
        and note.link
        and url_has_allowed_host_and_scheme(note.link, allowed_hosts={request.get_host()})
    ):
        return redirect(note.link)
    return redirect("core:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("已全部标为已读。"))
    return redirect("core:inbox")
