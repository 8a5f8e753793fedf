"""Pages of the activities part (docs/volunteering/activities.md).

Staff (volunteering.view reads, .manage writes, .approve approves hours): projects, activities
with their shifts, a shift's roster (sign up for a volunteer, sign in/out, withdraw) and QR
poster, the hours to confirm / approve. Villagers (volunteering.participate): open activities of
the village, their shifts, and the check-in page the poster's QR code opens.

Parse → check access → selector/service → render.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import CODE_LENGTHS, Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering import forms_activities as f
from cunshe.volunteering.models import Activity, HoursEntry, Organisation, Signup, Station
from cunshe.volunteering.rules import rule
from cunshe.volunteering.selectors import activities as sel
from cunshe.volunteering.selectors import hours as hsel
from cunshe.volunteering.services import activities as svc
from cunshe.volunteering.services import hours as hsvc
from cunshe.volunteering.services import shifts as ssvc
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
REFUSALS = {ConcurrentEdit: _l("已被他人修改，请刷新后重试。")}


def _j(request: HttpRequest) -> Jurisdiction:
    return require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]


def _page(raw: str | None) -> int:
    return max(1, int(raw)) if raw and raw.isdigit() and len(raw) < 5 else 1


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _attempt(service: Any, **kw: Any) -> tuple[Any, list[str]]:
    """Run a service; on a refusal return its messages (nothing was changed)."""
    try:
        return service(**kw), []
    except ValidationError as exc:
        return None, list(exc.messages)
    except PermissionDenied as exc:
        text = str(exc)
        return None, [text if text and "." not in text[:30] else _("没有权限。")]


# --- projects ------------------------------------------------------------------------------------


def _organisations_for_projects(j: Jurisdiction) -> Any:
    """Active organisations a project of the jurisdiction may name: those inside it and those
    based above it whose region covers it (the township's 团委 for a village clerk)."""
    above = {p[:n] for p in j.prefixes for n in CODE_LENGTHS if n < len(p)}
    return (
        Organisation._base_manager.filter(j.q() | Q(region_code__in=above))
        .filter(active=True)
        .order_by("name")
    )


def _project_form(j: Jurisdiction, data: Any = None) -> f.ProjectForm:
    regions = (
        Region.objects.within(j)
        .current()
        .filter(level__in=(Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY))
        .order_by("code")
    )
    return f.ProjectForm(
        data,
        regions=regions,
        organisations=_organisations_for_projects(j),
        stations=Station.objects.within(j).filter(active=True).order_by("name"),
        initial={"starts_on": timezone.localdate()},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def projects(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    form = None
    status = 200
    if j.has_perm(sel.MANAGE):
        form = _project_form(j, request.POST or None)
        if request.method == "POST":
            if form.is_valid() and call_into_form(
                form, svc.project_create, actor=request.user, jurisdiction=j, **form.cleaned_data
            ):
                messages.success(request, _("项目已创建。"))
                return redirect("volunteering:projects")
            status = 400
    elif request.method == "POST":
        require_perm(j, sel.MANAGE)
    return render(
        request,
        "volunteering/activities_projects.html",
        {"projects": list(sel.projects_for(j)[:200]), "form": form},
        status=status,
    )


# --- activities ----------------------------------------------------------------------------------


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    status = request.GET.get("status", "")
    if status not in Activity.Status.values:
        status = ""
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(sel.activities_for(j, status=status)[start : start + PAGE_SIZE + 1])
    return render(
        request,
        "volunteering/activities_list.html",
        {
            "activities": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "status": status,
            "statuses": Activity.Status.choices,
            "can_manage": j.has_perm(sel.MANAGE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.MANAGE)  # type: ignore[attr-defined]
    projects_qs = sel.projects_for(j).filter(status="active")
    form = f.ActivityForm(
        request.POST or None,
        projects=[(p.pk, p.name) for p in projects_qs],
        initial={"project": _int(request.GET.get("project"))},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = dict(form.cleaned_data)
            project = projects_qs.filter(pk=d.pop("project")).first()
            if project is None:
                form.add_error("project", _("请选择服务项目。"))
            else:
                activity = call_into_form(
                    form, svc.activity_create, actor=request.user, jurisdiction=j,
                    project=project, **d,
                )  # fmt: skip
                if activity is not None:
                    messages.success(request, _("活动已创建（未发布），请添加班次后发布。"))
                    return redirect("volunteering:activity", pk=activity.pk)
        status = 400
    return render(request, "volunteering/activities_new.html", {"form": form}, status=status)


def _activity_page(
    request: HttpRequest,
    j: Jurisdiction,
    activity: Activity,
    *,
    forms_in: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms_in = forms_in or {}
    manage = j.has_perm(sel.MANAGE)
    live = activity.status in (Activity.Status.DRAFT, Activity.Status.OPEN)
    return render(
        request,
        "volunteering/activities_detail.html",
        {
            "activity": activity,
            "shifts": sel.shifts_of(activity),
            "manage": manage,
            "live": live,
            "shift_form": forms_in.get("shift") or (f.ShiftForm() if manage and live else None),
            "version_form": forms_in.get("version")
            or f.VersionForm(initial={"version": activity.version}),
            "cancel_form": forms_in.get("cancel")
            or f.CancelForm(initial={"version": activity.version}),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    if request.method == "GET":
        return _activity_page(request, j, sel.get_activity_for(j, pk))
    activity = sel.get_activity_for(j, pk, need=sel.MANAGE)
    action = request.POST.get("action", "")
    kw = {"actor": request.user, "jurisdiction": j, "activity": activity}
    if action in ("publish", "close"):
        form = f.VersionForm(request.POST)
        service = svc.activity_publish if action == "publish" else svc.activity_close
        if form.is_valid() and call_into_form(
            form, service, refusals=REFUSALS, expected_version=form.cleaned_data["version"], **kw
        ):
            messages.success(
                request, _("活动已发布，开始报名。") if action == "publish" else _("已结束报名。")
            )
            return redirect("volunteering:activity", pk=pk)
        return _activity_page(request, j, activity, forms_in={"version": form}, status=400)
    if action == "cancel":
        form = f.CancelForm(request.POST)
        if form.is_valid() and call_into_form(
            form, svc.activity_cancel, refusals=REFUSALS, reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"], **kw,
        ):  # fmt: skip
            messages.success(request, _("活动已取消。"))
            return redirect("volunteering:activity", pk=pk)
        return _activity_page(request, j, activity, forms_in={"cancel": form}, status=400)
    if action == "shift":
        form = f.ShiftForm(request.POST)
        if form.is_valid() and call_into_form(form, svc.shift_create, **kw, **form.cleaned_data):
            messages.success(request, _("班次已添加。"))
            return redirect("volunteering:activity", pk=pk)
        return _activity_page(request, j, activity, forms_in={"shift": form}, status=400)
    return _activity_page(request, j, activity, status=400)


# --- shifts and the roster -----------------------------------------------------------------------


def _shift_page(
    request: HttpRequest,
    j: Jurisdiction,
    shift: Any,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    manage = j.has_perm(sel.MANAGE)
    signup_form = None
    if manage and shift.cancelled_at is None and shift.activity.status == Activity.Status.OPEN:
        choices = [(v.pk, v.name) for v in sel.volunteers_for_signup(j, shift)[:500]]
        signup_form = f.ClerkSignupForm(volunteers=choices) if choices else None
    return render(
        request,
        "volunteering/shifts_detail.html",
        {
            "shift": shift,
            "activity": shift.activity,
            "roster": sel.roster_of(shift),
            "manage": manage,
            "signup_form": signup_form,
            "errors": errors or [],
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    if request.method == "GET":
        return _shift_page(request, j, sel.get_shift_for(j, pk))
    shift = sel.get_shift_for(j, pk, need=sel.MANAGE)
    action = request.POST.get("action", "")
    kw: dict[str, Any] = {"actor": request.user, "jurisdiction": j}
    errors: list[str] = [_("未知的操作。")]
    done = ""
    if action == "signup":
        form = f.ClerkSignupForm(
            request.POST,
            volunteers=[(v.pk, v.name) for v in sel.volunteers_for_signup(j, shift)[:500]],
        )
        if form.is_valid():
            volunteer = sel.volunteers_for_signup(j, shift).get(pk=form.cleaned_data["volunteer"])
            _r, errors = _attempt(
                ssvc.signup_create,
                shift=shift,
                volunteer=volunteer,
                skills_override_reason=form.cleaned_data["skills_override_reason"],
                **kw,
            )
            done = _("已为志愿者报名。")
        else:
            errors = [_("请选择志愿者。")]
    elif action == "cancel":
        _r, errors = _attempt(svc.shift_cancel, shift=shift, **kw)
        done = _("班次已取消。")
    elif action in ("withdraw", "checkin", "checkout"):
        form = f.RosterActionForm(request.POST)
        signup = None
        if form.is_valid():
            signup = Signup._base_manager.filter(
                pk=form.cleaned_data["signup"], shift=shift
            ).first()
        if signup is None:
            errors = [_("没有找到该报名。")]
        elif action == "withdraw":
            _r, errors = _attempt(ssvc.signup_withdraw, signup=signup, **kw)
            done = _("已退出报名。")
        else:
            service = ssvc.signup_check_in if action == "checkin" else ssvc.signup_check_out
            _r, errors = _attempt(service, signup=signup, at=form.cleaned_data.get("at"), **kw)
            done = _("已代签到。") if action == "checkin" else _("已代签退，时长待确认。")
    if not errors:
        messages.success(request, done)
        return redirect("volunteering:shift", pk=pk)
    return _shift_page(request, j, sel.get_shift_for(j, pk), errors=errors, status=400)


@login_required
@require_GET
def shift_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The poster for the place: the QR code of /vol/checkin/<token>/ to print."""
    j = _j(request)
    shift = sel.get_shift_for(j, pk, need=sel.MANAGE)
    url = request.build_absolute_uri(reverse("volunteering:checkin", args=[shift.checkin_token]))
    qr = segno.make(url, error="m").svg_data_uri(scale=8)
    return render(
        request,
        "volunteering/shifts_poster.html",
        {
            "shift": shift,
            "activity": shift.activity,
            "url": url,
            "qr": qr,
            "opens_before": rule("CHECKIN_OPENS_MINUTES_BEFORE"),
        },
    )


# --- hours ---------------------------------------------------------------------------------------

HOURS_TABS = [
    ("recorded", HoursEntry.Status.RECORDED.label),
    ("confirmed", HoursEntry.Status.CONFIRMED.label),
    ("approved", HoursEntry.Status.APPROVED.label),
    ("rejected", HoursEntry.Status.REJECTED.label),
    ("all", _l("全部")),
]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def hours_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        need = sel.APPROVE if action == "approve" else sel.VIEW
        require_perm(j, need)
        ids = [i for i in (_int(x) for x in request.POST.getlist("entry")) if i]
        entries = list(hsel.hours_for(j).filter(pk__in=ids)) if ids else []
        n, errors = _attempt(
            hsvc.hours_bulk, actor=request.user, jurisdiction=j, entries=entries, action=action
        )
        if not errors:
            messages.success(request, _("已处理 %(n)s 条记录。") % {"n": n})
            return redirect(
                f"{reverse('volunteering:hours')}?status={request.GET.get('status', '')}"
            )
    tab = request.GET.get("status", "")
    if tab not in dict(HOURS_TABS):
        tab = "confirmed" if j.has_perm(sel.APPROVE) and not j.has_perm(sel.MANAGE) else "recorded"
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(
        hsel.hours_for(j, status="" if tab == "all" else tab)[start : start + PAGE_SIZE + 1]
    )
    bulk = ""
    if tab == "recorded":
        bulk = "confirm"
    elif tab == "confirmed" and j.has_perm(sel.APPROVE):
        bulk = "approve"
    return render(
        request,
        "volunteering/hours_list.html",
        {
            "entries": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "tab": tab,
            "tabs": HOURS_TABS,
            "bulk": bulk,
            "errors": errors,
            "can_manage": j.has_perm(sel.MANAGE),
        },
        status=400 if errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def hours_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.MANAGE)  # type: ignore[attr-defined]
    from cunshe.volunteering.models import Volunteer

    vols = Volunteer.objects.within(j).filter(status=Volunteer.Status.ACTIVE).order_by("name")
    form = f.ManualHoursForm(
        request.POST or None,
        volunteers=[(v.pk, f"{v.name}（{v.number}）") for v in vols[:1000]],
        initial={"service_date": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = dict(form.cleaned_data)
            volunteer = vols.get(pk=d.pop("volunteer"))
            entry = call_into_form(
                form, hsvc.hours_record_manual, actor=request.user, jurisdiction=j,
                volunteer=volunteer, **d,
            )  # fmt: skip
            if entry is not None:
                messages.success(request, _("已补录，待确认。"))
                return redirect("volunteering:hours_entry", pk=entry.pk)
        status = 400
    return render(request, "volunteering/hours_new.html", {"form": form}, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def hours_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    entry = hsel.get_hours_for(j, pk)
    errors: list[str] = []
    correction_form = f.CorrectionForm()
    reject_form = f.RejectForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        kw = {"actor": request.user, "jurisdiction": j, "entry": entry}
        if action == "confirm":
            _r, errors = _attempt(hsvc.hours_confirm, **kw)
        elif action == "approve":
            require_perm(j, sel.APPROVE)
            _r, errors = _attempt(hsvc.hours_approve, **kw)
        elif action == "reject":
            require_perm(j, sel.APPROVE)
            reject_form = f.RejectForm(request.POST)
            if reject_form.is_valid():
                _r, errors = _attempt(
                    hsvc.hours_reject, note=reject_form.cleaned_data["note"], **kw
                )
            else:
                errors = [_("请写明退回原因。")]
        elif action == "correct":
            require_perm(j, sel.MANAGE)
            correction_form = f.CorrectionForm(request.POST)
            if correction_form.is_valid():
                new, errors = _attempt(hsvc.hours_correct, **kw, **correction_form.cleaned_data)
                if new is not None:
                    messages.success(request, _("更正已录入，待确认和审核。"))
                    return redirect("volunteering:hours_entry", pk=new.pk)
            else:
                errors = [_("请填写更正时长和原因。")]
        else:
            errors = [_("未知的操作。")]
        if not errors:
            messages.success(request, _("已处理。"))
            return redirect("volunteering:hours_entry", pk=pk)
        entry = hsel.get_hours_for(j, pk)
    return render(
        request,
        "volunteering/hours_detail.html",
        {
            "entry": entry,
            "corrections": hsel.corrections_of(entry),
            "may_confirm": entry.status == "recorded" and hsvc.may_confirm(j, request.user, entry),
            "may_approve": entry.status in ("recorded", "confirmed") and j.has_perm(sel.APPROVE),
            "may_correct": entry.status == "approved"
            and entry.kind != "correction"
            and j.has_perm(sel.MANAGE),
            "correction_form": correction_form,
            "reject_form": reject_form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- villagers -----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_activities(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.PARTICIPATE)  # type: ignore[attr-defined]
    volunteer = sel.own_volunteer(j, request.user)
    errors: list[str] = []
    if request.method == "POST":
        shift_id = _int(request.POST.get("shift"))
        shift = sel.with_taken(sel.Shift.objects.within(j)).filter(pk=shift_id).first()
        if shift is None:
            raise Http404
        _r, errors = _attempt(ssvc.signup_create, actor=request.user, jurisdiction=j, shift=shift)
        if not errors:
            messages.success(request, _("报名成功，请按时到场扫码签到。"))
            return redirect("volunteering:my_shifts")
    return render(
        request,
        "volunteering/my_activities.html",
        {
            "volunteer": volunteer,
            "activities": sel.open_activities(j),
            "mine": sel.signed_shift_ids(volunteer),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_shifts(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.PARTICIPATE)  # type: ignore[attr-defined]
    volunteer = sel.own_volunteer(j, request.user)
    errors: list[str] = []
    if request.method == "POST":
        signup = None
        if volunteer is not None:
            signup = Signup._base_manager.filter(
                pk=_int(request.POST.get("signup")), volunteer=volunteer
            ).first()
        if signup is None:
            raise Http404
        _r, errors = _attempt(ssvc.signup_withdraw, actor=request.user, jurisdiction=j,
                              signup=signup)  # fmt: skip
        if not errors:
            messages.success(request, _("已退出该班次。"))
            return redirect("volunteering:my_shifts")
    now = timezone.now()
    signups = sel.my_signups(volunteer)
    return render(
        request,
        "volunteering/my_shifts.html",
        {
            "volunteer": volunteer,
            "upcoming": sorted(
                (s for s in signups if s.ends_at > now and s.status == "signed_up"),
                key=lambda s: s.starts_at,
            ),
            "past": [s for s in signups if not (s.ends_at > now and s.status == "signed_up")],
            "hours": hsel.hours_of(volunteer)[:20],
            "now": now,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The page the poster's QR code opens: 签到, later 签退."""
    j = _j(request)
    shift = ssvc.shift_by_token(token)
    if shift is None or not j.covers(shift.region_code):
        raise Http404
    require_perm(j, sel.PARTICIPATE)
    volunteer = sel.own_volunteer(j, request.user)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        service = {"in": ssvc.signup_check_in, "out": ssvc.signup_check_out}.get(action)
        if service is None:
            errors = [_("未知的操作。")]
        else:
            _r, errors = _attempt(service, actor=request.user, jurisdiction=j, shift=shift)
        if not errors:
            messages.success(
                request,
                _("签到成功，服务结束时请再扫码签退。") if action == "in" else _("签退成功。"),
            )
            return redirect("volunteering:checkin", token=token)
    signup = None
    if volunteer is not None:
        signup = (
            Signup._base_manager.filter(shift=shift, volunteer=volunteer)
            .exclude(status=Signup.Status.WITHDRAWN)
            .prefetch_related("hours")
            .first()
        )
    return render(
        request,
        "volunteering/checkin_page.html",
        {
            "shift": shift,
            "activity": shift.activity,
            "volunteer": volunteer,
            "signup": signup,
            "entry": next(iter(signup.hours.all()), None) if signup else None,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


urlpatterns = [
    path("activities/", activity_list, name="activities"),
    path("activities/new/", activity_new, name="activity_new"),
    path("activities/<int:pk>/", activity_detail, name="activity"),
    path("projects/", projects, name="projects"),
    path("shifts/<int:pk>/", shift_detail, name="shift"),
    path("shifts/<int:pk>/poster/", shift_poster, name="shift_poster"),
    path("hours/", hours_list, name="hours"),
    path("hours/new/", hours_new, name="hours_new"),
    path("hours/<int:pk>/", hours_detail, name="hours_entry"),
    path("me/activities/", my_activities, name="my_activities"),
    path("me/shifts/", my_shifts, name="my_shifts"),
    path("checkin/<str:token>/", checkin, name="checkin"),
]
