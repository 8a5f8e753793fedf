"""Walk every URL pattern of the platform, pages and API, as the outsider and as an anonymous
visitor, filling path parameters with other villages' objects. The outsider must never get
another village's data; an anonymous visitor must be sent to sign in (or get 401 from the API)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cunshe.accounts.models import RoleAssignment
from cunshe.core.jurisdiction import system_scope

# Strings that appear only in data of 榆树市 (villages A, B): the outsider must never see them.
FOREIGN_MARKERS = (
    "闵家", "古城村", "榆树市", "220182", "clerk_a", "leader_a", "county_civil",
    "王建国", "王小宝", "A-001",
)  # fmt: skip

# Personal data among the markers: never shown to the outsider, not even on public pages.
PERSONAL_MARKERS = (
    "王建国",
    "王小宝",
    "A-001",
    "clerk_a",
    "leader_a",
    "county_civil",
    "13900001111",
)

# Pages that publish a village's public information on purpose (the catalogue lists, the public
# problem list, the status lookup, Open311): place names may appear, personal data may not.
PUBLIC_DATA_PREFIXES = (
    "/desk/villages/",
    "/desk/catalogue/",
    "/desk/status/",
    "/open311/",
    "/gov/villages/",
)

# Pages an anonymous visitor may open (they carry no personal data).
PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/healthz",
    "/api/openapi.json",
    "/api/v1/openapi.json",
    "/i18n/",
    "/static/",
    "/verify/",
    "/public/",
    *PUBLIC_DATA_PREFIXES,
)

_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns, prefix: str = "") -> Iterator[str]:
    for p in patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            yield prefix + route


_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^()]*\)")


def _from_regex(route: str) -> list[str]:
    """Our regex routes (Open311's `resource.<fmt>`) as routes with <name> parameters, once
    per format."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    return [
        "/" + _REGEX_GROUP.sub(r"<\g<name>>", route.replace("(?P<fmt>xml|json)", fmt))
        for fmt in ("json", "xml")
    ]


def all_routes() -> list[str]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.startswith("^"):
            continue  # django's own regex helpers (static files)
        if "(?P" in route:
            routes.extend(_from_regex(route))
            continue
        routes.append("/" + route)
    return sorted(set(routes))


def _foreign_records(cast) -> set[int]:  # type: ignore[no-untyped-def]
    """Records of village A in every app (register, notifications, tokens); their ids."""
    from datetime import date

    from cunshe.accounts.services import api_token_create
    from cunshe.core.notifications import notify
    from cunshe.residents import idcard, services
    from cunshe.residents.codes import EventKind

    clerk = cast.clerk_a
    assignment = RoleAssignment.objects.get(user=clerk)
    j = assignment.jurisdiction()
    household = services.household_create(
        actor=clerk, jurisdiction=j, region=cast.village_a, number="A-001"
    )
    head = services.person_register(
        actor=clerk,
        jurisdiction=j,
        household=household,
        relationship="02",
        name="王建国",
        id_number=idcard.make("220182", date(1975, 5, 5), 1, "M"),
        since=date(2020, 1, 1),
    )
    child = services.person_register(
        actor=clerk,
        jurisdiction=j,
        household=household,
        relationship="20",
        name="王小宝",
        id_number=idcard.make("220182", date(2019, 5, 5), 2, "M"),
        since=date(2020, 1, 1),
    )
    event = services.event_record(
        actor=clerk,
        jurisdiction=j,
        person=head,
        kind=EventKind.LEAVE_FOR_WORK,
        occurred_on=date(2024, 3, 1),
        destination="长春",
    )
    token, _secret = api_token_create(user=clerk, assignment=assignment, name="A token")
    notify(recipient=clerk, subject="闵家村通知", body="闵家村")
    return {household.pk, head.pk, child.pk, event.pk, token.pk, *_desk_records(cast, head)}


def _desk_records(cast, person) -> set[int]:  # type: ignore[no-untyped-def]
    """Village A's service-desk records: an application with a material, finished and rated
    badly (a rectification), a booking at the township window, a problem report with its
    reporter, an Open311 client of the county."""
    from datetime import time

    from django.utils import timezone

    from cunshe.core.workdays import add_working_days
    from cunshe.servicedesk.models import ReportCategory
    from cunshe.servicedesk.services import appointments, ratings, reports
    from cunshe.servicedesk.tests.factories import act, make_item, submit, upload

    person.account = cast.villager
    person.phone = "13900001111"
    person.save()
    item = make_item("OUT-1")
    req = item.materials.first()
    app = submit(cast, person, item, uploads={req.pk: upload()})
    for step in ("accept", "start", "approve"):
        app = act(cast, app, step)
    app = act(cast, app, "deliver", by="clerk_a")
    villager = cast.villager
    villager_j = RoleAssignment.objects.get(user=villager).jurisdiction()
    rating = ratings.rating_submit(
        actor=villager, jurisdiction=villager_j, application=app, score=1, indicators=["超时办理"]
    )
    township_j = RoleAssignment.objects.get(user=cast.township_officer).jurisdiction()
    window = appointments.window_create(
        actor=cast.township_officer, jurisdiction=township_j, region=cast.township,
        name="闵家镇便民服务中心",
    )  # fmt: skip
    day = add_working_days(timezone.localdate(), 3)
    appointments.slots_generate(
        actor=cast.township_officer, jurisdiction=township_j, window=window, start=day, end=day,
        weekdays=range(7), times=[(time(9, 0), time(9, 30))], capacity=2,
    )  # fmt: skip
    slot = window.slots.get()
    booking = appointments.booking_create(
        actor=villager, jurisdiction=villager_j, slot=slot, person=person,
        idempotency_key="outsider-walk",
    )  # fmt: skip
    category = ReportCategory.objects.create(
        code="rubbish", name="垃圾", level="village", department=""
    )
    clerk_j = RoleAssignment.objects.get(user=cast.clerk_a).jurisdiction()
    report = reports.report_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, category=category,
        description="村口垃圾堆放", address="闵家村村口", reporter_name="王建国",
        reporter_phone="13900001111",
    )  # fmt: skip
    county_j = RoleAssignment.objects.get(user=cast.county_civil).jurisdiction()
    client, _key = reports.open311_client_create(
        actor=cast.county_civil, jurisdiction=county_j, name="榆树市随手拍", region=cast.county
    )
    return {
        app.pk, app.materials.first().pk, rating.pk, rating.rectification.pk, window.pk,
        slot.pk, booking.pk, report.pk, client.pk, item.pk,
    }  # fmt: skip


