"""The register's pages: person search, household card, person page (with audited unmasking,
events and edits) and the villager's own household. Parse → check access → selector/service →
render; every read goes through `selectors`, every write through `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents import related, rules, selectors, services
from cunshe.residents.codes import EventKind
from cunshe.residents.forms import (
    EventForm,
    HouseholdForm,
    PersonEditForm,
    PersonFilterForm,
    PersonRegisterForm,
)
from cunshe.residents.models import Household, Person
from cunshe.web.forms import call_into_form

VIEW = selectors.VIEW
VIEW_OWN = selectors.VIEW_OWN
EDIT = services.EDIT
UNMASK = "residents.unmask"
EXPORT = "residents.export"
# Offsets beyond this are slow on a province's register and no clerk pages that far: narrow
# the search instead.
MAX_PAGE = 200


def _conflict_message() -> str:
    return _("该人员信息已被他人修改，请刷新后再操作")


def _call_into_form(form: Form, service: Any, **kwargs: Any) -> Any:
    """call_into_form, with a stale edit shown as the conflict message."""
    return call_into_form(
        form, service, refusals={services.ConcurrentEdit: _conflict_message()}, **kwargs
    )


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _page_number(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


# --- person list -----------------------------------------------------------------------------


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    form = PersonFilterForm(request.GET or None, jurisdiction=j)
    page = _page_number(request.GET.get("page"))
    rows: list[Person] = []
    more = False
    too_deep = page > MAX_PAGE
    if form.is_bound and not form.is_valid():
        filters = None
    else:
        filters = form.filters() if form.is_bound else selectors.PersonFilters()
    if filters is not None and not too_deep:
        start = (page - 1) * rules.PAGE_SIZE
        # One row more than a page says whether a next page exists, without COUNT(*).
        rows = list(
            selectors.person_search(j, filters).select_related("region")[
                start : start + rules.PAGE_SIZE + 1
            ]
        )
        more = len(rows) > rules.PAGE_SIZE
        rows = rows[: rules.PAGE_SIZE]
    query = request.GET.copy()
    query.pop("page", None)
    export_url = _url_or_none("residents:export") if j.has_perm(EXPORT) else None
    return render(
        request,
        "residents/person_list.html",
        {
            "form": form,
            "persons": rows,
            "page": page,
            "more": more,
            "too_deep": too_deep,
            "query": query.urlencode(),
            "export_url": export_url,
            "can_edit": j.has_perm(EDIT),
            "first_row": (page - 1) * rules.PAGE_SIZE + 1,
            # A plain search keeps the filters folded (on a phone they would push the results
            # off the screen); they open when one is set or wrong.
            "filters_open": bool(form.errors)
            or any(v for k, v in query.items() if k not in ("q", "page")),
        },
    )


# --- households ------------------------------------------------------------------------------


@login_required
def household_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, EDIT)  # type: ignore[attr-defined]
    form = HouseholdForm(request.POST or None, jurisdiction=j)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            household = _call_into_form(
                form,
                services.household_create,
                actor=request.user,
                jurisdiction=j,
                **data,
            )
            if household is not None:
                messages.success(request, _("已建立新户。"))
                return redirect("residents:household", pk=household.pk)
        status = 400
    return render(request, "residents/household_new.html", {"form": form}, status=status)


def _household_page(
    request: HttpRequest,
    j: Jurisdiction,
    household: Household,
    member_form: PersonRegisterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_edit = j.has_perm(EDIT)
    if can_edit and member_form is None:
        member_form = PersonRegisterForm()
    return render(
        request,
        "residents/household.html",
        {
            "household": household,
            "members": selectors.household_members(j, household),
            "member_form": member_form if can_edit else None,
            "flags": [
                Household._meta.get_field(f).verbose_name
                for f in Household.FLAG_FIELDS
                if getattr(household, f)
            ],
        },
        status=status,
    )


@login_required
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    return _household_page(request, j, selectors.get_household_for(j, pk))


@login_required
@require_POST
def household_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    hh = selectors.get_household_for(j, pk)  # 404 outside the subtree, before the 403 below
    require_perm(j, EDIT)
    form = PersonRegisterForm(request.POST)
    if form.is_valid():
        person = _call_into_form(
            form,
            services.person_register,
            actor=request.user,
            jurisdiction=j,
            household=hh,
            **form.cleaned_data,
        )
        if person is not None:
            messages.success(request, _("已登记。"))
            return redirect("residents:person", pk=person.pk)
    return _household_page(request, j, hh, member_form=form, status=400)


# --- person page -----------------------------------------------------------------------------


def _timeline(events: list[Any]) -> list[dict[str, Any]]:
    """Events oldest first; each says which corrections apply to it, and each correction which
    event it corrects, so nothing corrected is hidden."""
    corrections: dict[int, list[Any]] = {}
    for e in events:
        if e.corrects_id:
            corrections.setdefault(e.corrects_id, []).append(e)
    return [{"event": e, "corrected_by": corrections.get(e.pk, [])} for e in events]


def _person_page(
    request: HttpRequest,
    j: Jurisdiction,
    person: Person,
    *,
    edit_form: PersonEditForm | None = None,
    event_form: EventForm | None = None,
    status: int = 200,
) -> HttpResponse:
    events = selectors.person_events(person)
    can_edit = j.has_perm(EDIT)
    if can_edit:
        edit_form = edit_form or PersonEditForm(initial=PersonEditForm.initial_for(person))
        event_form = event_form or EventForm(initial={"version": person.version}, events=events)
    return render(
        request,
        "residents/person.html",
        {
            "person": person,
            "household": person.household,
            "timeline": _timeline(events),
            "related": related.related_for(j, person),
            "can_edit": can_edit,
            "can_unmask": j.has_perm(UNMASK),
            "edit_form": edit_form if can_edit else None,
            "event_form": event_form if can_edit else None,
            "correction_kind": EventKind.CORRECTION,
        },
        status=status,
    )


@login_required
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    return _person_page(request, j, selectors.get_person_for(j, pk))


def _person_for_write(request: HttpRequest, pk: int) -> tuple[Jurisdiction, Person]:
    """404 outside what the caller may see, then 403 (audited) without the edit permission."""
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    p = selectors.get_person_for(j, pk, audit_view=False)
    require_perm(j, EDIT)
    return j, p


@login_required
@require_POST
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    j, p = _person_for_write(request, pk)
    form = PersonEditForm(request.POST)
    if form.is_valid():
        changes = form.changes(p)
        if not changes and form.cleaned_data["version"] == p.version:
            messages.info(request, _("没有需要保存的修改。"))
            return redirect("residents:person", pk=p.pk)
        updated = _call_into_form(
            form,
            services.person_update,
            actor=request.user,
            jurisdiction=j,
            person=p,
            expected_version=form.cleaned_data["version"],
            **changes,
        )
        if updated is not None:
            messages.success(request, _("已保存。"))
            return redirect("residents:person", pk=p.pk)
    conflict = _conflict_message() in form.non_field_errors()
    if conflict:
        # Also at the top of the page: on a phone the form is far below the fold.
        messages.error(request, _conflict_message())
    return _person_page(request, j, p, edit_form=form, status=409 if conflict else 400)


@login_required
@require_POST
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    j, p = _person_for_write(request, pk)
    form = EventForm(request.POST, events=selectors.person_events(p))
    if form.is_valid():
        d = form.cleaned_data
        event = _call_into_form(
            form,
            services.event_record,
            actor=request.user,
            jurisdiction=j,
            person=p,
            kind=d["kind"],
            occurred_on=d["occurred_on"],
            destination=d["destination"],
            note=d["note"],
            corrects=d["corrects_event"],
            corrected_kind=d["corrected_kind"] if d["kind"] == EventKind.CORRECTION else "",
            expected_version=d["version"],
        )
        if event is not None:
            messages.success(request, _("已记录。"))
            return redirect("residents:person", pk=p.pk)
    conflict = _conflict_message() in form.non_field_errors()
    if conflict:
        messages.error(request, _conflict_message())
    return _person_page(request, j, p, event_form=form, status=409 if conflict else 400)


@never_cache
@login_required
@require_POST
def unmask(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The clear ID or phone number as an htmx fragment; every reveal is audited."""
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    p = selectors.get_person_for(j, pk, audit_view=False)
    require_perm(j, UNMASK)
    try:
        value = services.person_unmask(actor=request.user, jurisdiction=j, person=p, field=field)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    except PermissionDenied as exc:  # pragma: no cover - require_perm above answers first
        raise exc
    return HttpResponse(format_html('<span class="cs-code">{}</span>', value or "—"))


# --- villager --------------------------------------------------------------------------------


@login_required
@require_GET
def my_household(request: HttpRequest) -> HttpResponse:
    """The villager's own household on the phone layout; nobody else's."""
    j = require_perm(request.jurisdiction, VIEW_OWN)  # type: ignore[attr-defined]
    hh = selectors.households_visible(j).select_related("region").first()
    members = selectors.household_members(j, hh) if hh is not None else []
    return render(
        request,
        "residents/my_household.html",
        {"household": hh, "members": members, "me_id": request.user.pk},
    )
