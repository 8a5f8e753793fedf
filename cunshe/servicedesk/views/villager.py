"""The villager's 办事 pages on the phone layout: the hub (what I can apply for, my matters),
the online application form, and one matter's page (status, plain-language timeline, bringing
missing material, withdrawing).

Parse → access → selector/service → render. A villager reaches only their own household's
matters (`application_for` answers 404 for anyone else's); staff who follow a villager's link
are sent to the desk's page for the same matter.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.accounts.roles import Role
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.pinyin import pinyin_of
from cunshe.residents.models import GONE, Person
from cunshe.residents.selectors import persons_visible
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.forms_villager import ApplyForm, ResubmitForm, SearchForm, WithdrawForm
from cunshe.servicedesk.models import (
    FINISHED,
    Application,
    ApplicationEvent,
    Mode,
    Rating,
    ServiceItem,
    Status,
)
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.selectors.applications import application_for, applications_for
from cunshe.servicedesk.services import applications as svc
from cunshe.web.forms import call_into_form

APPLY = svc.APPLY
VIEW = "servicedesk.view"
# A household has a handful of matters a year; the hub shows the latest ones.
MY_LIST_MAX = 50
# Statuses the villager can rate (a withdrawn matter was never handled).
RATEABLE = tuple(s for s in FINISHED if s != Status.WITHDRAWN)
# Statuses with the clock running at a handling unit: the due date means something.
RUNNING = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS)


def _reverse_or_none(name: str, *args: Any) -> str | None:
    # Parts built by other people may not exist yet: never link to a page that is not there.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _booking_url(item: ServiceItem) -> str | None:
    base = _reverse_or_none("servicedesk:book")
    if base is not None:
        return f"{base}?{urlencode({'item': item.code})}"
    return _reverse_or_none("servicedesk:book", item.code)


def _is_villager(request: HttpRequest) -> bool:
    assignment = getattr(request, "assignment", None)
    return assignment is not None and assignment.role == Role.VILLAGER


def _conflict_message() -> str:
    return _("办件刚刚有了新的进展，请看最新状态后再操作。")


def _call(form: Form, service: Any, **kwargs: Any) -> Any:
    return call_into_form(
        form, service, refusals={svc.ConcurrentEdit: _conflict_message()}, **kwargs
    )


# --- the hub -------------------------------------------------------------------------------------


# What villagers say for what the catalogue calls by its full name.
SEARCH_ALIASES = {
    "低保": "最低生活保障",
    "dibao": "最低生活保障",
    "五保": "特困",
    "医保": "医疗保险",
    "yibao": "医疗保险",
    "社保": "养老保险",
    "准生": "生育",
    "残补": "残疾人",
}


def _matches(effective: catalogue.EffectiveItem, needle: str) -> bool:
    item = effective.item
    alias = SEARCH_ALIASES.get(needle)
    if alias and alias in item.name:
        return True
    if any(needle in (text or "").lower() for text in (item.name, item.summary, item.theme)):
        return True
    if needle == item.code.lower():
        return True
    full, initials = pinyin_of(item.name)
    compact = needle.replace(" ", "")
    return bool(compact) and compact.isascii() and (compact in full or initials.startswith(compact))


def _catalogue_groups(place_code: str, needle: str) -> list[dict[str, Any]]:
    """The offered items grouped by theme: the themes with most items first (the everyday
    matters), then in pinyin order; items by code within a theme."""
    items = [e for e in catalogue.effective_items(place_code) if not needle or _matches(e, needle)]
    items.sort(key=lambda e: (e.item.theme, e.item.code))
    groups = []
    for theme, rows in groupby(items, key=lambda e: e.item.theme):
        entries = []
        for e in rows:
            modes = e.item.modes or []
            online = Mode.ONLINE in modes
            entries.append(
                {
                    "item": e.item,
                    "promised_days": e.promised_days,
                    "online": online,
                    "apply_url": reverse("servicedesk:apply", args=[e.item.code])
                    if online
                    else None,
                    "book_url": _booking_url(e.item) if Mode.APPOINTMENT in modes else None,
                }
            )
        groups.append({"theme": theme or _("其他"), "entries": entries})
    groups.sort(key=lambda g: (-len(g["entries"]), pinyin_of(str(g["theme"]))[0]))
    return groups


@login_required
@require_GET
def villager_home(request: HttpRequest) -> HttpResponse:
    """我要办 (the village's catalogue, searchable) and 我的办件 (the household's matters)."""
    j: Jurisdiction | None = request.jurisdiction  # type: ignore[attr-defined]
    if j is not None and not j.has_perm(APPLY) and j.has_perm(VIEW):
        desk = _reverse_or_none("servicedesk:desk_list")
        if desk:
            return redirect(desk)
    j = require_perm(j, APPLY)
    search = SearchForm(request.GET or None)
    needle = ""
    if search.is_valid():
        needle = search.cleaned_data["q"].strip().lower()
    mine = list(
        applications_for(j).select_related("item").order_by("-submitted_at", "-id")[:MY_LIST_MAX]
    )
    # Finished matters not yet rated get a nudge in the list (one query for all of them).
    to_rate: set[int] = set()
    rateable = [a.pk for a in mine if a.status in RATEABLE]
    if rateable and _reverse_or_none("servicedesk:rate", rateable[0]):
        rated = Rating.objects.within(j).filter(application_id__in=rateable)
        to_rate = set(rateable) - set(rated.values_list("application_id", flat=True))
    groups = _catalogue_groups(j.root_code, needle)
    return render(
        request,
        "servicedesk/villager_home.html",
        {
            "search": search,
            "needle": needle,
            "groups": groups,
            "found": sum(len(g["entries"]) for g in groups),
            "to_rate": to_rate,
            "mine": mine,
            "running": RUNNING,
        },
    )


# --- applying ------------------------------------------------------------------------------------


def _household_members(j: Jurisdiction) -> list[Person]:
    """The caller's own household, people who still live here; names only are shown."""
    return list(
        persons_visible(j)
        .exclude(residence_status__in=GONE)
        .only("id", "name", "account_id", "household_id", "region_code", "relationship")
        .order_by("relationship", "birth_date", "id")
    )


