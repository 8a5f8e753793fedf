"""Open311 GeoReport v2 under /open311/v2/: each resource as .xml or .json."""

from django.urls import re_path

from cunshe.servicedesk import open311

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[A-Za-z0-9_-]{1,30})" + FMT, open311.service_definition,
            name="service"),
    re_path(r"^requests" + FMT, open311.service_requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[A-Za-z0-9]{1,20})" + FMT, open311.service_request,
            name="request"),
    re_path(r"^tokens/(?P<token>[A-Za-z0-9_-]{1,64})" + FMT, open311.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, open311.service_request_updates, name="updates"),
]  # fmt: skip
