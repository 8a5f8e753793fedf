"""How API callers prove who they are.

Two ways, tried in this order:
  1. a personal bearer token `Authorization: Bearer cst_<prefix>_<secret>`, which acts as exactly
     one of the owner's live role assignments (machine clients, scripts);
  2. the browser session of a signed-in user (the pages' htmx/JS calls), with CSRF checked on
     unsafe methods and two-factor sign-in required of staff, as for the pages.
"""

from __future__ import annotations

import hmac
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from cunshe.accounts.models import ApiToken, RoleAssignment
from cunshe.accounts.selectors import needs_two_factor
from cunshe.api.errors import ApiError
from cunshe.core.access import require_jurisdiction
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent

# cst_ + 8 hex digits (the stored prefix) + _ + the url-safe secret (see ApiToken.generate).
_TOKEN_FORMAT = re.compile(r"^cst_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")
# Writing last_used_at on every call would turn each read into a write; a minute is precise
# enough to tell an owner whether a token is still in use.
LAST_USED_GRANULARITY = timedelta(minutes=1)
# Compared against when the prefix is unknown, so that both paths cost one hash comparison.
_DUMMY_HASH = ApiToken.hash("cst_00000000_dummy-secret-for-constant-time")


def _reject(request: HttpRequest, reason: str, token: ApiToken | None = None) -> ApiError:
    """Audit a refused token (never the token itself) and build the 401 to raise."""
    audit(
        "api.token.rejected",
        obj=token,
        outcome=AuditEvent.Outcome.FAILURE,
        detail={"reason": reason, **({"prefix": token.prefix} if token else {})},
        request=request,
    )
    return ApiError(
        401,
        "token_invalid",
        _("访问令牌无效、已过期或已被撤销。"),
        headers={"WWW-Authenticate": 'Bearer realm="cunshe", error="invalid_token"'},
    )


def _prefer_user_language(request: HttpRequest, language: str) -> None:
    """Token clients rarely send Accept-Language; answer them in the owner's own language."""
    if (
        language
        and "HTTP_ACCEPT_LANGUAGE" not in request.META
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    ):
        translation.activate(language)
        request.LANGUAGE_CODE = language


class TokenAuth(HttpBearer):
    """Personal API tokens. A token carries the scope of one live assignment, never more."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return None  # no token offered: let the session try
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        match = _TOKEN_FORMAT.match(token)
        if match is None:
            raise _reject(request, "malformed")
        prefix = match.group(1)
        assignment_live = RoleAssignment.objects.active().filter(pk=OuterRef("assignment_id"))
        row = (
            ApiToken.objects.select_related("user", "assignment__region")
            .annotate(assignment_live=Exists(assignment_live))
            .filter(prefix=prefix)
            .first()
        )
        digest = ApiToken.hash(token)
        if row is None:
            hmac.compare_digest(_DUMMY_HASH, digest)
            raise _reject(request, "unknown")
        if not hmac.compare_digest(row.token_hash, digest):
            raise _reject(request, "mismatch", row)
        now = timezone.now()
        if row.revoked_at is not None:
            raise _reject(request, "revoked", row)
        if row.expires_at is not None and row.expires_at <= now:
            raise _reject(request, "expired", row)
        if not row.user.is_active:
            raise _reject(request, "user_inactive", row)
        if not row.assignment_live:
            raise _reject(request, "assignment_ended", row)
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now

        user = row.user
        # A token is not a second factor of a sign-in; say so to any code that asks.
        user.otp_device = None
        user.is_verified = lambda: False
        assignment = row.assignment
        request.user = user
        request.api_token = row
        request.assignments = [assignment]
        request.assignment = assignment
        request.jurisdiction = assignment.jurisdiction()
        _prefer_user_language(request, user.language)
        return row


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, held to the same rules as the pages."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # nothing to check CSRF for; the caller gets 401
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if request.method not in {"GET", "HEAD", "OPTIONS", "TRACE"} and not getattr(
            request, "_ninja_csrf_exempt", False
        ):
            if check_csrf(request) is not None:
                raise ApiError(
                    403,
                    "csrf_failed",
                    _("安全校验失败（CSRF），请刷新页面后重试。"),
                )
        if (
            settings.REQUIRE_STAFF_2FA
            and needs_two_factor(getattr(request, "assignments", []))
            and not user.is_verified()
        ):
            raise ApiError(
                403, "two_factor_required", _("工作人员须先完成两步验证（动态验证码）。")
            )
        request.api_token = None
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()


def require_session(request: HttpRequest) -> None:
    """Refuse token callers for actions that a leaked token must never be able to take."""
    if getattr(request, "api_token", None) is not None:
        raise ApiError(
            403,
            "session_required",
            _("此操作只能在登录后的浏览器中进行，不能使用访问令牌。"),
        )


def request_jurisdiction(request: HttpRequest) -> Jurisdiction:
    """The jurisdiction an API handler acts under: 401 when nobody is signed in (no session, no
    token), 404 (nothing in scope) when signed in without a live role."""
    jurisdiction = getattr(request, "jurisdiction", None)
    user = getattr(request, "user", None)
    if jurisdiction is None and (user is None or not user.is_authenticated):
        raise AuthenticationError()
    return require_jurisdiction(jurisdiction)
