"""Care pages: the live alert board (htmx refreshes only its table every few seconds) and the
alert page (timeline, acknowledge, close with a note). Parse → check access → selector or
service → render."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.care import access
from cunshe.care.forms_alerts import AcknowledgeForm, CloseForm
from cunshe.care.models import Alert
from cunshe.care.selectors import alerts as selectors
from cunshe.care.services import alerts as services
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit
from cunshe.web.forms import call_into_form

POLL_SECONDS = 5
_SEEN_KEY = "care_board_seen"


def _audit_board(request: HttpRequest, j: Jurisdiction, board: selectors.Board) -> None:
    """Every distinct set of alerts shown is an audited read; a refresh showing the same rows
    to the same session again is not (a board left open all day would otherwise write an
    event every five seconds)."""
    ids = board.shown_ids
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    if request.session.get(_SEEN_KEY) == digest:
        return
    request.session[_SEEN_KEY] = digest
    children = sum(r.child for g in board.villages for r in g.rows)
    access.audit_read(j, "alerts", count=len(ids), children=children, page="board")


@login_required
@never_cache
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    data = selectors.board(j)
    _audit_board(request, j, data)
    context = {"board": data, "poll_seconds": POLL_SECONDS}
    if request.headers.get("HX-Request") == "true":
        return render(request, "care/board_table.html", context)
    return render(request, "care/board.html", context)


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    alert: Alert,
    *,
    ack_form: AcknowledgeForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    visits = selectors.linkable_visits(j, alert)
    return render(
        request,
        "care/alert_detail.html",
        {
            "alert": alert,
            "timeline": selectors.timeline(alert),
            "rung": services.rung_label(alert.step),
            "overdue": services.is_overdue(alert, timezone.now()),
            "ack_form": ack_form or AcknowledgeForm(),
            "close_form": close_form
            or CloseForm(visits=visits, initial={"version": alert.version, "visit_made": "0"}),
            "can_act": alert.status != Alert.Status.CLOSED,
            "callback_phone": alert.terminal.callback_phone if alert.terminal_id else "",
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    alert = selectors.get_alert_for(j, pk)  # 404 outside, 403 (audited) without the right
    if request.method == "GET":
        access.audit_read(j, "alert", obj=alert)
        return _detail(request, j, alert)
    action = request.POST.get("action", "")
    kwargs = {"actor": request.user, "jurisdiction": j, "alert": alert}
    if action == "acknowledge":
        form = AcknowledgeForm(request.POST)
        if form.is_valid() and call_into_form(form, services.alert_acknowledge, **kwargs):
            messages.success(request, _("已响应，告警不再逐级上报。"))
            return redirect("care:alert", pk=alert.pk)
        return _detail(request, j, alert, ack_form=form, status=409)
    if action == "close":
        form = CloseForm(request.POST, visits=selectors.linkable_visits(j, alert))
        conflict = _("该告警已被他人修改，请刷新后再操作。")
        if form.is_valid():
            data = form.cleaned_data
            done = call_into_form(
                form,
                services.alert_close,
                refusals={ConcurrentEdit: conflict},
                note=data["note"],
                visit_made=data["visit_made"],
                visit=data["visit"],
                expected_version=data["version"],
                **kwargs,
            )
            if done is not None:
                messages.success(request, _("告警已关闭。"))
                return redirect("care:alert", pk=alert.pk)
        stale = conflict in form.non_field_errors()
        return _detail(request, j, alert, close_form=form, status=409 if stale else 400)
    return _detail(request, j, alert, status=400)


urlpatterns = [
    path("board/", board, name="board"),
    path("alerts/<int:pk>/", alert_detail, name="alert"),
]