def _chosen(members: list[Person], raw: Any, user_id: int) -> Person | None:
    by_id = {p.pk: p for p in members}
    if raw is not None and str(raw).isdigit() and int(raw) in by_id:
        return by_id[int(raw)]
    me = next((p for p in members if p.account_id == user_id), None)
    return me or (members[0] if members else None)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """Apply online for one item, for oneself or a member of one's own household."""
    j = require_perm(request.jurisdiction, APPLY)  # type: ignore[attr-defined]
    item = ServiceItem.objects.filter(code=code, active=True).first()
    if item is None:
        raise Http404
    effective = catalogue.effective_item(item, j.root_code)
    requirements = list(item.materials.all())
    members = _household_members(j) if effective.offered else []
    raw = request.POST.get("applicant") if request.method == "POST" else request.GET.get("for")
    applicant = _chosen(members, raw, request.user.pk)
    online = Mode.ONLINE in (item.modes or [])
    form = None
    if effective.offered and online and applicant is not None:
        on_file = svc.reusable_materials(applicant)
        kwargs = {"members": members, "requirements": requirements, "on_file": on_file}
        if request.method == "POST":
            form = ApplyForm(request.POST, request.FILES, **kwargs)
            if form.is_valid():
                uploads, reuse = form.materials()
                # The applicant's full record (region, household) is what the service reads.
                person = (
                    persons_visible(j)
                    .select_related("region", "household")
                    .get(pk=form.cleaned_data["applicant"])
                )
                application = _call(
                    form,
                    svc.application_submit,
                    actor=request.user,
                    jurisdiction=j,
                    item=item,
                    applicant=person,
                    mode=Mode.ONLINE,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    details=form.cleaned_data["details"],
                    uploads=uploads,
                    reuse=reuse,
                )
                if application is not None:
                    messages.success(
                        request,
                        _("申请已提交，受理编号 %(number)s。请记下编号，可凭编号查询进度。")
                        % {"number": application.number},
                    )
                    return redirect("servicedesk:my_application", pk=application.pk)
        else:
            form = ApplyForm(initial={"applicant": applicant.pk}, **kwargs)
    elif request.method == "POST" and effective.offered and not online:
        messages.error(request, _("该事项不能在网上申请，请到村便民服务站代办。"))
    return render(
        request,
        "servicedesk/villager_apply.html",
        {
            "item": item,
            "effective": effective,
            "requirements": requirements,
            "online": online,
            "members": members,
            "applicant": applicant,
            "form": form,
            "book_url": _booking_url(item) if Mode.APPOINTMENT in (item.modes or []) else None,
            "max_mb": rule("MAX_UPLOAD_BYTES") // (1024 * 1024),
        },
        status=400 if request.method == "POST" else 200,  # a POST that got here was refused
    )


# --- one matter ----------------------------------------------------------------------------------


def _return_reason(application: Application) -> str:
    event = (
        application.events.filter(to_status=Status.RETURNED, kind=ApplicationEvent.Kind.TRANSITION)
        .order_by("-at", "-id")
        .first()
    )
    return event.reason if event is not None else ""


