"""Meetings pages: the list, convening, one meeting (open it, sign attendees in with a live
quorum, record decisions per agenda item, close it, keep files with it), the minutes PDF and the
attachment download.

Parse → check access → selector/service → render. The sign-in panel is an htmx partial: a
search by name or pinyin, a button per person, and the quorum box that turns green when reached.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov import minutes
from cunshe.selfgov.forms_meetings import (
    AttachmentForm,
    CancelForm,
    CloseForm,
    ConveneForm,
    DecisionForm,
    ItemForm,
)
from cunshe.selfgov.models import Meeting
from cunshe.selfgov.rules import rule
from cunshe.selfgov.selectors import bodies as body_sel
from cunshe.selfgov.selectors import meetings as sel
from cunshe.selfgov.services import meetings as svc
from cunshe.web.forms import call_into_form

STALE = _("已被他人修改，请刷新后重试。")
PAGE_SIZE = 50


def _j(request: HttpRequest) -> Jurisdiction:
    return require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]


def _sink() -> forms.Form:
    """A bound, valid, empty form to collect a service's refusal for an action with no fields."""
    form = forms.Form(data={})
    form.is_valid()
    return form


def _page(raw: str | None) -> int:
    return max(1, int(raw)) if raw and raw.isdigit() and len(raw) < 5 else 1


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    status = request.GET.get("status", "")
    if status not in Meeting.Status.values:
        status = ""
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(sel.meetings_for(j, status=status)[start : start + PAGE_SIZE + 1])
    return render(
        request,
        "selfgov/meetings_list.html",
        {
            "meetings": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "status": status,
            "statuses": Meeting.Status.choices,
            "can_manage": j.has_perm(sel.MANAGE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.MANAGE)  # type: ignore[attr-defined]
    regions = list(body_sel.villages_for(j))
    bodies = list(body_sel.bodies_for(j).filter(active=True))
    today = timezone.localdate()
    form = ConveneForm(
        request.POST or None,
        regions=regions,
        bodies=bodies,
        initial={"notice_on": today, "requested_by": Meeting.RequestedBy.COMMITTEE},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            meeting = call_into_form(
                form, svc.meeting_convene, actor=request.user, jurisdiction=j, **form.cleaned_data
            )
            if meeting is not None:
                messages.success(request, _("会议已召集。"))
                return redirect("selfgov:meeting", pk=meeting.pk)
        status = 400
    return render(request, "selfgov/meetings_new.html", {"form": form}, status=status)


def _panel_context(j: Jurisdiction, meeting: Meeting) -> dict[str, Any]:
    counts = sel.counts_of(meeting)
    return {
        "meeting": meeting,
        "counts": counts,
        "quorum": sel.quorum_of(meeting, counts),
        "quorum_rule": svc.quorum_rule_text(meeting.kind),
        "attendance": sel.attendance_of(meeting),
        "by_household": meeting.kind in sel.BY_HOUSEHOLD,
        "can_manage": j.has_perm(sel.MANAGE) and meeting.status == Meeting.Status.OPEN,
    }


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    meeting: Meeting,
    *,
    forms_in: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms_in = forms_in or {}
    ctx = _panel_context(j, meeting)
    items = sel.agenda_of(meeting)
    bad_item = forms_in.get("item_pk")
    for item in items:
        item.form = (  # type: ignore[attr-defined]
            forms_in["decision"] if bad_item == item.pk else DecisionForm(prefix=f"d{item.pk}")
        )
    ctx.update(
        {
            "agenda_items": items,
            "manage": j.has_perm(sel.MANAGE),
            "item_form": forms_in.get("item") or ItemForm(),
            "close_form": forms_in.get("close") or CloseForm(initial={"version": meeting.version}),
            "cancel_form": forms_in.get("cancel")
            or CancelForm(initial={"version": meeting.version}),
            "status_error": forms_in.get("status_error", ""),
            "attachments": sel.attachments_of(meeting),
            "attachment_form": forms_in.get("attachment") or AttachmentForm(),
            "attachment_max_mb": rule("MEETING_ATTACHMENT_MAX_BYTES") // (1024 * 1024),
        }
    )
    return render(request, "selfgov/meetings_detail.html", ctx, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    if request.method == "GET":
        return _detail(request, j, sel.get_meeting_for(j, pk))
    meeting = sel.get_meeting_for(j, pk, need=sel.MANAGE)
    action = request.POST.get("action", "")
    kwargs = {"actor": request.user, "jurisdiction": j, "meeting": meeting}
    refusals = {ConcurrentEdit: STALE}
    if action == "open":
        form = CloseForm({"version": request.POST.get("version", ""), "minutes_text": ""})
        if form.is_valid() and call_into_form(
            form, svc.meeting_open, expected_version=form.cleaned_data["version"],
            refusals=refusals, **kwargs,
        ):  # fmt: skip
            messages.success(request, _("会议开始，可以签到。"))
            return redirect("selfgov:meeting", pk=pk)
        error = " ".join(str(e) for e in form.errors.values()) or _("请求无效。")
        return _detail(request, j, meeting, forms_in={"status_error": error}, status=400)
    if action == "close":
        form = CloseForm(request.POST)
        if form.is_valid() and call_into_form(
            form, svc.meeting_close, minutes_text=form.cleaned_data["minutes_text"],
            expected_version=form.cleaned_data["version"], refusals=refusals, **kwargs,
        ):  # fmt: skip
            messages.success(request, _("会议已结束，可以下载会议记录。"))
            return redirect("selfgov:meeting", pk=pk)
        return _detail(request, j, meeting, forms_in={"close": form}, status=400)
    if action == "cancel":
        form = CancelForm(request.POST)
        if form.is_valid() and call_into_form(
            form, svc.meeting_cancel, reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"], refusals=refusals, **kwargs,
        ):  # fmt: skip
            messages.success(request, _("会议已取消。"))
            return redirect("selfgov:meeting", pk=pk)
        return _detail(request, j, meeting, forms_in={"cancel": form}, status=400)
    if action == "add_item":
        form = ItemForm(request.POST)
        if form.is_valid() and call_into_form(
            form, svc.agenda_item_add, title=form.cleaned_data["title"], **kwargs
        ):
            return redirect("selfgov:meeting", pk=pk)
        return _detail(request, j, meeting, forms_in={"item": form}, status=400)
    if action == "attach":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid() and call_into_form(
            form, svc.attachment_add, title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"], **kwargs,
        ):  # fmt: skip
            messages.success(request, _("附件已上传。"))
            return redirect("selfgov:meeting", pk=pk)
        return _detail(request, j, meeting, forms_in={"attachment": form}, status=400)
    if action == "remove_attendance":
        raw = request.POST.get("attendance", "")
        attendance = meeting.attendance.filter(pk=int(raw)).first() if raw.isdigit() else None
        if attendance is None:
            raise Http404
        form = _sink()
        if call_into_form(form, svc.attendee_remove, actor=request.user, jurisdiction=j,
                          attendance=attendance) is None and form.errors:  # fmt: skip
            messages.error(request, " ".join(form.non_field_errors()))
        return redirect("selfgov:meeting", pk=pk)
    return _detail(request, j, meeting, status=400)


@login_required
@require_GET
def meeting_search(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    meeting = sel.get_meeting_for(j, pk, need=sel.MANAGE)
    people = body_sel.search_people(
        j, meeting.region_code, request.GET.get("q", ""), sel.meeting_day(meeting)
    )
    signed = set(meeting.attendance.values_list("person_id", flat=True))
    households = set(
        meeting.attendance.exclude(household=None).values_list("household_id", flat=True)
    )
    for p in people:
        p.signed = p.pk in signed  # type: ignore[attr-defined]
        p.household_taken = p.household_id in households  # type: ignore[attr-defined]
        p.age = p.age_on(sel.meeting_day(meeting))  # type: ignore[attr-defined]
    return render(
        request,
        "selfgov/meetings_search.html",
        {
            "meeting": meeting,
            "people": people,
            "q": request.GET.get("q", ""),
            "by_household": meeting.kind in sel.BY_HOUSEHOLD,
        },
    )


@login_required
@require_POST
def meeting_signin(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    meeting = sel.get_meeting_for(j, pk, need=sel.MANAGE)
    raw = request.POST.get("person", "")
    person = None
    if raw.isdigit() and len(raw) < 19:
        person = body_sel.person_in(j, meeting.region_code[:12], int(raw))
    error = ""
    if person is None:
        error = _("没有找到这个人。")
    else:
        form = _sink()
        done = call_into_form(
            form,
            svc.attendee_sign_in,
            actor=request.user,
            jurisdiction=j,
            meeting=meeting,
            person=person,
            for_household=request.POST.get("for_household") == "1",
        )
        if done is None:
            error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if request.headers.get("HX-Request") == "true":
        ctx = _panel_context(j, meeting)
        ctx["signin_error"] = error
        ctx["signed_name"] = person.name if person is not None and not error else ""
        return render(request, "selfgov/meetings_panel.html", ctx, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("%(name)s 已签到。") % {"name": person.name})  # type: ignore[union-attr]
    return redirect("selfgov:meeting", pk=pk)


@login_required
@require_GET
def meeting_quorum(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    meeting = sel.get_meeting_for(j, pk)
    return render(request, "selfgov/meetings_quorum.html", _panel_context(j, meeting))


@login_required
@require_POST
def meeting_decision(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    item = sel.get_item_for(j, pk, need=sel.MANAGE)
    form = DecisionForm(request.POST, prefix=f"d{item.pk}")
    if form.is_valid() and call_into_form(
        form, svc.decision_record, actor=request.user, jurisdiction=j, item=item,
        **form.cleaned_data,
    ):  # fmt: skip
        messages.success(request, _("决议已记录。"))
        return redirect("selfgov:meeting", pk=item.meeting_id)
    return _detail(
        request, j, item.meeting, forms_in={"decision": form, "item_pk": item.pk}, status=400
    )


@login_required
@require_GET
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    meeting = sel.get_meeting_for(j, pk)
    data = minutes.render_minutes(meeting)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="meeting-{meeting.pk}-minutes.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@login_required
@never_cache
@require_GET
def meeting_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """One attachment of a meeting, to those who may read the meeting (selfgov.view in its
    village); always as a download, its type the one sniffed at upload, every read audited."""
    j = _j(request)
    attachment = sel.get_attachment_for(j, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit(
        "selfgov.attachment.downloaded",
        actor=request.user,
        jurisdiction=j,
        obj=attachment,
        detail={"meeting": attachment.meeting_id},
    )
    extension = _EXTENSIONS.get(attachment.content_type, "bin")
    label = "".join(ch for ch in attachment.title if ch not in "/\\\"'<>:*?|")[:40] or "attachment"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"meeting-{attachment.meeting_id}-{label}.{extension}",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("meetings/", meeting_list, name="meetings"),
    path("meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting"),
    path("meetings/<int:pk>/search/", meeting_search, name="meeting_search"),
    path("meetings/<int:pk>/signin/", meeting_signin, name="meeting_signin"),
    path("meetings/<int:pk>/quorum/", meeting_quorum, name="meeting_quorum"),
    path("meetings/<int:pk>/minutes.pdf", meeting_minutes, name="meeting_minutes"),
    path("meetings/items/<int:pk>/decision/", meeting_decision, name="meeting_decision"),
    path("meetings/attachments/<int:pk>/", meeting_attachment, name="meeting_attachment"),
]
