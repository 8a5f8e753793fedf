"""Pages: the catalogue (事项清单).

- /desk/catalogue/ — the effective catalogue for the signed-in user's place, searchable,
  grouped by theme (province and city officials pick a county).
- /desk/catalogue/<code>/ — one item's full guide; public. `?village=` or `?county=` shows it
  as that county offers it (and, for a village, who handles it).
- /desk/villages/<code>/lists/ — public: the village's two lists (村委会依法履行职责事项,
  村委会协助政府工作事项); /lists/performs/ and /lists/assists/ show one each, for printing.
- /desk/catalogue/adjustments/ — a county's adjustments: its own officers change them, the
  province and cities read them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cunshe.accounts.roles import Department, Role
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.regions.models import Region
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import HandlingLevel, ServiceItem, VillageRole
from cunshe.servicedesk.selectors import catalogue as selectors
from cunshe.servicedesk.services import catalogue as services
from cunshe.web.forms import call_into_form

ADJUST = services.ADJUST
LIST_KINDS = {"performs": VillageRole.PERFORMS, "assists": VillageRole.ASSISTS}


def _layout(request: HttpRequest) -> str:
    """Public pages wear the layout of whoever reads them: the light card for a visitor who is
    not signed in, the phone layout for a villager, the desk for staff."""
    if not request.user.is_authenticated:
        return "web/plain.html"
    assignment = getattr(request, "assignment", None)
    if assignment is not None and assignment.role == Role.VILLAGER:
        return "web/villager.html"
    return "web/desk.html"


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("事项名称"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "type": "search",
                "placeholder": gettext_lazy("输入事项名称或拼音首字母，如 低保、养老、ylbx"),
            }
        ),
    )


# --- the catalogue ----------------------------------------------------------------------------


@login_required
@require_GET
def catalogue_list(request: HttpRequest) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    root = j.root_code
    counties: list[Region] = []
    county: Region | None = None
    wanted = request.GET.get("county", "")
    if len(root) >= 6:
        # A county, township, village or group: the catalogue as it applies there. Another
        # county's page is not theirs to open here (its guides and village lists are public).
        if wanted and wanted != root[:6]:
            raise Http404
        place_code: str | None = root
        assignment = request.assignment  # type: ignore[attr-defined]
        place_name = assignment.region.name if assignment is not None else root
    else:
        counties = selectors.counties_within(j)
        if wanted:
            county = next((c for c in counties if c.code == wanted), None)
            if county is None:
                raise Http404
        place_code = county.code if county else None
        place_name = county.name if county else _("全省")
    items = selectors.catalogue_for(place_code, q=q, include_not_offered=j.has_perm(ADJUST))
    village_code = place_code[:12] if place_code and len(place_code) >= 12 else ""
    link_query = (
        f"?village={village_code}"
        if village_code
        else (f"?county={place_code[:6]}" if place_code else "")
    )
    return render(
        request,
        "servicedesk/catalogue_list.html",
        {
            "layout": _layout(request),
            "form": form,
            "q": q,
            "groups": selectors.by_theme(items),
            "count": len(items),
            "place_name": place_name,
            "counties": counties,
            "county": county,
            "village_code": village_code,
            "link_query": link_query,
            "can_adjust": j.has_perm(ADJUST),
        },
    )


@require_GET
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One item's guide, public. With ?village= (or ?county=) as that county offers it."""
    item = selectors.item_or_404(code)
    village = None
    county = None
    village_code = request.GET.get("village", "")
    county_code = request.GET.get("county", "")
    if village_code:
        village = selectors.current_village_or_404(village_code)
        effective = catalogue.effective_item(item, village.code)
    elif county_code:
        county = selectors.county_or_404(county_code)
        effective = catalogue.effective_item(item, county.code)
    else:
        effective = catalogue.EffectiveItem(
            item, item.active, item.promised_days, item.department, item.level
        )
    handler = (
        selectors.handler_for(effective, village)
        if village is not None and effective.offered
        else None
    )
    return render(
        request,
        "servicedesk/catalogue_item.html",
        {
            "layout": _layout(request),
            "item": item,
            "row": selectors.row(effective),
            "village": village,
            "county": county or (village.parent.parent if village and village.parent else None),
            "handler": handler,
            "materials": list(item.materials.all()),
        },
    )


@require_GET
def village_lists(request: HttpRequest, code: str, kind: str = "") -> HttpResponse:
    """The two lists the seed asks every village to publish; public, readable on a phone."""
    if kind and kind not in LIST_KINDS:
        raise Http404
    village = selectors.current_village_or_404(code)
    lists = selectors.by_village_role(catalogue.effective_items(village.code))
    sections = [
        {
            "kind": slug,
            "title": VillageRole(role).label,
            "rows": [(selectors.row(e), selectors.handler_for(e, village)) for e in lists[role]],
        }
        for slug, role in LIST_KINDS.items()
        if not kind or slug == kind
    ]
    township = village.parent
    return render(
        request,
        "servicedesk/catalogue_village_lists.html",
        {
            "layout": _layout(request),
            "village": village,
            "township": township,
            "county": township.parent if township is not None else None,
            "sections": sections,
            "single": bool(kind),
        },
    )


