"""Bodies pages: the village's bodies (create one), one body with its members (current and
past), the composition warnings the law's "should" gives, adding a member found by name or
pinyin, and ending a membership.

Parse → check access → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.selfgov.forms_bodies import BodyForm, EndForm, MemberForm
from cunshe.selfgov.models import Body, BodyKind, Position
from cunshe.selfgov.selectors import bodies as sel
from cunshe.selfgov.services import bodies as svc
from cunshe.web.forms import call_into_form


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def body_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    can_manage = j.has_perm(sel.MANAGE)
    regions = list(sel.villages_for(j)) if can_manage else []
    form = BodyForm(request.POST or None, regions=regions) if can_manage else None
    status = 200
    if request.method == "POST":
        require_perm(j, sel.MANAGE)
        if form is not None and form.is_valid():
            body = call_into_form(
                form, svc.body_create, actor=request.user, jurisdiction=j, **form.cleaned_data
            )
            if body is not None:
                messages.success(request, _("已建立%(name)s。") % {"name": body.name})
                return redirect("selfgov:body", pk=body.pk)
        status = 400
    return render(
        request,
        "selfgov/bodies_list.html",
        {"bodies": list(sel.bodies_for(j)[:500]), "form": form, "can_manage": can_manage},
        status=status,
    )


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    body: Body,
    *,
    member_form: MemberForm | None = None,
    end_form: EndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    rows = sel.memberships_of(body, on=today)
    current = [m for m in rows if m.is_current]  # type: ignore[attr-defined]
    warnings = sel.body_warnings(
        body,
        current,
        village_households=sel.households(j, body.village_code).count()
        if body.kind == BodyKind.ASSEMBLY
        else 0,
        on=today,
    )
    q = request.GET.get("q", "")
    found = sel.search_people(j, body.region_code, q, today) if j.has_perm(sel.MANAGE) else []
    current_ids = {m.person_id for m in current}
    default_position = {
        BodyKind.ASSEMBLY: Position.REPRESENTATIVE,
        BodyKind.GROUP: Position.GROUP_LEADER,
    }.get(body.kind, Position.MEMBER)
    return render(
        request,
        "selfgov/bodies_detail.html",
        {
            "body": body,
            "current": current,
            "past": [m for m in rows if not m.is_current],  # type: ignore[attr-defined]
            "warnings": warnings,
            "can_manage": j.has_perm(sel.MANAGE),
            "q": q,
            "found": [p for p in found if p.pk not in current_ids],
            "member_form": member_form
            or MemberForm(initial={"start": today, "position": default_position}),
            "end_form": end_form,
            "today": today,
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    if request.method == "GET":
        return _detail(request, j, sel.get_body_for(j, pk))
    body = sel.get_body_for(j, pk, need=sel.MANAGE)
    action = request.POST.get("action", "")
    if action == "add":
        form = MemberForm(request.POST)
        if form.is_valid():
            data: dict[str, Any] = dict(form.cleaned_data)
            person = sel.person_in(j, body.region_code, data.pop("person"))
            if person is None:
                raise Http404
            done = call_into_form(
                form, svc.membership_add, actor=request.user, jurisdiction=j, body=body,
                person=person, **data,
            )  # fmt: skip
            if done is not None:
                messages.success(request, _("%(name)s 已加入。") % {"name": person.name})
                return redirect("selfgov:body", pk=pk)
        return _detail(request, j, body, member_form=form, status=400)
    if action == "end":
        end_form = EndForm(request.POST)
        if end_form.is_valid():
            membership = body.memberships.filter(pk=end_form.cleaned_data["membership"]).first()
            if membership is None:
                raise Http404
            if call_into_form(
                end_form, svc.membership_end, actor=request.user, jurisdiction=j,
                membership=membership, end=end_form.cleaned_data["end"],
                note=end_form.cleaned_data["note"],
            ):  # fmt: skip
                messages.success(request, _("任职已终止。"))
                return redirect("selfgov:body", pk=pk)
        return _detail(request, j, body, end_form=end_form, status=400)
    return _detail(request, j, body, status=400)


urlpatterns = [
    path("bodies/", body_list, name="bodies"),
    path("bodies/<int:pk>/", body_detail, name="body"),
]
