"""The API: /api/v1/ on Django Ninja; the OpenAPI document also at /api/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI

api = NinjaAPI(title="村社通 API", version="1", urls_namespace="api")

# Each app contributes a Router in its own api.py; they are mounted here, in one place.
api.add_router("/regions/", "cunshe.regions.api.router")


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        api.get_openapi_schema(path_prefix="/api/v1/"), json_dumps_params={"ensure_ascii": False}
    )