# --- county adjustments -----------------------------------------------------------------------


class AdjustmentForm(forms.Form):
    offered = forms.BooleanField(
        label=gettext_lazy("本县开展此事项"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    promised_days = forms.IntegerField(
        label=gettext_lazy("本县承诺时限（工作日）"),
        required=False,
        min_value=1,
        max_value=250,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    department = forms.ChoiceField(
        label=gettext_lazy("本县实施部门"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("本县办理层级"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=gettext_lazy("说明（公开）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, item: ServiceItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        same = _("同全省（%(value)s）")
        self.fields["department"].choices = [
            ("", same % {"value": Department(item.department).label}),
            *[(v, label) for v, label in Department.choices if v != item.department],
        ]
        # A village committee's own matter stays with it, and a government matter never goes
        # down to the village (the service refuses both; the form does not offer them).
        levels = (
            []
            if item.village_role == VillageRole.PERFORMS
            else [
                (v, label)
                for v, label in HandlingLevel.choices
                if v not in (item.level, HandlingLevel.VILLAGE)
            ]
        )
        self.fields["level"].choices = [
            ("", same % {"value": HandlingLevel(item.level).label}),
            *levels,
        ]
        self.fields["promised_days"].help_text = _(
            "留空即按全省承诺 %(promised)s 个工作日；只能缩短，法定时限 %(statutory)s 个工作日。"
        ) % {"promised": item.promised_days, "statutory": item.statutory_days}


def _own_county(request: HttpRequest, j: Jurisdiction) -> Region | None:
    """The county this officer adjusts (their assignment's region), or None for readers."""
    code = services.adjusting_county(j)
    if code is None:
        return None
    assignment = getattr(request, "assignment", None)
    if assignment is not None and assignment.region.code == code:
        return assignment.region
    return selectors.county_or_404(code)


@login_required
@require_GET
def adjustments(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, ADJUST)  # type: ignore[attr-defined]
    own = _own_county(request, j)
    wanted = request.GET.get("county", "")
    if own is not None:
        if wanted and wanted != own.code:
            raise Http404  # another county's page is not this officer's to open
        county: Region | None = own
    else:
        county = selectors.county_for_or_404(j, wanted) if wanted else None
    context: dict[str, Any] = {"own": own, "county": county, "editable": own is not None}
    if county is not None:
        rows = selectors.adjustment_rows(county.code)
        context["rows"] = rows
        context["adjusted_count"] = sum(1 for r in rows if r.adjustment is not None)
    else:
        context["counties"] = selectors.counties_within(j)
        context["overview"] = selectors.adjustments_within(j)
    return render(request, "servicedesk/catalogue_adjustments.html", context)


@login_required
def adjustment_edit(request: HttpRequest, code: str) -> HttpResponse:
    j = require_perm(request.jurisdiction, ADJUST)  # type: ignore[attr-defined]
    county = _own_county(request, j)
    if county is None:
        audit(
            "core.permission.denied",
            jurisdiction=j,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": ADJUST, "reason": "not a county officer"},
        )
        raise PermissionDenied(
            _("只有本县（市、区）的县级部门可以调整本县的事项清单；省、市级只能查看。")
        )
    item = selectors.item_or_404(code, active_only=True)
    existing = selectors.adjustment_of(item, county.code)
    initial = {"offered": True}
    if existing is not None:
        initial = {
            "offered": existing.offered,
            "promised_days": existing.promised_days,
            "department": existing.department,
            "level": existing.level,
            "note": existing.note,
        }
    form = AdjustmentForm(request.POST or None, item=item, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            done = call_into_form(
                form,
                services.adjustment_save,
                actor=request.user,
                jurisdiction=j,
                item=item,
                county=county,
                **form.cleaned_data,
            )
            if not form.errors:
                if done is None:
                    messages.success(request, _("已恢复为全省标准。"))
                else:
                    messages.success(request, _("已保存本县调整。"))
                return redirect("servicedesk:adjustments")
        status = 400
    return render(
        request,
        "servicedesk/catalogue_adjustment_edit.html",
        {"item": item, "county": county, "form": form, "existing": existing},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("catalogue/", catalogue_list, name="catalogue"),
    # Before <code>/: "adjustments" is not an item code (codes look like JL-MZ-001).
    path("catalogue/adjustments/", adjustments, name="adjustments"),
    path("catalogue/adjustments/<str:code>/", adjustment_edit, name="adjustment_edit"),
    path("catalogue/<str:code>/", item_detail, name="item"),
    path("villages/<str:code>/lists/", village_lists, name="village_lists"),
    path("villages/<str:code>/lists/<str:kind>/", village_lists, name="village_list"),
]
