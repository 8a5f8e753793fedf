"""Care pages: needs (关爱需求) — the list of open needs in the jurisdiction, one need, recording a
need (from a visit, an alert or the profile), turning it into a service-desk application in 代办
mode, and settling it. Parse → check access → selector/service → render. Every read of named
need records is audited (`access.audit_read`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.care import access
from cunshe.care.forms_needs import NeedFilterForm, NeedForm, ReferForm, SettleForm
from cunshe.care.models import Alert, CareKind, CareNeed, Visit
from cunshe.care.selectors import needs as selectors
from cunshe.care.services import needs as svc
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name
from cunshe.regions.models import Level, Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import Mode, ServiceItem
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
MAX_PAGE = 200
UNMASK = "residents.unmask"
VILLAGE_CHOICES_LIMIT = 500


def _conflict() -> str:
    return _("该需求已被他人修改，请刷新后再操作。")


def _call(form: Form, service: Any, **kwargs: Any) -> Any:
    return call_into_form(form, service, refusals={ConcurrentEdit: _conflict()}, **kwargs)


def shown_name(j: Jurisdiction, name: str) -> str:
    """Full names for roles that may unmask the register (the village clerk), masked for others."""
    return name if j.has_perm(UNMASK) else mask_name(name)


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _page_number(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return min(max(1, int(raw)), MAX_PAGE)
    return 1


def _villages(j: Jurisdiction) -> list[tuple[str, str]]:
    qs = Region.objects.within(j).filter(level=Level.VILLAGE, valid_to__isnull=True)
    return list(qs.order_by("code").values_list("code", "name")[:VILLAGE_CHOICES_LIMIT])


def _row(j: Jurisdiction, need: CareNeed) -> dict[str, Any]:
    return {
        "need": need,
        "name": shown_name(j, need.profile.person.name),
        "category": svc.category_label(need.category),
        "done": selectors.application_done(need),
    }


# --- list -----------------------------------------------------------------------------------------


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, access.VIEW)  # type: ignore[attr-defined]
    villages = _villages(j)
    form = NeedFilterForm(request.GET or None, villages=villages)
    status = 200
    filters = selectors.NeedFilters()
    if form.is_bound:
        if form.is_valid():
            d = form.cleaned_data
            filters = selectors.NeedFilters(
                status=d["status"], category=d["category"], village=d["village"]
            )
        else:
            status = 400
    page = _page_number(request.GET.get("page"))
    offset = (page - 1) * PAGE_SIZE
    rows = list(selectors.needs_list(j, filters)[offset : offset + PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    summary = selectors.needs_summary(j, filters)
    names = dict(villages)
    by_village: dict[str, dict[str, Any]] = {}
    for r in summary:
        entry = by_village.setdefault(
            r["unit"], {"code": r["unit"], "name": names.get(r["unit"], r["unit"]), "n": {}}
        )
        entry["n"][r["category"]] = r["n"]
    categories = list(svc.CATEGORIES.items())
    summary_rows = [
        {
            "code": v["code"],
            "name": v["name"],
            "cells": [v["n"].get(code, 0) for code, _label in categories],
            "total": sum(v["n"].values()),
        }
        for v in by_village.values()
    ]
    access.audit_read(
        j,
        "needs",
        count=len(rows),
        children=sum(1 for n in rows if n.profile.kind == CareKind.CHILD),
        page=page,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "care/need_list.html",
        {
            "form": form,
            "rows": [_row(j, n) for n in rows],
            "summary_rows": summary_rows,
            "categories": categories,
            "page": page,
            "more": more,
            "query": query.urlencode(),
            "desk_view": j.has_perm("servicedesk.view"),
        },
        status=status,
    )


# --- one need -------------------------------------------------------------------------------------


def _detail_context(j: Jurisdiction, need: CareNeed) -> dict[str, Any]:
    version = svc.need_version(need)
    open_now = need.status in selectors.OPEN_STATUSES
    return {
        "need": need,
        "name": shown_name(j, need.profile.person.name),
        "category": svc.category_label(need.category),
        "application_done": selectors.application_done(need),
        "application_url": (
            _url_or_none("servicedesk:application", need.application_id)
            if need.application_id and j.has_perm("servicedesk.view")
            else None
        ),
        "profile_url": _url_or_none("care:profile_detail", need.profile_id),
        "alert_url": _url_or_none("care:alert", need.alert_id) if need.alert_id else None,
        "may_write": svc.may_write(j) and open_now,
        "may_refer": (
            svc.may_write(j) and j.has_perm("servicedesk.intake") and need.status == "open"
        ),
        "settle_form": SettleForm(initial={"version": version}),
        **_volunteer_context(j, need, open_now),
    }


def _volunteer_context(j: Jurisdiction, need: CareNeed, open_now: bool) -> dict[str, Any]:
    """The volunteer need made from this care need (its state read through), or the button
    that makes one (volunteering.manage) — docs/volunteering/needs.md."""
    from cunshe.volunteering.models import Need

    linked = None
    if need.volunteer_need_id:
        linked = Need._base_manager.filter(pk=need.volunteer_need_id).only("status").first()
    return {
        "volunteer_need": linked,
        "volunteer_need_url": (
            _url_or_none("volunteering:need", linked.pk)
            if linked and j.has_perm("volunteering.view")
            else None
        ),
        "may_volunteer": open_now and j.has_perm("volunteering.manage"),
    }


@login_required
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    need = selectors.get_need_for(j, pk)
    access.audit_read(j, "need", obj=need, profile=need.profile_id)
    return render(request, "care/need_detail.html", _detail_context(j, need))


@never_cache
@login_required
@require_POST
def need_settle(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    need = selectors.get_need_for(j, pk)
    form = SettleForm(request.POST)
    if form.is_valid():
        done = _call(
            form,
            svc.need_settle,
            actor=request.user,
            jurisdiction=j,
            need_id=need.pk,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
        )
        if done is not None:
            messages.success(request, _("需求已办结。"))
            return redirect("care:need_detail", pk=need.pk)
    for error in form.non_field_errors():
        messages.error(request, error)  # also when the form is no longer shown (settled)
    ctx = _detail_context(j, need)
    ctx["settle_form"] = form
    return render(request, "care/need_detail.html", ctx, status=400)


# --- record a need --------------------------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    return int(raw)


def _source(j: Jurisdiction, params: Any) -> tuple[int, int | None, int | None]:
    """(profile id, visit id, alert id) from ?profile= / ?visit= / ?alert=; 404 for rows outside
    the caller's subtree."""
    visit_id, alert_id = _int(params.get("visit")), _int(params.get("alert"))
    profile_id = _int(params.get("profile"))
    if visit_id is not None:
        visit = Visit.objects.within(j).filter(pk=visit_id).values("profile_id").first()
        if visit is None:
            raise Http404
        profile_id = visit["profile_id"]
    elif alert_id is not None:
        alert = (
            Alert.objects.within(j).filter(pk=alert_id).values("profile_id", "person_id").first()
        )
        if alert is None:
            raise Http404
        profile_id = alert["profile_id"]
        if profile_id is None:  # an alert from a terminal: the wearer's open profile
            profile_id = (
                access.visible_profiles(j)
                .filter(person_id=alert["person_id"], status__in=svc.OPEN_PROFILE)
                .values_list("pk", flat=True)
                .first()
            )
    if profile_id is None:
        raise Http404
    return profile_id, visit_id, alert_id


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    params = request.POST if request.method == "POST" else request.GET
    profile_id, visit_id, alert_id = _source(j, params)
    profile = access.get_profile_for(j, profile_id)
    if not svc.may_write(j):
        svc.require_write(j, profile)  # 403, audited
    form = NeedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            need = _call(
                form,
                svc.need_create,
                actor=request.user,
                jurisdiction=j,
                profile_id=profile.pk,
                visit_id=visit_id,
                alert_id=alert_id,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
            if need is not None:
                messages.success(request, _("已登记需求。"))
                return redirect("care:need_detail", pk=need.pk)
        status = 400
    access.audit_read(j, "profile", obj=profile, page="need_create")
    return render(
        request,
        "care/need_form.html",
        {
            "form": form,
            "profile": profile,
            "name": shown_name(j, profile.person.name),
            "visit_id": visit_id,
            "alert_id": alert_id,
        },
        status=status,
    )


# --- turn into a service application --------------------------------------------------------------


def _daiban_items(place_code: str) -> list[tuple[int, str]]:
    """Catalogue items the person's village offers in 代办 mode, by theme and name."""
    offered = sorted(
        (e for e in catalogue.effective_items(place_code) if Mode.DAIBAN in (e.item.modes or [])),
        key=lambda e: (e.item.theme, e.item.name),
    )
    return [(e.item.pk, f"{e.item.theme} · {e.item.name}") for e in offered]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def need_refer(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, "servicedesk.intake")  # type: ignore[attr-defined]
    need = selectors.get_need_for(j, pk)
    if not svc.may_write(j):
        svc.require_write(j, need)
    items = _daiban_items(need.profile.person.region_code)
    status = 200
    if request.method == "POST":
        form = ReferForm(request.POST, request.FILES, items=items)
        if form.is_valid():
            d = form.cleaned_data
            item = ServiceItem.objects.filter(pk=d["item"], active=True).first()
            if item is None:
                form.add_error("item", _("请选择事项。"))
            else:
                done = _call(
                    form,
                    svc.need_refer_to_desk,
                    actor=request.user,
                    jurisdiction=j,
                    need_id=need.pk,
                    item=item,
                    authorised_on=d["authorised_on"],
                    authorisation=d["authorisation"],
                    idempotency_key=d["idempotency_key"],
                    details=d["details"],
                    expected_version=d["version"],
                )
                if done is not None:
                    messages.success(
                        request,
                        _("已转为服务申请，受理编号 %(number)s。")
                        % {"number": done.application.number},
                    )
                    return redirect("care:need_detail", pk=need.pk)
        messages.error(request, _("没有提交：请按提示修改后再提交（所选文件需要重新选择）。"))
        status = 400
    else:
        form = ReferForm(items=items, initial={"version": svc.need_version(need)})
    access.audit_read(j, "need", obj=need, page="refer")
    return render(
        request,
        "care/need_refer.html",
        {
            "form": form,
            "need": need,
            "name": shown_name(j, need.profile.person.name),
            "category": svc.category_label(need.category),
            "no_items": not items,
        },
        status=status,
    )


urlpatterns = [
    path("needs/", need_list, name="need_list"),
    path("needs/new/", need_create, name="need_create"),
    path("needs/<int:pk>/", need_detail, name="need_detail"),
    path("needs/<int:pk>/refer/", need_refer, name="need_refer"),
    path("needs/<int:pk>/settle/", need_settle, name="need_settle"),
]
