"""Staff pages for applications: the clerk's intake desk (代办/领办), the list in the caller's
jurisdiction, one application with its full internal timeline and the workflow actions, and the
access-checked download of a material. Parse → check access → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.accounts.models import User
from cunshe.accounts.roles import Department, Role
from cunshe.core.access import require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name, mask_phone
from cunshe.core.models import AuditEvent
from cunshe.core.workdays import working_days_between
from cunshe.regions.models import Region
from cunshe.residents import selectors as register
from cunshe.residents.models import Person
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.forms_desk import (
    ActionForm,
    AssignForm,
    DeskFilterForm,
    ExactSearchForm,
    IntakeForm,
    PersonSearchForm,
    RerouteForm,
    is_exact_number,
    new_idempotency_key,
)
from cunshe.servicedesk.models import (
    CLOCK_RUNNING,
    Application,
    ApplicationEvent,
    HandlingLevel,
    Material,
    Mode,
    ServiceItem,
    Status,
)
from cunshe.servicedesk.selectors.applications import (
    VIEW,
    application_for,
    applications_for,
    handler_queue,
)
from cunshe.servicedesk.selectors.deadlines import unit_officers
from cunshe.servicedesk.services import applications as svc
from cunshe.web.forms import call_into_form

INTAKE = svc.INTAKE
UNMASK = "residents.unmask"
PAGE_SIZE = 50
# Offsets beyond this are slow on a province's applications; narrow the filters instead.
MAX_PAGE = 200
SEARCH_LIMIT = 20
REROUTABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS)


def _conflict_message() -> str:
    return _("该办件已被他人修改，请刷新后再操作。")


def _call(form: Form, service: Any, **kwargs: Any) -> Any:
    """call_into_form, with a stale page shown as the conflict message."""
    return call_into_form(
        form, service, refusals={svc.ConcurrentEdit: _conflict_message()}, **kwargs
    )


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _page_number(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


def _shown_name(j: Jurisdiction, name: str) -> str:
    # Only roles that may unmask the register (the village clerk) see applicants' full names.
    return name if j.has_perm(UNMASK) else mask_name(name)


def _unit_names(keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """svc.unit_name for many (level, code, department) at once: one query for the lot."""
    names = dict(
        Region.objects.filter(code__in={code for _l, code, _d in keys}).values_list("code", "name")
    )
    out = {}
    for level, code, department in keys:
        region = names.get(code, code)
        if level == HandlingLevel.COUNTY and department:
            out[(level, code, department)] = f"{region}{Department(department).label}"
        else:
            out[(level, code, department)] = region
    return out


def _overdue_days(app: Application, today: Any) -> int | None:
    """Working days past the due date while the clock runs; None when not overdue."""
    if app.status not in CLOCK_RUNNING or app.due_on is None or app.due_on >= today:
        return None
    return working_days_between(app.due_on, today)


# --- intake (代办 / 领办) -------------------------------------------------------------------------


def _intake_person(j: Jurisdiction, raw: str | None) -> Person | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    person = (
        register.persons_visible(j)
        .select_related("household", "region")
        .filter(pk=int(raw))
        .first()
    )
    if person is None:
        raise Http404
    return person


def _intake_item(raw: str | None) -> ServiceItem | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    # The service decides whether this village may offer it (a clear message, not a 404).
    item = ServiceItem.objects.filter(pk=int(raw), active=True).first()
    if item is None:
        raise Http404
    return item


def _intake_form(
    person: Person, item: ServiceItem, data: Any = None, files: Any = None
) -> IntakeForm:
    return IntakeForm(
        data,
        files,
        item=item,
        requirements=list(item.materials.all()),
        on_file=svc.reusable_materials(person),
        initial={"idempotency_key": new_idempotency_key()},
    )


def _intake_items(person: Person) -> list[catalogue.EffectiveItem]:
    """What this villager's village offers that a clerk may take in, by theme."""
    return sorted(
        (
            e
            for e in catalogue.effective_items(person.region_code)
            if set(e.item.modes or []).intersection(svc.CLERK_MODES)
        ),
        key=lambda e: (e.item.theme, e.item.name),
    )


