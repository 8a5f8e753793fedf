"""One error shape for every API answer that is not a success.

    {"code": "not_found", "message": "<in the caller's language>", "fields": {"name": ["…"]}}

`code` is stable and meant for programs; `message` is for people and follows the request's
language (LocaleMiddleware: cookie, Accept-Language; token clients fall back to the user's own
preference); `fields` maps input names to messages and is empty when no field is to blame.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("cunshe.api")

NON_FIELD = "__all__"  # the same key Django uses for errors that belong to no one field
# PermissionDenied raised by access functions carries a permission name ("regions.view"), which
# is not a sentence for people; services raise it with a translated sentence instead.
_PERMISSION_NAME = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ApiError(Exception):
    """Raise from handlers or auth to answer with the error shape and a chosen status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _respond(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = api.create_response(request, error_body(code, message, fields), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- validation (422) ---------------------------------------------------------------------


def _pydantic_message(error: dict[str, Any]) -> str:
    """A message for one pydantic error in the active language (pydantic's own are English)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("此项为必填项。")
    if kind in {"string_too_long", "too_long"}:
        return _("最多 %(max)s 个字符。") % {"max": ctx.get("max_length", "")}
    if kind in {"string_too_short", "too_short"}:
        if ctx.get("min_length") == 1:
            return _("此项不能为空。")
        return _("至少 %(min)s 个字符。") % {"min": ctx.get("min_length", "")}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("请输入整数。")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("请输入数字。")
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt", ""))
        return _("不能小于 %(limit)s。") % {"limit": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt", ""))
        return _("不能大于 %(limit)s。") % {"limit": limit}
    if kind.startswith("datetime"):
        return _("请输入有效的日期时间，例如 2026-05-01T08:00:00+08:00。")
    if kind.startswith("date"):
        return _("请输入有效的日期，例如 2026-05-01。")
    if kind.startswith("bool"):
        return _("请输入 true 或 false。")
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return _("请求内容不是有效的 JSON 对象。")
    if kind in {"literal_error", "enum"}:
        return _("不是允许的选项。")
    if kind == "string_pattern_mismatch":
        return _("格式不正确。")
    if kind == "string_type":
        return _("请输入文字。")
    if kind == "list_type":
        return _("请输入列表。")
    if kind == "cursor_invalid":
        return _("分页游标无效，请从第一页重新开始。")
    if kind == "value_error" and ctx.get("error"):
        # Our own validators raise translated sentences; pydantic prefixes "Value error, ".
        return str(ctx["error"])
    return _("输入无效。")


def _field_name(loc: Any) -> str:
    """('body', 'payload', 'name') -> 'name'; ('query', 'page') -> 'page'."""
    parts = [str(p) for p in (loc or ())]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        source, parts = parts[0], parts[1:]
        # Ninja names a body by the handler's parameter; clients never see that name.
        if source in {"body", "form"} and len(parts) > 1:
            parts = parts[1:]
        elif source in {"body", "form"}:
            return NON_FIELD
    return ".".join(parts) or NON_FIELD


def fields_from_pydantic(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc")), []).append(_pydantic_message(error))
    return fields


def fields_from_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


# --- handlers -----------------------------------------------------------------------------


def install(api: NinjaAPI) -> None:
    """Replace Ninja's default handlers with ones that answer in the shape above."""

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _respond(api, request, exc.status, exc.code, exc.message, exc.fields, exc.headers)

    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return _respond(
            api,
            request,
            422,
            "invalid",
            _("提交的内容有误，请检查后重试。"),
            fields_from_pydantic(exc.errors),
        )

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = fields_from_django(exc)
        general = fields.get(NON_FIELD)
        message = general[0] if general else _("提交的内容有误，请检查后重试。")
        return _respond(api, request, 400, "invalid", message, fields)

    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _respond(
            api,
            request,
            401,
            "not_authenticated",
            _("请先登录，或在 Authorization 头中提供有效的访问令牌。"),
            headers={"WWW-Authenticate": 'Bearer realm="cunshe"'},
        )

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # The access functions have already written the audit event for this refusal.
        text = str(exc)
        if not text or _PERMISSION_NAME.match(text):
            text = _("您没有执行此操作的权限。")
        return _respond(api, request, 403, "permission_denied", text)

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Never echo the exception: it may name a model or a lookup the caller may not see.
        return _respond(api, request, 404, "not_found", _("没有找到该资源，或您无权查看。"))

    def on_conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        logger.info("API conflict on %s: %s", request.path, exc)
        return _respond(api, request, 409, "conflict", _("与现有记录冲突，请刷新后重试。"))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 401:
            return on_unauthenticated(request, AuthenticationError())
        if status == 429:
            return _respond(api, request, 429, "throttled", _("请求过于频繁，请稍后再试。"))
        if status == 403:
            return _respond(api, request, 403, "permission_denied", _("您没有执行此操作的权限。"))
        if status == 404:
            return on_not_found(request, exc)
        if status == 400 and "parse" in str(exc).lower():  # Ninja: "Cannot parse request body"
            return _respond(api, request, 400, "bad_request", _("请求内容不是有效的 JSON 对象。"))
        return _respond(api, request, status, "bad_request", _("请求无法处理。"))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception(
            "Unhandled API error (request %s) on %s %s",
            getattr(request, "request_id", "-"),
            request.method,
            request.path,
        )
        return _respond(
            api,
            request,
            500,
            "server_error",
            _("服务器内部错误，请稍后重试。如果问题持续，请把请求编号 %(id)s 告诉管理员。")
            % {"id": getattr(request, "request_id", "-")},
        )

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(IntegrityError, on_conflict)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Exception, on_unexpected)
