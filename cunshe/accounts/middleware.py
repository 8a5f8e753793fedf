"""Attach the active jurisdiction to each request, and hold staff to two-factor sign-in."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers

from cunshe.accounts import selectors

ACTIVE_ASSIGNMENT_KEY = "active_assignment_id"


def activate_for_request(request: HttpRequest, assignments: list) -> None:
    """Set request.assignments, request.assignment (the active one) and request.jurisdiction."""
    wanted = request.session.get(ACTIVE_ASSIGNMENT_KEY) if hasattr(request, "session") else None
    active = next((a for a in assignments if a.pk == wanted), None)
    if active is None and assignments:
        active = assignments[0]
    request.assignments = assignments
    request.assignment = active
    request.jurisdiction = active.jurisdiction() if active is not None else None


class JurisdictionMiddleware:
    """One query per signed-in request (assignments with their regions). A user with no live
    assignment gets jurisdiction None, and every scoped query then refuses to run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            activate_for_request(request, selectors.live_assignments_of(request.user))
        else:
            request.assignments = []
            request.assignment = None
            request.jurisdiction = None
        return self.get_response(request)


# Paths a signed-in staff member may reach before finishing two-factor sign-in. The API is
# listed because it answers for itself (tokens, or a 403 for an unverified session).
_TWO_FACTOR_EXEMPT = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/preferences/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/api/",
)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.REQUIRE_STAFF_2FA
            and request.user.is_authenticated
            and not request.path.startswith(_TWO_FACTOR_EXEMPT)
            and selectors.needs_two_factor(request.assignments)
            and not request.user.is_verified()
        ):
            if request.headers.get("HX-Request"):
                return JsonResponse({"code": "two_factor_required"}, status=403)
            return redirect("accounts:two_factor")
        return self.get_response(request)


class LanguageMiddleware:
    """Chinese unless the person chose otherwise: their saved preference, then the language
    cookie (set by the switcher, also before sign-in). Accept-Language is honoured only by the
    API, where a client sets it on purpose: a clerk's office PC with an English browser must
    still show a Chinese interface. Replaces Django's LocaleMiddleware (no language prefixes
    in URLs here)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def _choose(self, request: HttpRequest) -> str:
        if request.path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" in request.META:
            # An API client's header is a deliberate per-request choice.
            return translation.get_language_from_request(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in self.supported:
            return user.language
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if cookie in self.supported:
            return cookie
        return settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._choose(request)
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # Leave the thread as it was: the next request (or test) must not inherit this one's
            # language. Responses are rendered by now.
            if previous:
                translation.activate(previous)
            else:
                translation.deactivate()
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response
