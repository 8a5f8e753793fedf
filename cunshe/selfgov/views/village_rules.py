"""Pages of 村规民约 and 自治章程: the staff list (unfiled marked), adopting a new version from
a passed 村民会议 decision, a version's page where the township records the filing; and the
public page of a village (no sign-in) with the current versions and the older ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_perm
from cunshe.selfgov.forms_village_rules import AdoptForm, FileForm
from cunshe.selfgov.selectors import village_rules as selectors
from cunshe.selfgov.selectors.disclosure import public_village
from cunshe.selfgov.services import village_rules as services
from cunshe.selfgov.views.matters import villages_of
from cunshe.web.forms import call_into_form


@login_required
@require_GET
def rules_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, selectors.VIEW)  # type: ignore[attr-defined]
    rows = list(selectors.versions_for(j)[:200])
    return render(request, "selfgov/rules_list.html",
                  {"rows": rows, "can_manage": j.has_perm(services.MANAGE)})  # fmt: skip


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def rules_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, services.MANAGE)  # type: ignore[attr-defined]
    villages = villages_of(j)
    form = AdoptForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and villages:
        decision = selectors.decision_in(j, form.cleaned_data["decision"])
        if decision is None:
            form.add_error("decision", _("没有这个决议。"))
        else:
            row = call_into_form(
                form, services.rules_adopt, actor=request.user, jurisdiction=j,
                village=villages[0], kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"], text=form.cleaned_data["text"],
                decision=decision,
            )  # fmt: skip
            if row is not None:
                messages.success(request, _("已登记新版本，请报乡镇备案。"))
                return redirect("selfgov:rules_version", pk=row.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "decisions": selectors.adoptable_decisions(j)}
    return render(request, "selfgov/rules_new.html", context, status=status)


def _version_page(request, j, row, form=None, status=200):  # type: ignore[no-untyped-def]
    can_file = row.filed_on is None and j.has_perm(services.SUPERVISE)
    context = {"v": row, "can_file": can_file, "form": form or FileForm()}
    return render(request, "selfgov/rules_detail.html", context, status=status)


@login_required
@require_GET
def rules_version(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, selectors.VIEW)  # type: ignore[attr-defined]
    return _version_page(request, j, selectors.get_version_for(j, pk))


@login_required
@require_POST
def rules_file(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, selectors.VIEW)  # type: ignore[attr-defined]
    row = selectors.get_version_for(j, pk, need=services.SUPERVISE)
    form = FileForm(request.POST)
    if form.is_valid() and call_into_form(
        form, services.rules_file, actor=request.user, jurisdiction=j, version=row,
        filed_on=form.cleaned_data["filed_on"], note=form.cleaned_data["note"],
    ):  # fmt: skip
        messages.success(request, _("已登记备案。"))
        return redirect("selfgov:rules_version", pk=row.pk)
    return _version_page(request, j, row, form=form, status=400)


@require_GET
def public_rules(request: HttpRequest, code: str) -> HttpResponse:
    village = public_village(code)
    current, older = selectors.public_versions(village.code)
    return render(request, "selfgov/rules_public.html",
                  {"village": village, "current": current, "older": older})  # fmt: skip


@require_GET
def public_rules_version(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    village = public_village(code)
    row = selectors.public_version(village.code, pk)
    return render(request, "selfgov/rules_public_version.html", {"village": village, "v": row})


urlpatterns = [
    path("rules/", rules_list, name="rules"),
    path("rules/new/", rules_new, name="rules_new"),
    path("rules/<int:pk>/", rules_version, name="rules_version"),
    path("rules/<int:pk>/file/", rules_file, name="rules_file"),
    path("villages/<str:code>/rules/", public_rules, name="public_rules"),
    path("villages/<str:code>/rules/<int:pk>/", public_rules_version, name="public_rules_version"),
]
