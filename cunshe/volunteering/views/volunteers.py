"""Volunteers pages (docs/volunteering/volunteers.md): the desk's list with search, register
(a resident from the register, or a non-resident with an ID check), one volunteer's five-category
record with edit, status, training, honours and evaluations; stations, organisations and hamlet
coordinates; the villager's own record and self-registration (phone layout).

Parse → check access → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_phone
from cunshe.residents.selectors import own_person
from cunshe.volunteering.forms_records import (
    CertificateForm,
    EvaluationForm,
    HonourForm,
    TrainingForm,
)
from cunshe.volunteering.forms_volunteers import (
    SLOT_CHOICES,
    EditForm,
    FilterForm,
    HamletForm,
    OrganisationForm,
    OtherForm,
    ResidentForm,
    SelfRegisterForm,
    StationForm,
    StatusForm,
)
from cunshe.volunteering.models import DayPart, Volunteer, Weekday
from cunshe.volunteering.selectors import records as rec_sel
from cunshe.volunteering.selectors import volunteers as sel
from cunshe.volunteering.services import records as rec_svc
from cunshe.volunteering.services import volunteers as svc
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
CONFLICT = _("该志愿者信息已被他人修改，请刷新后重新编辑。")


def _grid(field_value: list[str] | None) -> list[dict[str, Any]]:
    """The 7×3 availability grid for the template: rows of days, cells of day parts."""
    chosen = set(field_value or [])
    return [
        {
            "label": Weekday(d).label,
            "cells": [
                {"value": f"{d}-{p}", "label": DayPart(p).label, "checked": f"{d}-{p}" in chosen}
                for p in range(3)
            ],
        }
        for d in range(7)
    ]


def _profile_context(j: Jurisdiction, home_code: str = "") -> dict[str, Any]:
    regions = list(sel.home_regions(j))
    stations = list(sel.stations_for(j).filter(active=True))
    orgs = list(
        sel.organisations_above(j, home_code)
        if home_code
        else sel.organisations_for(j).filter(active=True)
    )
    return {"regions": regions, "stations": stations, "organisations": orgs}


# --- list ---------------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET"])
def volunteer_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    stations = list(sel.stations_for(j))
    orgs = list(sel.organisations_for(j))
    form = FilterForm(request.GET or None, stations=stations, organisations=orgs)
    filters = sel.VolunteerFilters()
    if form.is_bound and form.is_valid():
        filters = sel.VolunteerFilters(**form.cleaned_data)
    page = Paginator(sel.volunteers_for(j, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    volunteers = list(page.object_list)
    for v in volunteers:
        v.hours_display = rec_sel.hours(v.approved_minutes)  # type: ignore[attr-defined]
    return render(
        request,
        "volunteering/volunteers_list.html",
        {
            "form": form,
            "page": page,
            "volunteers": volunteers,
            "can_manage": j.has_perm(sel.MANAGE),
            "query": _without_page(request),
        },
    )


def _without_page(request: HttpRequest) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


# --- register -----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def volunteer_register(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.MANAGE)  # type: ignore[attr-defined]
    ctx = _profile_context(j)
    kind = request.POST.get("kind") or request.GET.get("kind") or "resident"
    resident_form = ResidentForm(None, **ctx)
    other_form = OtherForm(None, **ctx, initial={"availability": [c for c, _l in SLOT_CHOICES]})
    person = None
    status = 200
    if request.method == "POST" and kind == "resident":
        resident_form = ResidentForm(request.POST, **ctx)
        if resident_form.is_valid():
            person = sel.person_for(j, resident_form.cleaned_data["person"])
            if person is None:
                raise Http404
            v = call_into_form(
                resident_form, svc.volunteer_register_resident, actor=request.user,
                jurisdiction=j, person=person, phone=resident_form.cleaned_data["phone"],
                **resident_form.profile(),
            )  # fmt: skip
            if v is not None:
                messages.success(request, _("已登记志愿者 %(number)s。") % {"number": v.number})
                return redirect("volunteering:volunteer", pk=v.pk)
        status = 400
    elif request.method == "POST":
        other_form = OtherForm(request.POST, **ctx)
        if other_form.is_valid():
            d = other_form.cleaned_data
            v = call_into_form(
                other_form, svc.volunteer_register_other, actor=request.user, jurisdiction=j,
                name=d["name"], id_number=d["id_number"], phone=d["phone"],
                verified=d["verified"], **other_form.profile(),
            )  # fmt: skip
            if v is not None:
                messages.success(request, _("已登记志愿者 %(number)s。") % {"number": v.number})
                return redirect("volunteering:volunteer", pk=v.pk)
        status = 400
    q = request.GET.get("q", "")
    pid = request.GET.get("person", "")
    if person is None and pid.isdigit():
        person = sel.person_for(j, int(pid))
    return render(
        request,
        "volunteering/volunteers_register.html",
        {
            "kind": kind,
            "q": q,
            "found": sel.search_residents(j, q),
            "person": person,
            "person_phone": mask_phone(person.phone) if person else "",
            "resident_form": resident_form,
            "other_form": other_form,
            "resident_grid": _grid(
                resident_form.data.getlist("availability")
                if resident_form.is_bound
                else [c for c, _l in SLOT_CHOICES]
            ),
            "other_grid": _grid(
                other_form.data.getlist("availability")
                if other_form.is_bound
                else [c for c, _l in SLOT_CHOICES]
            ),
        },
        status=status,
    )


# --- one volunteer ------------------------------------------------------------------------------


def _detail(
    request: HttpRequest, j: Jurisdiction, v: Volunteer, *, forms: dict | None = None, status=200
) -> HttpResponse:
    can_manage = j.has_perm(sel.MANAGE)
    forms = forms or {}
    ctx: dict[str, Any] = {
        "v": v,
        "record": rec_sel.record_of(v),
        "can_manage": can_manage,
        "is_verified": svc.is_verified(v),
        "organisations": list(v.organisations.all()),
        "skills": _skill_labels(v),
        "grid": _grid(svc.slots_of(v.availability)),
    }
    if can_manage:
        pctx = _profile_context(j, v.region_code)
        ctx["edit_form"] = forms.get("edit") or EditForm(
            initial={
                "version": v.version,
                "name": v.name,
                "skills": v.skills,
                "availability": svc.slots_of(v.availability),
                "region": v.region_id,
                "station": v.station_id,
                "organisations": [o.pk for o in ctx["organisations"]],
                "public_consent": v.public_consent,
                "verified": bool(v.verified_at),
            },
            **pctx,
        )
        ctx["edit_grid"] = _grid(
            ctx["edit_form"].data.getlist("availability")
            if ctx["edit_form"].is_bound
            else svc.slots_of(v.availability)
        )
        ctx["status_form"] = forms.get("status") or StatusForm()
        ctx["training_form"] = forms.get("training") or TrainingForm()
        ctx["honour_form"] = forms.get("honour") or HonourForm()
        ctx["evaluation_form"] = forms.get("evaluation") or EvaluationForm()
        ctx["certificate_form"] = forms.get("certificate") or CertificateForm(
            organisations=pctx["organisations"]
        )
        ctx["open"] = next(iter(forms), "")
    return render(request, "volunteering/volunteers_detail.html", ctx, status=status)


def _skill_labels(v: Volunteer) -> list[str]:
    from cunshe.volunteering.models import Skill

    labels = dict(Skill.choices)
    return [str(labels.get(s, s)) for s in v.skills]


_RECORD_FORMS = {
    "training": (TrainingForm, rec_svc.training_add, _("已记录培训。")),
    "honour": (HonourForm, rec_svc.honour_add, _("已记录表彰奖励。")),
    "evaluation": (EvaluationForm, rec_svc.evaluation_add, _("已记录服务评价。")),
}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    if request.method == "GET":
        return _detail(request, j, sel.get_volunteer_for(j, pk))
    v = sel.get_volunteer_for(j, pk, need=sel.MANAGE)
    action = request.POST.get("action", "")
    if action == "edit":
        form = EditForm(request.POST, **_profile_context(j, v.region_code))
        conflict = False
        if form.is_valid():
            d = form.cleaned_data
            profile = form.profile()
            changes = {
                "skills": profile["skills"],
                "availability": profile["availability"],
                "station": profile["station"],
                "public_consent": profile["public_consent"],
                "name": d["name"],
            }
            if d["phone"]:
                changes["phone"] = d["phone"]
            if profile["region"] is not None:
                changes["region"] = profile["region"]
            done = call_into_form(
                form, svc.volunteer_update, actor=request.user, jurisdiction=j, volunteer=v,
                expected_version=d["version"], organisations=profile["organisations"],
                verified=d["verified"], refusals={svc.VolunteerConflict: CONFLICT}, **changes,
            )  # fmt: skip
            if done is not None:
                messages.success(request, _("已保存。"))
                return redirect("volunteering:volunteer", pk=pk)
            conflict = CONFLICT in form.non_field_errors()
        return _detail(request, j, v, forms={"edit": form}, status=409 if conflict else 400)
    if action == "status":
        form = StatusForm(request.POST)
        if form.is_valid() and call_into_form(
            form, svc.volunteer_set_status, actor=request.user, jurisdiction=j, volunteer=v,
            **form.cleaned_data,
        ):  # fmt: skip
            messages.success(request, _("状态已更改。"))
            return redirect("volunteering:volunteer", pk=pk)
        return _detail(request, j, v, forms={"status": form}, status=400)
    if action in _RECORD_FORMS:
        form_class, service, done_text = _RECORD_FORMS[action]
        form = form_class(request.POST)
        if form.is_valid() and call_into_form(
            form, service, actor=request.user, jurisdiction=j, volunteer=v, **form.cleaned_data
        ):
            messages.success(request, done_text)
            return redirect("volunteering:volunteer", pk=pk)
        return _detail(request, j, v, forms={action: form}, status=400)
    return _detail(request, j, v, status=400)


# --- stations, organisations, hamlets ---------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def station_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    can_manage = j.has_perm(sel.MANAGE)
    form = None
    status = 200
    if can_manage:
        kw = {"regions": list(sel.villages(j)), "organisations": list(sel.organisations_for(j))}
        form = StationForm(
            request.POST if request.method == "POST" else None, initial={"active": True}, **kw
        )
    if request.method == "POST":
        require_perm(j, sel.MANAGE)
        assert form is not None
        if form.is_valid():
            st = call_into_form(
                form, svc.station_save, actor=request.user, jurisdiction=j, **form.values()
            )
            if st is not None:
                messages.success(request, _("已建立%(name)s。") % {"name": st.name})
                return redirect("volunteering:station", pk=st.pk)
        status = 400
    stations = list(sel.stations_for(j).order_by("region_code", "name")[:500])
    return render(
        request,
        "volunteering/volunteers_stations.html",
        {"stations": stations, "form": form, "can_manage": can_manage},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    need = sel.MANAGE if request.method == "POST" else sel.VIEW
    st = sel.get_station_for(j, pk, need=need)
    can_manage = j.has_perm(sel.MANAGE)
    village_code = st.region_code[:12]
    hamlets = list(sel.home_regions(j).filter(code__startswith=village_code))
    form = hamlet_form = None
    status = 200
    if can_manage:
        orgs = list(sel.organisations_above(j, st.region_code))
        initial = {
            "region": st.region_id, "name": st.name, "address": st.address,
            "opening_hours": st.opening_hours, "organisation": st.organisation_id,
            "active": st.active,
        }  # fmt: skip
        post = request.POST if request.POST.get("action") == "edit" else None
        form = StationForm(post, initial=initial, regions=[st.region], organisations=orgs)
        post = request.POST if request.POST.get("action") == "hamlet" else None
        hamlet_form = HamletForm(post, regions=hamlets)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "edit" and form is not None:
            if form.is_valid():
                values = form.values()
                values.pop("region", None)
                if call_into_form(
                    form, svc.station_save, actor=request.user, jurisdiction=j, station=st,
                    **values,
                ):  # fmt: skip
                    messages.success(request, _("已保存。"))
                    return redirect("volunteering:station", pk=pk)
        elif action == "hamlet" and hamlet_form is not None:
            if hamlet_form.is_valid():
                region = hamlet_form.region_obj()
                if region is None:
                    raise Http404
                if call_into_form(
                    hamlet_form, svc.hamlet_location_set, actor=request.user, jurisdiction=j,
                    region=region, lat=hamlet_form.cleaned_data["lat"],
                    lon=hamlet_form.cleaned_data["lon"],
                ):  # fmt: skip
                    messages.success(request, _("位置已保存。"))
                    return redirect("volunteering:station", pk=pk)
        status = 400
    locations = sel.hamlet_locations(j, village_code)
    return render(
        request,
        "volunteering/volunteers_station.html",
        {
            "station": st,
            "form": form,
            "hamlet_form": hamlet_form,
            "can_manage": can_manage,
            "hamlets": [
                {
                    "region": h,
                    "lat": locations[h.code].lat_micro / 1e6 if h.code in locations else None,
                    "lon": locations[h.code].lon_micro / 1e6 if h.code in locations else None,
                }
                for h in hamlets
            ],
            "volunteer_count": st.volunteers.count(),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    can_manage = j.has_perm(sel.MANAGE)
    form = None
    status = 200
    if can_manage:
        form = OrganisationForm(
            request.POST if request.method == "POST" else None,
            initial={"active": True},
            regions=list(sel.organisation_regions(j)),
        )
    if request.method == "POST":
        require_perm(j, sel.MANAGE)
        assert form is not None
        if form.is_valid():
            org = call_into_form(
                form, svc.organisation_save, actor=request.user, jurisdiction=j, **form.values()
            )
            if org is not None:
                messages.success(request, _("已建立%(name)s。") % {"name": org.name})
                return redirect("volunteering:organisations")
        status = 400
    return render(
        request,
        "volunteering/volunteers_organisations.html",
        {
            "organisations": list(sel.organisations_for(j)[:500]),
            "form": form,
            "can_manage": can_manage,
            "editable": {o.pk for o in sel.organisations_for(j) if j.covers(o.region_code)},
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    org = sel.get_organisation_for(j, pk, need=sel.MANAGE)
    initial = {
        "region": org.region_id, "name": org.name, "kind": org.kind,
        "contact_name": org.contact_name, "contact_phone": org.contact_phone, "active": org.active,
    }  # fmt: skip
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, initial=initial, regions=[org.region]
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = form.values()
            values.pop("region", None)
            if call_into_form(
                form, svc.organisation_save, actor=request.user, jurisdiction=j,
                organisation=org, **values,
            ):  # fmt: skip
                messages.success(request, _("已保存。"))
                return redirect("volunteering:organisations")
        status = 400
    return render(
        request,
        "volunteering/volunteers_organisation.html",
        {"org": org, "form": form, "member_count": org.volunteers.count()},
        status=status,
    )


# --- the villager's own record ------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_record(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.PARTICIPATE)  # type: ignore[attr-defined]
    v = sel.own_volunteer(j)
    if v is not None:
        return render(
            request,
            "volunteering/my_record.html",
            {"v": v, "record": rec_sel.record_of(v), "skills": _skill_labels(v)},
        )
    person = own_person(j)
    form = SelfRegisterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            v = call_into_form(
                form, svc.volunteer_self_register, actor=request.user, jurisdiction=j,
                person=person, skills=d["skills"],
                availability=svc.availability_mask(d["availability"]),
                public_consent=d["public_consent"],
            )  # fmt: skip
            if v is not None:
                messages.success(
                    request, _("您已成为志愿者，编号 %(number)s。") % {"number": v.number}
                )
                return redirect("volunteering:my_record")
        status = 400
    chosen = form.data.getlist("availability") if form.is_bound else []
    return render(
        request,
        "volunteering/my_record_register.html",
        {"form": form, "person": person, "grid": _grid(chosen)},
        status=status,
    )


urlpatterns = [
    path("volunteers/", volunteer_list, name="volunteers"),
    path("volunteers/register/", volunteer_register, name="volunteer_register"),
    path("volunteers/<int:pk>/", volunteer_detail, name="volunteer"),
    path("stations/", station_list, name="stations"),
    path("stations/<int:pk>/", station_detail, name="station"),
    path("organisations/", organisation_list, name="organisations"),
    path("organisations/<int:pk>/", organisation_detail, name="organisation"),
    path("me/record/", my_record, name="my_record"),
]
