"""Pages of the needs part (docs/volunteering/needs.md): the needs desk (list, post, one need
with its proposals and their explanations, propose, confirm, withdraw, close, cancel), batch
matching, the care need's "转为志愿服务需求" button, and the volunteer's invitations
(volunteering:my_matches, phone layout). Parse → check access → service/selector → render."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.masking import mask_name
from cunshe.regions.models import Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.forms_needs import (
    BatchForm,
    DeclineForm,
    HelpRequestForm,
    NeedForm,
    OutcomeForm,
)
from cunshe.volunteering.matching.score import rows_for_display
from cunshe.volunteering.models import Match, Need, ServiceCategory
from cunshe.volunteering.models.volunteers import Skill
from cunshe.volunteering.selectors import needs as sel
from cunshe.volunteering.services import matching as batch_svc
from cunshe.volunteering.services import needs as svc
from cunshe.web.forms import call_into_form

PAGE = 100


def _refused(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for m in exc.messages:
            messages.error(request, m)
    elif isinstance(exc, ConcurrentEdit):
        messages.error(request, _("该需求已被他人修改，请刷新后再操作。"))
    else:
        text = str(exc)
        messages.error(request, text if text and "." not in text else _("没有权限。"))


def _name(j: Any, name: str) -> str:
    return name if j.has_perm("residents.unmask") else mask_name(name)


# --- the desk -------------------------------------------------------------------------------


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, svc.VIEW)  # type: ignore[attr-defined]
    status = request.GET.get("status", "open")
    if status not in sel.STATUS_FILTERS:
        status = "open"
    rows = list(sel.needs_for(j, status)[:PAGE])
    return render(
        request,
        "volunteering/needs_list.html",
        {
            "needs": rows,
            "status": status,
            "statuses": [(s, Need.Status(s).label) for s in sel.STATUS_FILTERS if s != "all"],
            "can_manage": j.has_perm(svc.MANAGE),
            "categories": dict(ServiceCategory.choices),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def need_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, svc.MANAGE)  # type: ignore[attr-defined]
    form = NeedForm(request.POST or None, places=sel.places_for_form(j))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            region = Region.objects.within(j).filter(code=d["region"]).first()
            need = call_into_form(
                form,
                svc.need_create,
                actor=request.user,
                jurisdiction=j,
                region=region,
                title=d["title"],
                description=d["description"],
                category=d["category"],
                skills=d["skills"],
                place=d["place"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                volunteers_needed=d["volunteers_needed"],
            )
            if need is not None:
                messages.success(request, _("已发布需求。"))
                return redirect("volunteering:need", pk=need.pk)
        status = 400
    return render(request, "volunteering/needs_new.html", {"form": form}, status=status)


def _match_row(j: Any, m: Match) -> dict[str, Any]:
    return {
        "match": m,
        "name": _name(j, m.volunteer.name),
        "points": m.score / 1000,
        "parts": rows_for_display(m.explanation or {}),
    }


@login_required
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    need = sel.get_need_for(j, pk)
    matches = sel.matches_of(need)
    default_minutes = svc.need_minutes(need)
    live = [m for m in matches if m.status != Match.Status.PROPOSED]
    proposed = [m for m in matches if m.status == Match.Status.PROPOSED]
    return render(
        request,
        "volunteering/needs_detail.html",
        {
            "need": need,
            "category": ServiceCategory(need.category).label
            if need.category in ServiceCategory.values
            else need.category,
            "skills": [Skill(s).label for s in need.skills if s in Skill.values],
            "recipient": _name(j, need.recipient.name) if need.recipient_id else "",
            "proposed": [_match_row(j, m) for m in proposed],
            "live": [_match_row(j, m) for m in live],
            "can_manage": j.has_perm(svc.MANAGE) and need.status in svc.OPEN_NEED,
            "held": sum(1 for m in live if m.status in svc.HOLDING),
            "close_form": OutcomeForm(initial={"version": need.version}, prefix="close"),
            "hours_rows": [
                {"match": m, "name": _name(j, m.volunteer.name), "minutes": default_minutes}
                for m in (svc.hours_pending(need) if j.has_perm(svc.MANAGE) else [])
            ],
            "cancel_form": OutcomeForm(initial={"version": need.version}, prefix="cancel"),
        },
    )


def _post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    need = sel.get_need_for(j, pk, need=svc.MANAGE)
    try:
        if action == "propose":
            found = svc.need_propose(actor=request.user, jurisdiction=j, need=need)
            messages.success(request, _("已推荐 %(n)s 位志愿者。") % {"n": len(found)})
        else:
            form = OutcomeForm(request.POST, prefix=action)
            if not form.is_valid():
                raise ValidationError(_("请填写结果或原因。"))
            kw = {"expected_version": form.cleaned_data["version"]}
            if action == "close":
                svc.need_close(
                    actor=request.user,
                    jurisdiction=j,
                    need=need,
                    outcome=form.cleaned_data["text"],
                    **kw,
                )
                messages.success(request, _("需求已完成。"))
            else:
                svc.need_cancel(
                    actor=request.user,
                    jurisdiction=j,
                    need=need,
                    reason=form.cleaned_data["text"],
                    **kw,
                )
                messages.success(request, _("需求已取消。"))
    except (ValidationError, ConcurrentEdit) as exc:
        _refused(request, exc)
    return redirect("volunteering:need", pk=need.pk)


@login_required
@require_POST
def need_propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "propose")


@login_required
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "close")


@login_required
@require_POST
def need_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "cancel")


@login_required
@require_POST
def match_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    match = sel.get_match_for(j, pk, need=svc.MANAGE)
    service = svc.match_confirm if action == "confirm" else svc.match_withdraw
    try:
        service(actor=request.user, jurisdiction=j, match=match)
        messages.success(
            request, _("已派单，已通知志愿者。") if action == "confirm" else _("已撤回。")
        )
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("volunteering:need", pk=match.need_id)


@login_required
@require_POST
def need_hours(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes of each accepted volunteer of a need done (one field per volunteer)."""
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    need = sel.get_need_for(j, pk, need=svc.MANAGE)
    minutes: dict[int, str] = {}
    for key, value in request.POST.items():
        if key.startswith("minutes_") and key[8:].isdigit() and value.strip():
            minutes[int(key[8:])] = value.strip()
    try:
        entries = svc.need_record_hours(
            actor=request.user, jurisdiction=j, need=need, minutes=minutes
        )
        messages.success(
            request, _("已登记 %(n)s 位志愿者的服务时长，待确认和审核。") % {"n": len(entries)}
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return redirect("volunteering:need", pk=need.pk)


# --- batch ----------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def matching_batch(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, svc.MANAGE)  # type: ignore[attr-defined]
    today = timezone.localdate()
    form = BatchForm(
        request.POST or None, initial={"since": today, "until": today + timedelta(days=14)}
    )
    result, rows, status = None, [], 200
    batch = request.GET.get("batch", "")[:32]
    if request.method == "POST":
        if form.is_valid():
            tz = timezone.get_current_timezone()
            since = datetime.combine(form.cleaned_data["since"], time(0), tz)
            until = datetime.combine(form.cleaned_data["until"], time(0), tz)
            result = call_into_form(
                form,
                batch_svc.batch_run,
                actor=request.user,
                jurisdiction=j,
                since=since,
                until=until,
            )
            if result is not None:
                messages.success(request, _("已生成推荐，请逐条核对后派单。"))
                return redirect(f"{request.path}?batch={result.batch}")
        status = 400
    if batch:
        rows = [_match_row(j, m) for m in sel.batch_matches(j, batch)[:500]]
    return render(
        request,
        "volunteering/matching_batch.html",
        {"form": form, "rows": rows, "batch": batch},
        status=status,
    )


# --- care linkage ---------------------------------------------------------------------------


@login_required
@require_POST
def need_from_care(request: HttpRequest, care_pk: int) -> HttpResponse:
    from cunshe.care.selectors.needs import get_need_for as get_care_need

    j = require_perm(request.jurisdiction, svc.MANAGE)  # type: ignore[attr-defined]
    care = get_care_need(j, care_pk)
    try:
        need = svc.volunteer_need_from_care(actor=request.user, jurisdiction=j, care_need=care)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        return redirect("care:need_detail", pk=care.pk)
    messages.success(request, _("已转为志愿服务需求，请推荐志愿者。"))
    return redirect("volunteering:need", pk=need.pk)


# --- the volunteer --------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_matches(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, svc.PARTICIPATE)  # type: ignore[attr-defined]
    me = svc.own_volunteer(j)
    errors: list[str] = []
    status = 200
    if request.method == "POST" and me is not None:
        match = Match._base_manager.filter(
            pk=request.POST.get("match", "0")
            if str(request.POST.get("match", "")).isdigit()
            else 0,
            volunteer=me,
        ).first()
        try:
            if match is None:
                raise ValidationError(_("没有找到该邀请。"))
            if request.POST.get("answer") == "accept":
                svc.match_accept(actor=request.user, jurisdiction=j, match=match)
                messages.success(request, _("已接受，谢谢您！"))
            else:
                form = DeclineForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("请写一下谢绝的原因。"))
                svc.match_decline(
                    actor=request.user,
                    jurisdiction=j,
                    match=match,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("已谢绝。"))
            return redirect("volunteering:my_matches")
        except (ValidationError, PermissionDenied) as exc:
            errors = list(getattr(exc, "messages", [str(exc)]))
            status = 400
    rows = sel.my_matches(me.pk) if me else []
    return render(
        request,
        "volunteering/my_matches.html",
        {
            "volunteer": me,
            "waiting": [m for m in rows if m.status == Match.Status.CONFIRMED],
            "answered": [m for m in rows if m.status != Match.Status.CONFIRMED],
            "errors": errors,
            "decline_form": DeclineForm(),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_requests(request: HttpRequest) -> HttpResponse:
    """A villager asks for help for someone of their own household and sees their requests."""
    j = require_perm(request.jurisdiction, svc.PARTICIPATE)  # type: ignore[attr-defined]
    members = sel.own_household_members(j)
    choices = [(p.pk, p.name) for p in members]
    form = HelpRequestForm(request.POST or None, members=choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            person = next((p for p in members if p.pk == d["recipient"]), None)
            if person is None:
                form.add_error("recipient", _("只能为本户成员申请。"))
            else:
                need = call_into_form(
                    form,
                    svc.need_request,
                    actor=request.user,
                    jurisdiction=j,
                    recipient=person,
                    title=str(ServiceCategory(d["category"]).label),
                    category=d["category"],
                    description=d["description"],
                    starts_at=d["starts_at"],
                    ends_at=d["starts_at"] + timedelta(hours=d["hours"]),
                )
                if need is not None:
                    messages.success(request, _("已提交，村里会尽快安排志愿者。"))
                    return redirect("volunteering:my_requests")
        status = 400
    return render(
        request,
        "volunteering/my_matches_requests.html",
        {"form": form, "requests": sel.own_requests(j), "has_household": bool(members)},
        status=status,
    )


urlpatterns = [
    path("needs/", need_list, name="needs"),
    path("needs/new/", need_new, name="need_new"),
    path("needs/batch/", matching_batch, name="matching_batch"),
    path("needs/from-care/<int:care_pk>/", need_from_care, name="need_from_care"),
    path("needs/<int:pk>/", need_detail, name="need"),
    path("needs/<int:pk>/propose/", need_propose, name="need_propose"),
    path("needs/<int:pk>/close/", need_close, name="need_close"),
    path("needs/<int:pk>/cancel/", need_cancel, name="need_cancel"),
    path("needs/<int:pk>/hours/", need_hours, name="need_hours"),
    path("matches/<int:pk>/confirm/", match_action, {"action": "confirm"}, name="match_confirm"),
    path("matches/<int:pk>/withdraw/", match_action, {"action": "withdraw"}, name="match_withdraw"),
    path("me/matches/", my_matches, name="my_matches"),
    path("me/requests/", my_requests, name="my_requests"),
]
