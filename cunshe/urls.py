import os

from django.http import JsonResponse
from django.urls import include, path

from cunshe.api.api import api, openapi_json
from cunshe.web import views as web_views

urlpatterns = [
    path("", include("cunshe.web.urls")),
    path("accounts/", include("cunshe.accounts.urls")),
    path("regions/", include("cunshe.regions.urls")),
    path("residents/", include("cunshe.residents.urls")),
    path("desk/", include("cunshe.servicedesk.urls")),
    path("care/", include("cunshe.care.urls")),
    path("gov/", include("cunshe.selfgov.urls")),
    path("vol/", include("cunshe.volunteering.urls")),
    path("open311/v2/", include("cunshe.servicedesk.open311_urls")),
    path("core/", include("cunshe.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/openapi.json", openapi_json, name="openapi-json"),
    path("api/v1/", api.urls),
    path("healthz", web_views.healthz, name="healthz"),
]

if os.environ.get("CUNSHE_BENCH_ENDPOINT") == "1":
    # The baseline for bench/api_children_load.py: Django's request cycle and nothing else.
    urlpatterns.append(path("bench/bare", lambda request: JsonResponse({"ok": True})))
