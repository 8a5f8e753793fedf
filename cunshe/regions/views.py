"""The region browser: drill from the caller's root down to villages and their groups."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunshe.core.access import require_jurisdiction
from cunshe.regions import selectors, services
from cunshe.regions.forms import GroupForm, RenameForm, SearchForm
from cunshe.regions.models import Level, Region


def _render_node(
    request: HttpRequest,
    region: Region,
    *,
    group_form: GroupForm | None = None,
    rename_form: RenameForm | None = None,
    status: int = 200,
) -> HttpResponse:
    j = request.jurisdiction
    search = SearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    can_manage = j.has_perm(services.MANAGE_GROUPS)
    rows = [] if q else selectors.region_child_rows(j, region)
    live = region.valid_to is None
    context = {
        "region": region,
        "breadcrumb": selectors.region_breadcrumb(j, region),
        "search_form": search,
        "q": q,
        "results": selectors.region_search(j, q, under=region) if q else None,
        "rows": rows,
        "show_villages": region.level < Level.TOWNSHIP,
        "village_total": _village_total(region, rows) if not q else None,
        "group_form": (
            (group_form or GroupForm())
            if can_manage and live and region.level == Level.VILLAGE
            else None
        ),
        "rename_form": (
            (rename_form or RenameForm(initial={"name": region.name}))
            if can_manage and live and region.level == Level.GROUP
            else None
        ),
    }
    return render(request, "regions/node.html", context, status=status)


def _village_total(region: Region, rows: list[selectors.ChildRow]) -> int | None:
    # Derived from the rows already fetched rather than counted again.
    if region.level < Level.TOWNSHIP:
        return sum(row.village_count or 0 for row in rows)
    if region.level == Level.TOWNSHIP:
        return sum(1 for row in rows if row.region.level == Level.VILLAGE)
    return None


@login_required
def browse(request: HttpRequest) -> HttpResponse:
    roots = selectors.region_roots(request.jurisdiction)
    if not roots:
        raise Http404
    return _render_node(request, roots[0])


@login_required
def node(request: HttpRequest, code: str) -> HttpResponse:
    return _render_node(request, selectors.get_region_for(request.jurisdiction, code))


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
@require_POST
def group_create(request: HttpRequest, code: str) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)
    village = selectors.get_region_for(j, code)
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            group = services.region_group_create(
                actor=request.user,
                jurisdiction=j,
                village=village,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("已添加“%(name)s”，编号 %(code)s。") % {"name": group.name, "code": group.code},
            )
            return redirect("regions:node", code=village.code)
    return _render_node(request, village, group_form=form, status=400)


@login_required
@require_POST
def group_rename(request: HttpRequest, code: str) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)
    group = selectors.get_region_for(j, code)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            services.region_group_rename(
                actor=request.user, jurisdiction=j, group=group, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已改名。"))
            return redirect("regions:node", code=group.code)
    return _render_node(request, group, rename_form=form, status=400)


@login_required
@require_POST
def group_retire(request: HttpRequest, code: str) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)
    group = selectors.get_region_for(j, code)
    try:
        services.region_group_retire(actor=request.user, jurisdiction=j, group=group)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已撤销“%(name)s”。") % {"name": group.name})
    assert group.parent is not None
    return redirect("regions:node", code=group.parent.code)