def _resubmit_form(application: Application, data: Any = None, files: Any = None) -> ResubmitForm:
    # Materials already on this application are not offered back to it as "on file".
    on_file = {
        doc: m
        for doc, m in svc.reusable_materials(application.applicant).items()
        if m.application_id != application.pk
    }
    return ResubmitForm(
        data,
        files,
        requirements=list(application.item.materials.all()),
        on_file=on_file,
        initial={"expected_version": application.version},
        prefix="resubmit",
    )


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    application: Application,
    *,
    resubmit: ResubmitForm | None = None,
    withdraw: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = svc.allowed_actions(j, application)
    materials = list(application.materials.filter(superseded=False).order_by("id"))
    have = {m.requirement_id for m in materials}
    missing = [r.name for r in application.item.materials.all() if r.required and r.pk not in have]
    if "resubmit" in actions and resubmit is None:
        resubmit = _resubmit_form(application)
    if "withdraw" in actions and withdraw is None:
        withdraw = WithdrawForm(
            initial={"expected_version": application.version}, prefix="withdraw"
        )
    rate_url, rated = None, False
    if application.status in RATEABLE:
        rate_url = _reverse_or_none("servicedesk:rate", application.pk)
        rated = (
            rate_url is not None
            and Rating.objects.within(j).filter(application_id=application.pk).exists()
        )
    receipt_url = None
    if application.accepted_at:
        receipt_url = _reverse_or_none("servicedesk:receipt", application.pk)
    returned = application.status == Status.RETURNED
    unit = svc.unit_name(
        application.handler_level, application.handler_code, application.handler_department
    )
    return render(
        request,
        "servicedesk/villager_application.html",
        {
            "app": application,
            "timeline": svc.public_timeline(application),
            "materials": materials,
            "missing": missing,
            "return_reason": _return_reason(application) if returned else "",
            "resubmit": resubmit if "resubmit" in actions else None,
            "withdraw": withdraw if "withdraw" in actions else None,
            "rate_url": rate_url,
            "receipt_url": receipt_url,
            "running": application.status in RUNNING,
            "unit": unit,
            "rated": rated,
            "max_mb": rule("MAX_UPLOAD_BYTES") // (1024 * 1024),
        },
        status=status,
    )


def _load(request: HttpRequest, pk: int) -> tuple[Jurisdiction, Application]:
    j: Jurisdiction = request.jurisdiction  # type: ignore[attr-defined]
    return j, application_for(j, pk)


def _refused(
    request: HttpRequest, j: Jurisdiction, application: Application, action: str, form: Form
) -> HttpResponse:
    """The page again with the form's messages; when the action is no longer open (someone
    acted meanwhile, or the page was stale), the messages go to the top of the fresh page."""
    application = application_for(j, application.pk)
    stale = getattr(form, "cleaned_data", {}).get("expected_version") not in (
        None,
        application.version,
    )
    if not stale and action in svc.allowed_actions(j, application):
        return _detail(request, j, application, status=400, **{action: form})
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("servicedesk:my_application", pk=application.pk)


@login_required
@require_GET
def my_application(request: HttpRequest, pk: int) -> HttpResponse:
    """One matter of the caller's household: where it stands and what happens next."""
    j, application = _load(request, pk)  # 404 outside, 403 (audited) without the right
    if not _is_villager(request):
        desk = _reverse_or_none("servicedesk:application", application.pk)
        if desk:
            return redirect(desk)
    return _detail(request, j, application)


@login_required
@require_POST
def my_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """Bring the missing material for a returned matter; the clock starts again."""
    j, application = _load(request, pk)
    form = _resubmit_form(application, request.POST, request.FILES)
    if form.is_valid():
        uploads, reuse = form.materials()
        if not uploads and not reuse:
            form.add_error(None, _("请至少选择一份材料再提交。"))
        else:
            done = _call(
                form,
                svc.application_act,
                actor=request.user,
                jurisdiction=j,
                application=application,
                action="resubmit",
                expected_version=form.cleaned_data["expected_version"],
                uploads=uploads,
                reuse=reuse,
            )
            if done is not None:
                messages.success(request, _("材料已补交，办件继续办理。"))
                return redirect("servicedesk:my_application", pk=pk)
    return _refused(request, j, application, "resubmit", form)


@login_required
@require_POST
def my_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a matter that is not yet being handled, with a reason."""
    j, application = _load(request, pk)
    form = WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid():
        done = _call(
            form,
            svc.application_act,
            actor=request.user,
            jurisdiction=j,
            application=application,
            action="withdraw",
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["expected_version"],
        )
        if done is not None:
            messages.success(request, _("申请已撤回。"))
            return redirect("servicedesk:my_application", pk=pk)
    return _refused(request, j, application, "withdraw", form)


urlpatterns: list[URLPattern] = [
    path("", villager_home, name="villager_home"),
    path("apply/<str:code>/", apply, name="apply"),
    path("my/<int:pk>/", my_application, name="my_application"),
    path("my/<int:pk>/resubmit/", my_resubmit, name="my_resubmit"),
    path("my/<int:pk>/withdraw/", my_withdraw, name="my_withdraw"),
]