def _foreign_values(cast) -> dict[str, list[str]]:
    """Candidate path values that point at villages A/B's people and records."""
    ints = _foreign_records(cast)
    with system_scope("outsider walk test"):
        from cunshe.core.models import Notification

        ints |= {cast.clerk_a.pk, cast.leader_a.pk, cast.county_civil.pk}
        ints |= set(
            RoleAssignment.objects.filter(user__in=[cast.clerk_a, cast.county_civil]).values_list(
                "pk", flat=True
            )
        )
        ints |= set(
            Notification.objects.filter(recipient=cast.clerk_a).values_list("pk", flat=True)
        )
        from cunshe.servicedesk.models import ProblemReport

        # Open311 names a report by its number and a posted request by its token.
        report_keys = [
            value
            for row in ProblemReport.objects.values_list("number", "token", "category__code")
            for value in row
        ]
    return {
        "int": [str(i) for i in sorted(ints)],
        "str": ["220182102200", "220182", *report_keys],
    }


def _fill(route: str, values: dict[str, list[str]]) -> list[str]:
    params = list(_PARAM.finditer(route))
    if not params:
        return [route]
    urls = []
    kinds = ["int" if (m.group("conv") or "str") in {"int"} else "str" for m in params]
    count = max(len(values[k]) for k in kinds)
    for i in range(count):
        url = route
        for m, kind in zip(params, kinds, strict=True):
            options = values[kind]
            url = url.replace(m.group(0), options[i % len(options)], 1)
        urls.append(url)
    return urls


def _fingerprint() -> str:
    """A digest of the rows that outsiders' requests must never change."""
    from django.apps import apps

    h = hashlib.sha256()
    with system_scope("outsider walk fingerprint"):
        for label in (
            "accounts.User",
            "accounts.RoleAssignment",
            "accounts.ApiToken",
            "regions.Region",
            "core.Notification",
            "residents.Household",
            "residents.Person",
            "residents.ResidenceEvent",
            "servicedesk.Application",
            "servicedesk.ApplicationEvent",
            "servicedesk.Material",
            "servicedesk.Rating",
            "servicedesk.Rectification",
            "servicedesk.CallBack",
            "servicedesk.ServiceWindow",
            "servicedesk.Slot",
            "servicedesk.Booking",
            "servicedesk.ProblemReport",
            "servicedesk.ReportUpdate",
            "servicedesk.Open311Client",
            "servicedesk.CountyAdjustment",
        ):
            model = apps.get_model(label)
            for row in model._base_manager.order_by("pk").values():
                row.pop("last_login", None)
                h.update(repr(sorted(row.items())).encode())
    return h.hexdigest()


def test_route_discovery_finds_pages_and_api():
    routes = all_routes()
    assert any(r.startswith("/api/v1/") for r in routes)
    assert "/accounts/users/" in routes
    assert "/open311/v2/requests/<request_id>.xml" in routes


@pytest.mark.django_db
def test_outsider_gets_nothing_of_another_village(cast, client_as):
    outsider: Client = client_as("outsider")
    values = _foreign_values(cast)
    before = _fingerprint()
    leaks = []
    for route in all_routes():
        if route.startswith("/static/"):
            continue
        for url in _fill(route, values):
            response = outsider.get(url)
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            markers = (
                PERSONAL_MARKERS if route.startswith(PUBLIC_DATA_PREFIXES) else FOREIGN_MARKERS
            )
            found = [m for m in markers if m in text]
            if found:
                leaks.append(f"GET {url} -> {response.status_code} shows {found}")
            if "<" in route:
                post = outsider.post(url, {})
                post_body = post.content.decode("utf-8", "replace")
                if 200 <= post.status_code < 300 and any(m in post_body for m in markers):
                    leaks.append(f"POST {url} -> {post.status_code} shows foreign data")
    assert not leaks, "\n".join(leaks)
    assert _fingerprint() == before, "an outsider's request changed another village's data"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(cast):
    anonymous = Client()
    values = _foreign_values(cast)
    wrong = []
    for route in all_routes():
        if route.startswith(PUBLIC_PREFIXES):
            continue
        for url in _fill(route, values):
            response = anonymous.get(url)
            status = response.status_code
            if url.startswith("/api/"):
                ok = status in (401, 404, 405)
            else:
                ok = (status == 302 and "/accounts/login/" in response["Location"]) or status in (
                    404,
                    405,
                )
            if not ok:
                wrong.append(f"GET {url} -> {status}")
    assert not wrong, "\n".join(wrong)
