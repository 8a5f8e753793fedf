"""The API: /api/v1/ on Django Ninja; the OpenAPI document also at /api/openapi.json.

Authentication (cunshe.api.auth), the error shape (cunshe.api.errors) and pagination
(cunshe.api.pagination) are set here once for every app's router. docs/api.md explains them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Router

from cunshe.api import errors
from cunshe.api.auth import session_auth, token_auth
from cunshe.api.docs import LocalSwagger

_UNSAFE = {"post", "put", "patch", "delete"}


class CunsheAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params=None):  # type: ignore[no-untyped-def]
        """Ninja's document, plus the shared error shape on every operation that can answer it
        (so clients, and schemathesis, know what a 401/403/404/422/400 looks like)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = errors.ErrorOut.model_json_schema()
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                _add_error_responses(method, operation, ref)
        return schema


def _add_error_responses(method: str, operation: dict[str, Any], ref: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    present = {str(code) for code in responses}
    wanted: dict[int, str] = {404: "Not found", 500: "Server error"}
    if operation.get("security"):
        wanted |= {401: "Not authenticated", 403: "Forbidden"}
    if operation.get("parameters") or operation.get("requestBody"):
        wanted[422] = "Invalid input"
    if method in _UNSAFE:
        wanted |= {400: "Rejected by a business rule", 409: "Conflict"}
    for code, description in wanted.items():
        if str(code) not in present:
            responses[code] = {"description": description, **ref}


api = CunsheAPI(
    title="村社通 API",
    version="1",
    description=(
        "村社通平台接口。认证：浏览器会话（写操作需 CSRF）或个人访问令牌 "
        "`Authorization: Bearer cst_…`。错误统一为 {code, message, fields}。详见 docs/api.md。"
    ),
    urls_namespace="api",
    auth=[token_auth, session_auth],
    docs=LocalSwagger(),
)
errors.install(api)

# Each app contributes a Router in its own api.py; they are mounted here, in one place.
api.add_router("/regions/", "cunshe.regions.api.router")
api.add_router("/me", "cunshe.api.me.router")
api.add_router("/residents/", "cunshe.residents.api.router")
api.add_router("/servicedesk/", "cunshe.servicedesk.api.router")
api.add_router("/care/", "cunshe.care.api.router")
api.add_router("/selfgov/", "cunshe.selfgov.api.router")
api.add_router("/volunteering/", "cunshe.volunteering.api.router")

# Last: any other path under /api/v1/ answers 404 in the error shape rather than an HTML page.
# Add routers above this line, or this would shadow them.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def not_found(request: HttpRequest, rest: str) -> None:
    from django.http import Http404

    raise Http404


api.add_router("", _fallback)


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        api.get_openapi_schema(path_prefix="/api/v1/"), json_dumps_params={"ensure_ascii": False}
    )
