"""Pages of the identification part: the candidates a clerk confirms (with a risk level) or
dismisses (with a reason), and a household's kin links with the clerk's corrections.

Parse → check access → selector/service → render. Every list read is audited."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cunshe.care import access
from cunshe.care.forms_candidates import (
    CandidateFilterForm,
    ConfirmForm,
    DismissForm,
    KinAddForm,
    KinDisableForm,
)
from cunshe.care.identification import describe
from cunshe.care.models import CareKind
from cunshe.care.selectors import candidates as selectors
from cunshe.care.services import identification as services
from cunshe.care.services import kin as kin_services
from cunshe.residents.services import ConcurrentEdit
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
# The list's filters carried through a decision (a query string, nothing else).
_QUERY = re.compile(r"^[A-Za-z0-9_=&%.+-]{1,300}$")


def _page_number(raw: str | None) -> int:
    return max(1, int(raw)) if raw and raw.isdigit() and len(raw) < 6 else 1


def _conflict() -> str:
    return _("已被他人修改，请刷新后再操作。")


def _list_page(
    request: HttpRequest,
    j: Any,
    *,
    failed: tuple[int, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    form = CandidateFilterForm(
        request.GET or None, villages=selectors.villages(j), kinds=access.visible_kinds(j)
    )
    page = _page_number(request.GET.get("page"))
    qs = selectors.candidates(j, form.filters())
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for p in rows:
        p.reason_words = describe(p.reason)  # type: ignore[attr-defined]
        p.confirm_form = ConfirmForm(initial={"version": p.version}, prefix=f"c{p.pk}")  # type: ignore[attr-defined]
        p.dismiss_form = DismissForm(initial={"version": p.version}, prefix=f"d{p.pk}")  # type: ignore[attr-defined]
        if failed and failed[0] == p.pk:
            bound = failed[1]
            if isinstance(bound, ConfirmForm):
                p.confirm_form = bound  # type: ignore[attr-defined]
            else:
                p.dismiss_form = bound  # type: ignore[attr-defined]
    access.audit_read(
        j,
        "candidates",
        count=len(rows),
        children=sum(1 for p in rows if p.kind == CareKind.CHILD),
        page=page,
    )
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "care/candidates_list.html",
        {"form": form, "rows": rows, "page": page, "more": more, "query": query},
        status=status,
    )


@login_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    j = selectors.require_edit(request.jurisdiction)  # type: ignore[attr-defined]
    return _list_page(request, j)


def _decide(request: HttpRequest, pk: int, confirm: bool) -> HttpResponse:
    j = selectors.require_edit(request.jurisdiction)  # type: ignore[attr-defined]
    profile = selectors.get_candidate_for(j, pk)  # 404 outside, 403 for a child without right
    form: ConfirmForm | DismissForm
    if confirm:
        form = ConfirmForm(request.POST, prefix=f"c{pk}")
    else:
        form = DismissForm(request.POST, prefix=f"d{pk}")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        if confirm:
            kwargs = {"risk_level": data["risk_level"], "note": data["note"]}
            service: Any = services.candidate_confirm
        else:
            kwargs = {"reason": data["reason"]}
            service = services.candidate_dismiss
        done = call_into_form(
            form,
            service,
            refusals={ConcurrentEdit: _conflict()},
            actor=request.user,
            jurisdiction=j,
            profile=profile,
            expected_version=data["version"],
            **kwargs,
        )
        if done is not None:
            messages.success(
                request,
                _("已确认在册：%(name)s") % {"name": profile.person.name}
                if confirm
                else _("已不予认定：%(name)s") % {"name": profile.person.name},
            )
            url = reverse("care:candidates")
            back = request.POST.get("next", "")
            return redirect(f"{url}?{back}" if back and _QUERY.match(back) else url)
        if any(_conflict() in e for e in form.non_field_errors()):
            status = 409
    return _list_page(request, j, failed=(profile.pk, form), status=status)


@login_required
@require_POST
def candidate_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=True)


@login_required
@require_POST
def candidate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=False)


# --- kin --------------------------------------------------------------------------------------


def _kin_page(
    request: HttpRequest,
    j: Any,
    household_id: int,
    add_form: KinAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    kin = selectors.household_kin(j, household_id)
    if add_form is None:
        add_form = KinAddForm(members=kin.members)
    access.audit_read(j, "kin", obj=kin.household, count=len(kin.links))
    return render(
        request,
        "care/kin_household.html",
        {"kin": kin, "add_form": add_form, "disable_form": KinDisableForm()},
        status=status,
    )


@login_required
@require_GET
def household_kin(request: HttpRequest, pk: int) -> HttpResponse:
    return _kin_page(request, request.jurisdiction, pk)  # type: ignore[attr-defined]


@login_required
@require_POST
def household_kin_add(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    kin = selectors.household_kin(j, pk)  # 404 outside, 403 without care.edit
    form = KinAddForm(request.POST, members=kin.members)
    if form.is_valid():
        data = form.cleaned_data
        members = {m.pk: m for m in kin.members}
        person = members.get(data["person"])
        relative = members.get(data["relative"]) if data.get("relative") else None
        if relative is None and data.get("relative_id"):
            relative = selectors.person_for_kin(j, data["relative_id"])
            if relative is None:
                form.add_error("relative_id", _("没有这个登记编号，或不在您的管辖范围内。"))
        if person is not None and relative is not None:
            link = call_into_form(
                form,
                kin_services.kin_add,
                actor=request.user,
                jurisdiction=j,
                person=person,
                relative=relative,
                kind=data["kind"],
                note=data["note"],
            )
            if link is not None:
                messages.success(request, _("已登记关系。"))
                return redirect("care:household_kin", pk=pk)
    return _kin_page(request, j, pk, add_form=form, status=400)


@login_required
@require_POST
def kin_disable(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    selectors.household_kin(j, pk)  # 404 outside, 403 without care.edit
    link = selectors.get_kin_link_for(j, link_pk)
    form = KinDisableForm(request.POST)
    if form.is_valid():
        done = call_into_form(
            form,
            kin_services.kin_disable,
            actor=request.user,
            jurisdiction=j,
            link=link,
            note=form.cleaned_data["note"],
        )
        if done is not None:
            messages.success(request, _("已停用这条关系。"))
            return redirect("care:household_kin", pk=pk)
    errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, errors or _("没有停用。"))
    return redirect("care:household_kin", pk=pk)


urlpatterns = [
    path("candidates/", candidate_list, name="candidates"),
    path("candidates/<int:pk>/confirm/", candidate_confirm, name="candidate_confirm"),
    path("candidates/<int:pk>/dismiss/", candidate_dismiss, name="candidate_dismiss"),
    path("households/<int:pk>/kin/", household_kin, name="household_kin"),
    path("households/<int:pk>/kin/add/", household_kin_add, name="household_kin_add"),
    path(
        "households/<int:pk>/kin/<int:link_pk>/disable/", kin_disable, name="household_kin_disable"
    ),
]
