"""Sign-in, two-factor, role switching and preferences."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from cunshe.accounts import selectors, services
from cunshe.accounts.forms import LoginForm, PreferencesForm, TokenForm
from cunshe.accounts.middleware import ACTIVE_ASSIGNMENT_KEY, activate_for_request
from cunshe.core.audit import audit
from cunshe.core.masking import mask_phone
from cunshe.core.models import AuditEvent


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return fallback


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            auth_login(request, user)
            request.session.cycle_key()
            # Record the sign-in under the role the session starts with.
            activate_for_request(request, selectors.live_assignments_of(user))
            audit("accounts.login.succeeded", actor=user)
            response = redirect(_safe_next(request))
            _set_language_cookie(response, user.language)
            return response
        locked = getattr(request, "axes_locked_out", False)
        audit(
            "accounts.login.locked" if locked else "accounts.login.failed",
            outcome=AuditEvent.Outcome.DENIED if locked else AuditEvent.Outcome.FAILURE,
            detail={"username_hint": mask_phone(request.POST.get("username", "")[:40])},
        )
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


def lockout_response(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Shown by django-axes instead of the login page while an account is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit("accounts.logout.succeeded")
    auth_logout(request)
    return redirect("accounts:login")


def _qr_data_uri(config_url: str) -> str:
    # A data: URI (allowed by the CSP's img-src) keeps the secret off any cacheable URL.
    return segno.make(config_url, error="m").svg_data_uri(scale=5)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device on first use, then ask for a code at every sign-in."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    device, enrolling = services.totp_device_for(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                services.totp_confirm(user=user, device=device)
            otp_login(request, device)
            audit("accounts.two_factor.verified")
            return redirect(_safe_next(request))
        audit("accounts.two_factor.failed", outcome=AuditEvent.Outcome.FAILURE)
        form.add_error("token", _("验证码不正确或已过期，请重新输入。"))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request, "")}
    if enrolling:
        context["qr"] = _qr_data_uri(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def switch_assignment(request: HttpRequest) -> HttpResponse:
    """Make another of the user's own live assignments the active one."""
    try:
        wanted = int(request.POST.get("assignment", ""))
    except ValueError:
        wanted = -1
    chosen = next((a for a in request.assignments if a.pk == wanted), None)
    if chosen is None:
        messages.error(request, _("无法切换到该角色。"))
    else:
        request.session[ACTIVE_ASSIGNMENT_KEY] = chosen.pk
        audit(
            "accounts.role.switched",
            jurisdiction=chosen.jurisdiction(),
            obj=chosen,
        )
    return HttpResponseRedirect(_safe_next(request))


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Language and age-friendly mode: kept on the user, or in cookies before sign-in."""
    form = PreferencesForm(request.POST)
    response = HttpResponseRedirect(_safe_next(request))
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"] or None
    age = form.cleaned_data["age_friendly"]
    age_friendly = None if age == "" else age == "1"
    if request.user.is_authenticated:
        services.user_set_preferences(
            user=request.user, language=language, age_friendly=age_friendly
        )
    if language:
        _set_language_cookie(response, language)
    if age_friendly is not None:
        response.set_cookie(
            "cunshe_age_friendly",
            "1" if age_friendly else "0",
            max_age=365 * 24 * 3600,
            samesite="Lax",
        )
    return response
