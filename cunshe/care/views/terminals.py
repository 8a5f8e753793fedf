"""Care pages: the terminal register (care.terminals) and the review of parked messages from
unregistered terminals (care.parked, the system administrator).

Parse → check access → selector/service → render. A new secret is rendered once, on the page
answering the registration or the reset (never cached), and never again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.care.access import audit_read
from cunshe.care.forms_terminals import DeactivateForm, FilterForm, ParkedForm, TerminalForm
from cunshe.care.models import Terminal
from cunshe.care.rules import rule
from cunshe.care.selectors import terminals as selectors
from cunshe.care.services import terminals as services
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_phone
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
MAX_PAGE = 200


def _page_number(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


def _conflict() -> str:
    return _("该终端已被他人修改，请刷新后重试。")


def _scope(request: HttpRequest) -> Jurisdiction:
    return require_perm(
        request.jurisdiction,  # type: ignore[attr-defined]
        services.TERMINALS,
        action="care.permission.denied",
    )


def _decorate(rows: list[Terminal]) -> None:
    cutoff = selectors.offline_before()
    low = rule("LOW_BATTERY_PERCENT")
    for t in rows:
        t.online = t.active and t.last_seen_at is not None and t.last_seen_at >= cutoff  # type: ignore[attr-defined]
        t.low_battery = t.battery is not None and t.battery <= low  # type: ignore[attr-defined]
        t.phone_masked = mask_phone(t.callback_phone)  # type: ignore[attr-defined]


@login_required
@require_GET
def terminal_list(request: HttpRequest) -> HttpResponse:
    j = _scope(request)
    form = FilterForm(request.GET or None)
    page = _page_number(request.GET.get("page"))
    rows: list[Terminal] = []
    more = False
    if page <= MAX_PAGE and (not form.is_bound or form.is_valid()):
        start = (page - 1) * PAGE_SIZE
        rows = list(selectors.terminal_list(j, form.filters())[start : start + PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    _decorate(rows)
    audit_read(j, "terminals", count=len(rows), page=page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "care/terminal_list.html",
        {
            "form": form,
            "terminals": rows,
            "page": page,
            "more": more,
            "query": query.urlencode(),
            "offline_minutes": rule("OFFLINE_AFTER_MINUTES"),
        },
    )


def _secret_page(request: HttpRequest, terminal: Terminal, secret: str, new: bool) -> HttpResponse:
    response = render(
        request,
        "care/terminal_secret.html",
        {"terminal": terminal, "secret": secret, "new": new},
    )
    response["Cache-Control"] = "no-store"
    return response


def _extra_person(request: HttpRequest) -> int | None:
    raw = request.GET.get("person") or request.POST.get("person") or ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def terminal_new(request: HttpRequest) -> HttpResponse:
    j = _scope(request)
    extra = _extra_person(request)
    initial = {"person": extra} if extra else None
    form = TerminalForm(request.POST or None, jurisdiction=j, extra_person=extra, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            made = call_into_form(
                form,
                services.terminal_register,
                actor=request.user,
                jurisdiction=j,
                **{k: v for k, v in form.cleaned_data.items() if k != "version"},
            )
            if made is not None:
                return _secret_page(request, made[0], made[1], new=True)
        status = 400
    return render(
        request, "care/terminal_form.html", {"form": form, "terminal": None}, status=status
    )


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    terminal: Terminal,
    *,
    deactivate_form: DeactivateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _decorate([terminal])
    audit_read(j, "terminal", obj=terminal)
    return render(
        request,
        "care/terminal_detail.html",
        {
            "terminal": terminal,
            "events": selectors.terminal_events(terminal),
            "deactivate_form": deactivate_form or DeactivateForm(),
            "offline_minutes": rule("OFFLINE_AFTER_MINUTES"),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def terminal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    terminal = selectors.get_terminal_for(j, pk)
    if request.method == "GET":
        return _detail(request, j, terminal)
    action = request.POST.get("action", "")
    kwargs = {"actor": request.user, "jurisdiction": j, "terminal": terminal}
    if action == "deactivate":
        form = DeactivateForm(request.POST)
        if form.is_valid() and call_into_form(
            form,
            services.terminal_set_active,
            active=False,
            reason=form.cleaned_data["reason"],
            **kwargs,
        ):
            messages.success(request, _("终端已停用，其后的消息将转入未登记消息待审。"))
            return redirect("care:terminal", pk=terminal.pk)
        return _detail(request, j, terminal, deactivate_form=form, status=400)
    if action == "reactivate":
        try:
            services.terminal_set_active(active=True, **kwargs)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return _detail(request, j, terminal, status=400)
        messages.success(request, _("终端已重新启用。"))
        return redirect("care:terminal", pk=terminal.pk)
    if action == "reset_secret":
        terminal, secret = services.terminal_reset_secret(**kwargs)
        return _secret_page(request, terminal, secret, new=False)
    return _detail(request, j, terminal, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def terminal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    terminal = selectors.get_terminal_for(j, pk)
    initial = {
        "person": terminal.person_id,
        "model_name": terminal.model_name,
        "callback_phone": terminal.callback_phone,
        "checkin_start": terminal.checkin_start,
        "checkin_end": terminal.checkin_end,
        "version": terminal.version,
    }
    form = TerminalForm(
        request.POST or None,
        jurisdiction=j,
        editing=True,
        extra_person=terminal.person_id,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            done = call_into_form(
                form,
                services.terminal_update,
                refusals={services.ConcurrentEdit: _conflict()},
                actor=request.user,
                jurisdiction=j,
                terminal=terminal,
                version=data["version"],
                person=data["person"],
                callback_phone=data["callback_phone"],
                model_name=data["model_name"],
                checkin_start=data["checkin_start"],
                checkin_end=data["checkin_end"],
                window=True,
            )
            if done is not None:
                messages.success(request, _("已保存。"))
                return redirect("care:terminal", pk=terminal.pk)
        status = 400
    else:
        audit_read(j, "terminal", obj=terminal, editing=True)
    return render(
        request, "care/terminal_form.html", {"form": form, "terminal": terminal}, status=status
    )


# --- parked messages ----------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def parked_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(
        request.jurisdiction,  # type: ignore[attr-defined]
        services.PARKED,
        action="care.permission.denied",
    )
    status = 200
    form = ParkedForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if form.is_valid() and action in ("replay", "discard"):
            serial = form.cleaned_data["serial"]
            if action == "replay":
                counts = call_into_form(
                    form, services.parked_replay, actor=request.user, jurisdiction=j, serial=serial
                )
                if counts is not None:
                    summary = "，".join(f"{k} {v}" for k, v in sorted(counts.items()))
                    messages.success(
                        request,
                        _("已重新处理 %(serial)s 的消息：%(summary)s")
                        % {"serial": serial, "summary": summary},
                    )
                    return redirect("care:parked")
            else:
                n = call_into_form(
                    form,
                    services.parked_discard,
                    actor=request.user,
                    jurisdiction=j,
                    serial=serial,
                    reason=form.cleaned_data["reason"],
                )
                if n is not None:
                    messages.success(
                        request,
                        _("已将 %(serial)s 的 %(n)s 条消息标记为不予处理。")
                        % {"serial": serial, "n": n},
                    )
                    return redirect("care:parked")
        status = 400
    return render(
        request,
        "care/parked_list.html",
        {
            "groups": selectors.parked_by_serial(j),
            "counts": selectors.ingest_counts(j),
            "form": form if request.method == "POST" else None,
            "failed_serial": request.POST.get("serial", ""),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_GET
def parked_serial(request: HttpRequest, serial: str) -> HttpResponse:
    j = require_perm(
        request.jurisdiction,  # type: ignore[attr-defined]
        services.PARKED,
        action="care.permission.denied",
    )
    rows = selectors.parked_messages(j, serial)
    if not rows:
        raise Http404
    return render(request, "care/parked_serial.html", {"serial": serial, "rows": rows})


urlpatterns = [
    path("terminals/", terminal_list, name="terminals"),
    path("terminals/new/", terminal_new, name="terminal_new"),
    path("terminals/<int:pk>/", terminal_detail, name="terminal"),
    path("terminals/<int:pk>/edit/", terminal_edit, name="terminal_edit"),
    path("parked/", parked_list, name="parked"),
    path("parked/<str:serial>/", parked_serial, name="parked_serial"),
]