def _search(j: Jurisdiction, text: str) -> tuple[list[Person], bool]:
    rows = list(
        register.person_search(j, register.PersonFilters(q=text)).select_related("region")[
            : SEARCH_LIMIT + 1
        ]
    )
    return rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """Find the villager (GET by name; exact ID or phone by POST), choose the item, fill in the
    mode and the materials, submit."""
    j = require_perm(request.jurisdiction, INTAKE)  # type: ignore[attr-defined]
    step = request.POST.get("step") if request.method == "POST" else None
    source = request.POST if request.method == "POST" else request.GET
    person = _intake_person(j, source.get("person"))
    item = _intake_item(source.get("item")) if person is not None else None
    ctx: dict[str, Any] = {"person": person, "item": item, "status": 200}
    search = PersonSearchForm(request.GET if "q" in request.GET else None)
    exact = ExactSearchForm(request.POST if step == "exact" else None)
    ctx.update({"search": search, "exact": exact, "results": None, "more": False})

    if step == "submit":
        if person is None or item is None:
            raise Http404
        form = _intake_form(person, item, request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            app = call_into_form(
                form,
                svc.application_submit,
                actor=request.user,
                jurisdiction=j,
                item=item,
                applicant=person,
                mode=d["mode"],
                idempotency_key=d["idempotency_key"],
                details=d["details"],
                authorised_on=d["authorised_on"],
                authorisation=d["authorisation"] or None,
                accompanied_at=d["accompanied_at"],
                accompanied_place=d["accompanied_place"],
                uploads=form.uploads(),
                reuse=form.reuse(),
            )
            if app is not None:
                messages.success(
                    request,
                    _("已提交“%(item)s”，受理编号 %(number)s。")
                    % {"item": app.item.name, "number": app.number},
                )
                return redirect("servicedesk:application", pk=app.pk)
        messages.error(request, _("没有提交：请按提示修改后再提交（所选文件需要重新选择）。"))
        ctx.update({"form": form, "status": 400})
    elif step == "exact":
        if exact.is_valid():
            ctx["results"], ctx["more"] = _search(j, exact.cleaned_data["number"])
            ctx["exact"] = ExactSearchForm()  # the number is not echoed back into the page
        else:
            ctx["status"] = 400
    elif step is not None:
        raise Http404
    elif search.is_bound:
        if search.is_valid():
            ctx["results"], ctx["more"] = _search(j, search.cleaned_data["q"])
        else:
            if is_exact_number(request.GET.get("q", "")):
                # Said at the top; the number is not echoed back into the page.
                messages.error(request, " ".join(search.errors["q"]))
                ctx["search"] = PersonSearchForm()
            ctx["status"] = 400

    if person is not None and item is not None and "form" not in ctx:
        ctx["form"] = _intake_form(person, item)
    if person is not None and item is None:
        ctx["offered_items"] = _intake_items(person)
    if person is not None:
        ctx["applications"] = list(
            applications_for(j).filter(applicant=person).select_related("item")[:5]
        )
    ctx["mode_daiban"], ctx["mode_lingban"] = Mode.DAIBAN, Mode.LINGBAN
    return render(request, "servicedesk/desk_intake.html", ctx, status=ctx.pop("status"))


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def desk_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    form = DeskFilterForm(request.GET or None)
    page = _page_number(request.GET.get("page"))
    too_deep = page > MAX_PAGE
    rows: list[Application] = []
    more = False
    today = timezone.localdate()
    if not too_deep and (not form.is_bound or form.is_valid()):
        d = form.cleaned_data if form.is_bound else {}
        qs = handler_queue(j) if d.get("mine") else applications_for(j)
        if d.get("number"):
            qs = qs.filter(number=d["number"])
        if d.get("status"):
            qs = qs.filter(status=d["status"])
        if d.get("item"):
            qs = qs.filter(item_id=d["item"])
        if d.get("mode"):
            qs = qs.filter(mode=d["mode"])
        if d.get("overdue"):
            qs = qs.filter(status__in=CLOCK_RUNNING, due_on__lt=today)
        if d.get("mine") or d.get("overdue"):
            qs = qs.order_by("due_on", "id")
        start = (page - 1) * PAGE_SIZE
        # One row more than a page says whether a next page exists, without COUNT(*).
        rows = list(qs.select_related("item", "assignee", "region")[start : start + PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    units = _unit_names({(a.handler_level, a.handler_code, a.handler_department) for a in rows})
    for a in rows:
        a.shown_name = _shown_name(j, a.applicant_name)  # type: ignore[attr-defined]
        a.unit = units[(a.handler_level, a.handler_code, a.handler_department)]  # type: ignore[attr-defined]
        a.overdue = a.status in CLOCK_RUNNING and a.due_on is not None and a.due_on < today  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "servicedesk/desk_list.html",
        {
            "form": form,
            "applications": rows,
            "page": page,
            "more": more,
            "too_deep": too_deep,
            "query": query.urlencode(),
            "first_row": (page - 1) * PAGE_SIZE + 1,
            "can_intake": j.has_perm(INTAKE),
            "filters_open": bool(form.errors)
            or any(v for k, v in query.items() if k not in ("number", "page")),
        },
    )


# --- one application ----------------------------------------------------------------------------

_DETAIL_LABELS = {
    "mode": gettext_lazy("办理方式"),
    "missing": gettext_lazy("缺少材料"),
    "reused": gettext_lazy("复用材料"),
    "uploaded": gettext_lazy("上传材料"),
    "promised_days": gettext_lazy("承诺时限(工作日)"),
    "paused_working_days": gettext_lazy("暂停(工作日)"),
    "from_item": gettext_lazy("原事项"),
    "to_item": gettext_lazy("新事项"),
    "from_unit": gettext_lazy("原办理单位"),
    "to_unit": gettext_lazy("新办理单位"),
    "to_department": gettext_lazy("新部门"),
    "assignee": gettext_lazy("经办人"),
}


def _detail_rows(event: ApplicationEvent, users: dict[int, str]) -> list[tuple[str, str]]:
    """An event's detail as (label, value) lines a person can read."""
    out = []
    for key, value in (event.detail or {}).items():
        if key == "mode" and value in Mode.values:
            value = Mode(value).label
        elif key == "to_department" and value in Department.values:
            value = Department(value).label
        elif key == "assignee":
            value = users.get(value, value)
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value) or "—"
        label = _DETAIL_LABELS.get(key)
        out.append((str(label) if label else key, str(value)))
    return out


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _timeline(app: Application) -> list[dict[str, Any]]:
    events = list(app.events.select_related("actor"))
    assignee_ids = {e.detail.get("assignee") for e in events if isinstance(e.detail, dict)}
    assignee_ids.discard(None)
    users: dict[int, str] = {}
    if assignee_ids:
        users = {u.pk: str(u) for u in User.objects.filter(pk__in=assignee_ids)}
    return [
        {
            "event": e,
            "role": _role_label(e.actor_role),
            "title": Status(e.to_status).label
            if e.kind == ApplicationEvent.Kind.TRANSITION and e.to_status
            else e.get_kind_display(),
            "detail": _detail_rows(e, users),
        }
        for e in events
    ]


def _officers(app: Application) -> list[tuple[int, str]]:
    """Officers of the handling unit (who may be given the matter), by name."""
    officers = sorted(unit_officers(app), key=lambda u: (u.display_name, u.username))
    return [(u.pk, str(u)) for u in officers]


def _reroute_items(app: Application) -> list[tuple[int, str]]:
    offered = [(e.item.pk, e.item.name) for e in catalogue.effective_items(app.region_code)]
    if app.item_id not in {pk for pk, _n in offered}:
        offered.insert(0, (app.item_id, app.item.name))
    return sorted(offered, key=lambda row: row[1])


def _detail_page(
    request: HttpRequest,
    j: Jurisdiction,
    app: Application,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    today = timezone.localdate()
    requirements = list(app.item.materials.all())
    materials = list(app.materials.select_related("reused_from"))
    given = {m.requirement_id for m in materials if not m.superseded}
    is_handler = svc.is_handler(j, app)
    can_intake = svc.is_intake_clerk(j, app)

    actions = []
    for name in svc.allowed_actions(j, app):
        t = svc.TRANSITIONS[name]
        form = bound.get(f"act:{name}")
        if form is None:
            extra = {}
            if name == "resubmit":
                extra = {
                    "requirements": requirements,
                    "on_file": svc.reusable_materials(app.applicant),
                }
            form = ActionForm(initial={"action": name, "expected_version": app.version}, **extra)
        actions.append(
            {"name": name, "label": t.label, "needs_reason": t.needs_reason, "form": form}
        )

    # The step forward first; the ones that need a reason (reject, return …) fold below it.
    actions.sort(key=lambda a: a["needs_reason"])

    reroute = None
    if app.status in REROUTABLE and (is_handler or (can_intake and app.status == Status.SUBMITTED)):
        reroute = bound.get("reroute") or RerouteForm(
            initial={"expected_version": app.version},
            items=_reroute_items(app),
            current_item=app.item_id,
        )
    assign = None
    if is_handler and not app.is_finished:
        assign = bound.get("assign") or AssignForm(
            initial={"expected_version": app.version, "assignee": app.assignee_id},
            officers=_officers(app),
        )
    applicant = app.applicant
    return render(
        request,
        "servicedesk/desk_application.html",
        {
            "app": app,
            "applicant_name": _shown_name(j, app.applicant_name),
            "applicant_phone": mask_phone(applicant.phone),
            "unit": svc.unit_name(app.handler_level, app.handler_code, app.handler_department),
            "overdue_days": _overdue_days(app, today),
            "finished": app.is_finished,
            "timeline": _timeline(app),
            "materials": materials,
            "requirements": [{"req": r, "given": r.pk in given} for r in requirements],
            "actions": actions,
            "reroute": reroute,
            "assign": assign,
            "receipt_url": _url_or_none("servicedesk:receipt", app.pk),
            "authorisation": next(
                (m for m in materials if m.doc_type == "authorisation" and not m.superseded), None
            ),
            "daiban": app.mode == Mode.DAIBAN,
            "lingban": app.mode == Mode.LINGBAN,
        },
        status=status,
    )


def _application_for_staff(request: HttpRequest, pk: int) -> tuple[Jurisdiction, Application]:
    """404 outside the caller's subtree, 403 (audited) inside it without servicedesk.view."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    app = application_for(j, pk)
    return require_perm(j, VIEW), app


@never_cache
@login_required
@require_GET
def application(request: HttpRequest, pk: int) -> HttpResponse:
    j, app = _application_for_staff(request, pk)
    return _detail_page(request, j, app)


def _refused(request: HttpRequest, form: Form) -> int:
    """Say why at the top of the page (the form may be below the fold); 409 for a stale page."""
    errors = [str(e) for e in form.non_field_errors()]
    for name, field_errors in form.errors.items():
        if name != "__all__":
            errors.extend(str(e) for e in field_errors)
    conflict = _conflict_message() in errors
    messages.error(request, " ".join(errors) or _("操作没有完成。"))
    return 409 if conflict else 400


@login_required
@require_POST
def application_act(request: HttpRequest, pk: int) -> HttpResponse:
    j, app = _application_for_staff(request, pk)
    action = request.POST.get("action", "")
    extra = {}
    if action == "resubmit":
        extra = {
            "requirements": list(app.item.materials.all()),
            "on_file": svc.reusable_materials(app.applicant),
        }
    form = ActionForm(request.POST, request.FILES, **extra)
    if form.is_valid():
        d = form.cleaned_data
        done = _call(
            form,
            svc.application_act,
            actor=request.user,
            jurisdiction=j,
            application=app,
            action=d["action"],
            reason=d["reason"],
            expected_version=d["expected_version"],
            uploads=form.uploads(),
            reuse=form.reuse(),
        )
        if done is not None:
            messages.success(
                request,
                _("已执行“%(action)s”，当前状态：%(status)s。")
                % {
                    "action": svc.TRANSITIONS[d["action"]].label,
                    "status": done.get_status_display(),
                },
            )
            return redirect("servicedesk:application", pk=app.pk)
    status = _refused(request, form)
    key = f"act:{action}" if action in svc.TRANSITIONS else ""
    return _detail_page(request, j, app, bound={key: form} if key else {}, status=status)


@login_required
@require_POST
def application_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    j, app = _application_for_staff(request, pk)
    form = RerouteForm(request.POST, items=_reroute_items(app), current_item=app.item_id)
    if form.is_valid():
        d = form.cleaned_data
        item = ServiceItem.objects.filter(pk=d["item"]).first()
        done = _call(
            form,
            svc.application_reroute,
            actor=request.user,
            jurisdiction=j,
            application=app,
            reason=d["reason"],
            item=item if item is not None and item.pk != app.item_id else None,
            department=d["department"],
            expected_version=d["expected_version"],
        )
        if done is not None:
            messages.success(
                request,
                _("已改派到%(unit)s，受理编号不变。")
                % {
                    "unit": svc.unit_name(
                        done.handler_level, done.handler_code, done.handler_department
                    )
                },
            )
            return redirect("servicedesk:application", pk=app.pk)
    status = _refused(request, form)
    return _detail_page(request, j, app, bound={"reroute": form}, status=status)


@login_required
@require_POST
def application_assign(request: HttpRequest, pk: int) -> HttpResponse:
    j, app = _application_for_staff(request, pk)
    officers = _officers(app)
    form = AssignForm(request.POST, officers=officers)
    if form.is_valid():
        d = form.cleaned_data
        assignee = User.objects.filter(pk=d["assignee"]).first()
        done = _call(
            form,
            svc.application_assign,
            actor=request.user,
            jurisdiction=j,
            application=app,
            assignee=assignee,
            expected_version=d["expected_version"],
        )
        if done is not None:
            messages.success(request, _("已分派给%(name)s。") % {"name": str(assignee)})
            return redirect("servicedesk:application", pk=app.pk)
    status = _refused(request, form)
    return _detail_page(request, j, app, bound={"assign": form}, status=status)


# --- materials ----------------------------------------------------------------------------------

_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@never_cache
@login_required
@require_GET
def material(request: HttpRequest, pk: int, mid: int) -> HttpResponse:
    """Stream one material of one application. Scans of ID cards and certificates show what the
    register masks, so only those who work the matter read them: the handling unit, the
    village's clerk, the applicant's household, or a role that may unmask; every read is
    audited, and a refusal inside the jurisdiction is an audited 403."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    app = application_for(j, pk)
    m: Material | None = app.materials.filter(pk=mid).first()
    if m is None:
        raise Http404
    if not (
        svc.is_handler(j, app)
        or svc.is_intake_clerk(j, app)
        or svc.is_applicant_side(j, app)
        or j.has_perm("residents.unmask")
    ):
        audit(
            "core.permission.denied",
            jurisdiction=j,
            obj=m,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": "servicedesk.material"},
        )
        raise PermissionDenied("servicedesk.material")
    try:
        handle = m.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit(
        "servicedesk.material.downloaded",
        actor=request.user,
        jurisdiction=j,
        obj=m,
        detail={"application": app.pk, "doc_type": m.doc_type, "reused": bool(m.reused_from_id)},
    )
    extension = _EXTENSIONS.get(m.content_type, "bin")
    label = "".join(ch for ch in m.name if ch not in "/\\\"'<>:*?|")[:40] or "material"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{app.number}-{label}.{extension}",
        content_type=m.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("intake/", intake, name="intake"),
    path("applications/", desk_list, name="desk_list"),
    path("applications/<int:pk>/", application, name="application"),
    path("applications/<int:pk>/act/", application_act, name="application_act"),
    path("applications/<int:pk>/reroute/", application_reroute, name="application_reroute"),
    path("applications/<int:pk>/assign/", application_assign, name="application_assign"),
    path("applications/<int:pk>/materials/<int:mid>/", material, name="material"),
]
