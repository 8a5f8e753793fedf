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

# --- care (issue 5): village A's care records name these people and this terminal ---
CARE_MARKERS = ("李秀英", "赵桂兰", "A-TERM-0001", "A-PARKED-0001")
FOREIGN_MARKERS = (*FOREIGN_MARKERS, *CARE_MARKERS)
# --- end care ---

# Personal data among the markers: never shown to the outsider, not even on public pages.
PERSONAL_MARKERS = (
    "李秀英",  # care (issue 5)
    "赵桂兰",  # care (issue 5)
    "王建国",
    "王小宝",
    "A-001",
    "clerk_a",
    "leader_a",
    "county_civil",
    "13900001111",
)

# --- selfgov (issue 7): the people of village A's selfgov records ---
SELFGOV_MARKERS = ("钱德福", "孙玉梅", "钱小军")
FOREIGN_MARKERS = (*FOREIGN_MARKERS, *SELFGOV_MARKERS)
PERSONAL_MARKERS = (*PERSONAL_MARKERS, *SELFGOV_MARKERS)
# --- end selfgov ---

# --- volunteering (issue 6): village A's volunteers, donor and store; 蒋志远 agreed to be named
# on the village's public volunteers page, so his name is foreign but not personal there ---
VOL_PERSONAL_MARKERS = ("冯秀云", "VOL-A-0001", "VOL-A-0002", "匿名捐赠人", "13900002222")
VOL_MARKERS = ("蒋志远", "闵家村志愿者协会", *VOL_PERSONAL_MARKERS)
FOREIGN_MARKERS = (*FOREIGN_MARKERS, *VOL_MARKERS)
PERSONAL_MARKERS = (*PERSONAL_MARKERS, *VOL_PERSONAL_MARKERS)
# --- end volunteering ---

# Pages that publish a village's public information on purpose (the catalogue lists, the public
# problem list, the status lookup, Open311): place names may appear, personal data may not.
PUBLIC_DATA_PREFIXES = (
    "/desk/villages/",
    "/desk/catalogue/",
    "/desk/status/",
    "/open311/",
    "/gov/villages/",
    "/vol/public/",  # volunteering (issue 6): the village's public volunteering pages
    "/vol/cert/",  # volunteering (issue 6): the public certificate check (masked name)
    "/api/v1/volunteering/records/certificates/check/",  # the same check in the API
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

# Routes that answer anonymous POSTs on purpose and must answer GET with nothing: terminal
# messages are authenticated each by its own signature (care, issue 5; docs/terminals.md).
ANONYMOUS_POST_ONLY = ("/api/v1/care/terminals/events",)

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
    return {
        household.pk, head.pk, child.pk, event.pk, token.pk, *_desk_records(cast, head),
        *_care_records(cast, household, child),
        *_selfgov_records(cast),  # selfgov (issue 7)
        *_volunteering_records(cast, household),  # volunteering (issue 6)
    }  # fmt: skip


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


def _care_records(cast, household, child) -> set[int]:  # type: ignore[no-untyped-def]
    """Village A's care records (issue 5): a profile of each kind (the child's, a left-behind
    woman's, an elderly woman's), carers and family contacts, a visit with a photo, a need, a
    terminal with events, an SOS alert with its steps, the household's kin links and a message
    parked for an unregistered terminal."""
    from datetime import date, timedelta

    from django.utils import timezone

    from cunshe.care import ingest
    from cunshe.care.models import (
        Alert,
        AlertStep,
        CareProfile,
        CarerAssignment,
        Contact,
        KinLink,
        ParkedEvent,
        TerminalEvent,
    )
    from cunshe.care.services import identification, needs, profiles, terminals, visits
    from cunshe.care.services.profiles import ContactIn
    from cunshe.care.signing import sign
    from cunshe.demo.servicedesk import _photo
    from cunshe.residents import idcard, services

    clerk = cast.clerk_a
    j = RoleAssignment.objects.get(user=clerk).jurisdiction()
    wife = services.person_register(
        actor=clerk, jurisdiction=j, household=household, relationship="10", name="李秀英",
        id_number=idcard.make("220182", date(1980, 6, 6), 3, "F"), since=date(2020, 1, 1),
        marital_status="20",
    )  # fmt: skip
    mother = services.person_register(
        actor=clerk, jurisdiction=j, household=household, relationship="52", name="赵桂兰",
        id_number=idcard.make("220182", date(1950, 2, 2), 4, "F"), since=date(2020, 1, 1),
        marital_status="20",
    )  # fmt: skip
    identification.identify_persons(
        [household_member.pk for household_member in household.members.all()], refresh_kin=True
    )
    with system_scope("outsider walk: care set-up"):
        # Made directly: _desk_records saves a stale copy of the head, which puts him back
        # "here" (his leave for work undone), so the rules would not match them.
        woman, elderly = (
            CareProfile.objects.get_or_create(
                person=person, kind=kind,
                defaults={"region_id": person.region_id, "status": "candidate",
                          "identified_on": date(2024, 9, 1)},
            )[0]
            for person, kind in ((wife, "woman"), (mother, "elderly"))
        )  # fmt: skip
        kid = CareProfile.objects.create(
            person=child, region_id=child.region_id, kind="child", status="active",
            risk_level="high", identified_on=date(2024, 3, 1), reason=[], guardian_name="赵桂兰",
            guardian_relation="祖母", guardian_phone="13900001111",
        )  # fmt: skip
    for profile in (woman, elderly):
        identification.candidate_confirm(
            actor=clerk, jurisdiction=j, profile=profile, risk_level="priority"
        )
    elderly.refresh_from_db()
    profiles.carer_assign(
        actor=clerk, jurisdiction=j, profile=elderly, expected_version=None, carer_type="cadre",
        user=clerk,
    )  # fmt: skip
    profiles.profile_set_contacts(
        actor=clerk, jurisdiction=j, profile=elderly, expected_version=None,
        contacts=[ContactIn("王建国", "儿子", "13900001111", True)],
    )  # fmt: skip
    visit = visits.visit_record(
        actor=clerk, jurisdiction=j, profile=elderly, mode="home", findings="闵家村入户走访",
        visited_at=timezone.now() - timedelta(hours=2), photos=[_photo((90, 140, 60))],
    )  # fmt: skip
    need = needs.need_create(
        actor=clerk, jurisdiction=j, profile_id=elderly.pk, category="medical",
        description="赵桂兰需要陪同就医", visit_id=visit.pk,
    )  # fmt: skip
    terminal, secret = terminals.terminal_register(
        actor=clerk, jurisdiction=j, person=mother, serial="A-TERM-0001",
        callback_phone="13900001111",
    )  # fmt: skip
    at = timezone.localtime(timezone.now() - timedelta(minutes=3))
    messages = [
        sign(secret, {"v": 1, "id": f"walk-{kind}", "device": terminal.serial, "type": kind,
                      "at": at.isoformat(timespec="seconds"), "battery": 80})
        for kind in ("heartbeat", "sos")
    ]  # fmt: skip
    messages.append({"v": 1, "id": "walk-parked", "device": "A-PARKED-0001", "type": "sos",
                     "at": at.isoformat(timespec="seconds"), "sig": "0" * 64})  # fmt: skip
    ingest.ingest_batch(messages, "http")
    with system_scope("outsider walk: care ids"):
        alert = Alert.objects.get(terminal=terminal)
        ids = {
            woman.pk, elderly.pk, kid.pk, visit.pk, visit.photos.get().pk, need.pk, terminal.pk,
            alert.pk, *TerminalEvent.objects.filter(terminal=terminal).values_list("pk", flat=True),
            *AlertStep.objects.filter(alert=alert).values_list("pk", flat=True),
            *KinLink.objects.filter(person__household=household).values_list("pk", flat=True),
            *Contact.objects.filter(profile=elderly).values_list("pk", flat=True),
            *CarerAssignment.objects.filter(profile=elderly).values_list("pk", flat=True),
            *ParkedEvent.objects.values_list("pk", flat=True),
        }  # fmt: skip
        assert AlertStep.objects.filter(alert=alert).exists() and ParkedEvent.objects.exists()
    return ids


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
        "str": [
            "220182102200",
            "220182",
            *report_keys,
            "A-TERM-0001",
            "A-PARKED-0001",
            *VOL_TOKENS,
        ],  # volunteering (issue 6): QR, certificate and card tokens
    }


def _kind(route: str, m: re.Match[str]) -> str:
    if (m.group("conv") or "str") == "int":
        return "int"
    # care (issue 5): the care API names its integer ids without a converter ({alert_id}).
    if route.startswith("/api/v1/care/") and m.group("name").endswith("_id"):
        return "int"
    # volunteering (issue 6): its API names integer ids {pk} or {<thing>_id}, tokens {token}.
    if route.startswith("/api/v1/volunteering/") and (
        m.group("name") == "pk" or m.group("name").endswith("_id")
    ):
        return "int"
    return "str"


def _fill(route: str, values: dict[str, list[str]]) -> list[str]:
    params = list(_PARAM.finditer(route))
    if not params:
        return [route]
    urls = []
    kinds = [_kind(route, m) for m in params]
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
            *SELFGOV_TABLES,  # selfgov (issue 7)
            *VOL_TABLES,  # volunteering (issue 6)
            # care (issue 5); IngestCounter left out: anyone may make it count a bad message
            "care.KinLink", "care.CareProfile", "care.ProfileEvent", "care.Contact",
            "care.CarerAssignment", "care.Visit", "care.VisitPhoto", "care.CareNeed",
            "care.Terminal", "care.TerminalEvent", "care.ParkedEvent", "care.Alert",
            "care.AlertStep",
        ):  # fmt: skip
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


# --- care (issue 5) ---
@pytest.mark.django_db
def test_anonymous_post_only_routes_answer_get_with_nothing(cast):
    """The terminal ingestion endpoint takes signed messages from anyone, and nothing else:
    GET is refused without data, an empty or unsigned POST stores nothing."""
    routes = all_routes()
    values = _foreign_values(cast)
    before = _fingerprint()
    for route in ANONYMOUS_POST_ONLY:
        assert route in routes
        for client in (Client(), _outsider_client(cast)):
            got = client.get(route)
            assert got.status_code == 405
            text = got.content.decode("utf-8", "replace")
            assert not any(m in text for m in FOREIGN_MARKERS)
            assert client.post(route, {}).status_code == 400
            forged = client.post(
                route,
                [{"v": 1, "id": "x", "device": "A-TERM-0001", "type": "sos",
                  "at": "2026-01-01T08:00:00+08:00"}],
                content_type="application/json",
            )  # fmt: skip
            assert forged.status_code == 200
            assert forged.json()["results"][0]["outcome"] == "rejected"
            assert not any(m in forged.content.decode() for m in PERSONAL_MARKERS)
    assert values["int"]
    assert _fingerprint() == before


def _outsider_client(cast) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.outsider)
    return client


# --- end care ---


# --- selfgov (issue 7) ---
def _selfgov_records(cast) -> set[int]:  # type: ignore[no-untyped-def]
    """Village A's self-governance records (issue 7), through the services: a committee, a party
    branch and an assembly with members, a representatives' meeting with sign-ins and a decision,
    a branch meeting moving a 四议两公开 matter one step, a finance disclosure with a villager's
    question and its answer, an election with its roll (an opted-in villager away), a proxy and an
    objection. Their ids, also kept by kind in SELFGOV_IDS for the selfgov walk."""
    from datetime import date, timedelta

    from django.utils import timezone

    from cunshe.residents import idcard, services
    from cunshe.selfgov.models import Attendance, MatterStep, VoterRollEntry
    from cunshe.selfgov.services import bodies, disclosure, elections, matters, meetings

    clerk = cast.clerk_a
    j = RoleAssignment.objects.get(user=clerk).jurisdiction()
    today = timezone.localdate()
    household = services.household_create(
        actor=clerk, jurisdiction=j, region=cast.village_a, number="A-002"
    )
    people = []
    for rel, name, born, seq, sex in (
        ("02", "钱德福", date(1968, 4, 4), 7, "M"),
        ("10", "孙玉梅", date(1970, 8, 8), 8, "F"),
    ):
        person = services.person_register(
            actor=clerk, jurisdiction=j, household=household, relationship=rel, name=name,
            id_number=idcard.make("220182", born, seq, sex), since=date(2016, 3, 1),
        )  # fmt: skip
        people.append(person)
    husband, wife = people
    away = services.person_register(
        actor=clerk, jurisdiction=j, household=household, relationship="20", name="钱小军",
        id_number=idcard.make("220182", date(1995, 1, 9), 9, "M"), since=date(2016, 3, 1),
    )  # fmt: skip
    services.event_record(
        actor=clerk, jurisdiction=j, person=away, kind="leave_work",
        occurred_on=date(2024, 3, 1), destination="长春",
    )  # fmt: skip
    away.refresh_from_db()
    made = {}
    for kind, name in (("committee", "闵家村村民委员会"), ("party_branch", "闵家村党支部"),
                       ("assembly", "闵家村村民代表会议")):  # fmt: skip
        made[kind] = bodies.body_create(
            actor=clerk, jurisdiction=j, region=cast.village_a, kind=kind, name=name,
            term_start=date(2022, 1, 1),
        )  # fmt: skip
    members = []
    for kind, position in (
        ("committee", "chair"), ("party_branch", "chair"), ("assembly", "representative")
    ):  # fmt: skip
        for person in (husband, wife):
            member = bodies.membership_add(
                actor=clerk, jurisdiction=j, body=made[kind], person=person, position=position,
                start=date(2022, 1, 1),
            )  # fmt: skip
            members.append(member)
    start = timezone.now() - timedelta(hours=3)

    def hold(kind, body, agenda):  # type: ignore[no-untyped-def]
        meeting = meetings.meeting_convene(
            actor=clerk, jurisdiction=j, region=cast.village_a, kind=kind, body=body,
            title="闵家村会议", notice_on=today - timedelta(days=7), scheduled_at=start,
            place="村部", agenda=agenda,
        )  # fmt: skip
        meeting = meetings.meeting_open(actor=clerk, jurisdiction=j, meeting=meeting, now=start)
        for person in (husband, wife):
            meetings.attendee_sign_in(actor=clerk, jurisdiction=j, meeting=meeting, person=person)
        return meeting

    reps = hold("representatives", made["assembly"], ["村道维修方案"])
    item = reps.agenda.get()
    decision = meetings.decision_record(
        actor=clerk, jurisdiction=j, item=item, text="同意", named_votes={husband.pk: "for",
        wife.pk: "for"},
    )  # fmt: skip
    meetings.meeting_close(actor=clerk, jurisdiction=j, meeting=reps, minutes_text="闵家村记录")
    branch = hold("branch", made["party_branch"], ["提议村道维修"])
    matter = matters.matter_create(
        actor=clerk, jurisdiction=j, village=cast.village_a, title="闵家村村道维修",
        category="public_welfare",
    )  # fmt: skip
    matters.matter_advance(actor=clerk, jurisdiction=j, matter=matter, step=1, meeting=branch)
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    item_pub = disclosure.disclosure_publish(
        actor=clerk, jurisdiction=j, village=cast.village_a, category="finance",
        title="闵家村财务公开", body="收入：上级转移支付 20,000元", period_start=last_month,
        period_end=first - timedelta(days=1),
    )  # fmt: skip
    villager_j = RoleAssignment.objects.get(user=cast.villager).jurisdiction()
    question = disclosure.question_ask(
        actor=cast.villager, jurisdiction=villager_j, disclosure=item_pub, question="闵家村提问"
    )
    disclosure.question_answer(actor=clerk, jurisdiction=j, question=question, answer="闵家村答复")
    election = elections.election_create(
        actor=clerk, jurisdiction=j, village=cast.village_a, title="闵家村换届选举",
        vote_on=today + timedelta(days=40),
    )  # fmt: skip
    opt = elections.optin_record(
        actor=clerk, jurisdiction=j, election=election, person=away, opted_in_on=today
    )
    elections.roll_generate(actor=clerk, jurisdiction=j, election=election)
    elections.roll_publish(actor=clerk, jurisdiction=j, election=election)
    entries = {e.person_id: e for e in VoterRollEntry.objects.filter(election=election)}
    assert {husband.pk, wife.pk, away.pk} <= set(entries)
    proxy = elections.proxy_record(
        actor=clerk, jurisdiction=j, election=election, principal=entries[wife.pk],
        holder=entries[husband.pk], written_on=today,
    )  # fmt: skip
    objection = elections.objection_file(
        actor=clerk, jurisdiction=j, election=election, entry=entries[away.pk],
        text="闵家村异议", filed_by_name="钱德福",
    )  # fmt: skip
    # --- selfgov proposals and rules: a proposal with a second signature, a consultation, a
    # 村规民约 version adopted by a 村民会议 every adult of village A attended ---
    from cunshe.selfgov.models import ProposalSignature
    from cunshe.selfgov.selectors.bodies import adults
    from cunshe.selfgov.services import proposals as proposal_svc
    from cunshe.selfgov.services import village_rules as rules_svc

    proposal = proposal_svc.proposal_create(
        actor=clerk, jurisdiction=j, village=cast.village_a, title="闵家村提议", text="修渠",
        proposer=husband,
    )  # fmt: skip
    proposal_svc.proposal_sign(actor=clerk, jurisdiction=j, proposal=proposal, person=wife)
    consultation = proposal_svc.consultation_create(
        actor=clerk, jurisdiction=j, village=cast.village_a, topic="闵家村协商",
        parties="闵家村村委会", notice_on=today, notice_how="公告栏", proposal=proposal,
    )  # fmt: skip
    assembly = meetings.meeting_convene(
        actor=clerk, jurisdiction=j, region=cast.village_a, kind="villagers",
        title="闵家村村民会议", notice_on=today - timedelta(days=10), scheduled_at=start,
        place="村部", agenda=["制定村规民约"],
    )  # fmt: skip
    assembly = meetings.meeting_open(actor=clerk, jurisdiction=j, meeting=assembly, now=start)
    for person in adults(j, cast.village_a.code, today):
        meetings.attendee_sign_in(actor=clerk, jurisdiction=j, meeting=assembly, person=person)
    present = assembly.attendance.count()
    covenant = meetings.decision_record(
        actor=clerk, jurisdiction=j, item=assembly.agenda.get(), text="通过村规民约",
        votes_for=present, votes_against=0, abstentions=0,
    )  # fmt: skip
    rules = rules_svc.rules_adopt(
        actor=clerk, jurisdiction=j, village=cast.village_a, kind="covenant", title="闵家村规约",
        text="爱护公共设施", decision=covenant,
    )  # fmt: skip
    # --- end selfgov proposals and rules ---
    # --- selfgov polls: an open secret poll of village A with one vote cast ---
    from cunshe.selfgov.services import polls as poll_svc

    poll = poll_svc.poll_create(
        actor=clerk, jurisdiction=j, region=cast.village_a, question="闵家村是否修建文化广场",
        options=["同意", "不同意"], opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    poll = poll_svc.poll_open(actor=clerk, jurisdiction=j, poll=poll)
    poll_svc.vote_cast(
        actor=clerk, jurisdiction=j, poll=poll, person=husband,
        option=poll.options.first(), origin="hall",
    )  # fmt: skip
    # --- end selfgov polls ---
    SELFGOV_IDS.clear()
    SELFGOV_IDS.update(
        body=[b.pk for b in made.values()], membership=[m.pk for m in members],
        meeting=[reps.pk, branch.pk], item=[item.pk, *branch.agenda.values_list("pk", flat=True)],
        attendance=list(Attendance.objects.filter(meeting__in=[reps, branch]).values_list(
            "pk", flat=True)),
        decision=[decision.pk], matter=[matter.pk],
        matter_step=list(MatterStep.objects.filter(matter=matter).values_list("pk", flat=True)),
        disclosure=[item_pub.pk], question=[question.pk], election=[election.pk],
        entry=[e.pk for e in entries.values()], proxy=[proxy.pk], objection=[objection.pk],
        optin=[opt.pk], person=[husband.pk, wife.pk, away.pk], household=[household.pk],
        proposal=[proposal.pk], consultation=[consultation.pk], rules_version=[rules.pk],
        signature=list(ProposalSignature.objects.filter(proposal=proposal).values_list(
            "pk", flat=True)), proposals_meeting=[assembly.pk], proposals_decision=[covenant.pk],
        poll=[poll.pk],
    )  # fmt: skip
    return {pk for pks in SELFGOV_IDS.values() for pk in pks}


SELFGOV_IDS: dict[str, list[int]] = {}
# Which of SELFGOV_IDS a path parameter names: by parameter name, or (for `pk`) by the route.
SELFGOV_PARAM_KINDS = {
    "body_id": "body", "membership_id": "membership", "meeting_id": "meeting", "item_id": "item",
    "matter_id": "matter", "disclosure_id": "disclosure", "question_id": "question",
    "election_id": "election", "objection_id": "objection", "objection_pk": "objection",
    "proxy_pk": "proxy",
    "proposal_id": "proposal", "version_id": "rules_version",  # selfgov proposals and rules
    "poll_id": "poll",  # selfgov polls
}  # fmt: skip
SELFGOV_PK_KINDS = (  # the first prefix that matches
    ("/gov/bodies/", "body"), ("/gov/disclosures/", "disclosure"),
    ("/gov/elections/recalls/", "membership"), ("/gov/elections/", "election"),
    ("/gov/matters/", "matter"), ("/gov/meetings/items/", "item"), ("/gov/meetings/", "meeting"),
    ("/gov/villages/<str:code>/disclosures/", "disclosure"),
    ("/gov/villages/<str:code>/matters/", "matter"),
    ("/gov/proposals/", "proposal"), ("/gov/consultations/", "consultation"),  # proposals part
    ("/gov/rules/", "rules_version"), ("/gov/villages/<str:code>/rules/", "rules_version"),
    ("/gov/polls/", "poll"), ("/gov/my/polls/", "poll"),  # polls part
)  # fmt: skip


def _selfgov_urls(route: str) -> list[str]:
    """Every combination of village A's selfgov records (and the election actions, printables
    and exports by name) that the route's parameters can name."""
    from itertools import product

    from cunshe.selfgov.views.elections import ACTIONS, PRINTABLE

    options = []
    params = list(_PARAM.finditer(route))
    for m in params:
        name = m.group("name")
        if name == "pk":
            kind = next(k for prefix, k in SELFGOV_PK_KINDS if route.startswith(prefix))
            options.append([str(pk) for pk in SELFGOV_IDS[kind]])
        elif name in SELFGOV_PARAM_KINDS:
            options.append([str(pk) for pk in SELFGOV_IDS[SELFGOV_PARAM_KINDS[name]]])
        elif name == "action":
            options.append([*ACTIONS, "result"])
        elif name == "what":
            options.append(list(PRINTABLE))
        elif name == "code":
            options.append(["220182102200"])
        else:
            raise AssertionError(f"{route}: no selfgov values for <{name}>")
    urls = []
    for combo in product(*options):
        url = route
        for m, value in zip(params, combo, strict=True):
            url = url.replace(m.group(0), value, 1)
        urls.append(url)
    return urls


@pytest.mark.django_db
def test_outsider_gets_nothing_of_village_as_selfgov_records(cast, client_as):
    """Each selfgov route with each of village A's records its parameters can name: the
    outsider gets 404 (or 405 where the route takes only POST) on staff pages and the API (an
    empty API POST may fail validation first: 400/422), no foreign marker anywhere and no
    personal data on the public village pages; nothing changes."""
    outsider: Client = client_as("outsider")
    _foreign_values(cast)
    before = _fingerprint()
    routes = [r for r in all_routes() if r.startswith(("/gov/", "/api/v1/selfgov/")) and "<" in r]
    assert len(routes) >= 30
    wrong, walked = [], 0
    for route in routes:
        public = route.startswith(PUBLIC_DATA_PREFIXES)
        markers = PERSONAL_MARKERS if public else FOREIGN_MARKERS
        for url in _selfgov_urls(route):
            walked += 1
            for method in ("get", "post"):
                response = getattr(outsider, method)(url, {})
                text = response.content.decode("utf-8", "replace")
                found = [m for m in markers if m in text]
                if found:
                    wrong.append(f"{method.upper()} {url} -> {response.status_code} shows {found}")
                allowed = (404, 405)
                if method == "post" and url.startswith("/api/"):
                    allowed = (400, 404, 405, 422)  # an empty body fails validation first
                if not public and response.status_code not in allowed:
                    wrong.append(f"{method.upper()} {url} -> {response.status_code}")
    assert walked >= 60
    assert not wrong, "\n".join(wrong)
    assert _fingerprint() == before, "an outsider's request changed village A's selfgov data"


@pytest.mark.django_db
def test_public_village_pages_show_selfgov_records_without_persons(cast):
    """The public pages of village A do show its disclosure, the answered question and the
    matter (so the walk above looked at real content), and never a person."""
    _foreign_values(cast)
    anonymous = Client()
    item, matter = SELFGOV_IDS["disclosure"][0], SELFGOV_IDS["matter"][0]
    pages = {
        "/gov/villages/220182102200/disclosures/": "闵家村财务公开",
        f"/gov/villages/220182102200/disclosures/{item}/": "闵家村答复",
        f"/gov/villages/220182102200/matters/{matter}/": "闵家村村道维修",
    }
    for url, shown in pages.items():
        response = anonymous.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert shown in text, url
        assert not [m for m in PERSONAL_MARKERS if m in text], url


SELFGOV_TABLES = (
    "selfgov.Body", "selfgov.Membership", "selfgov.Meeting", "selfgov.AgendaItem",
    "selfgov.Attendance", "selfgov.Decision", "selfgov.DecisionVote", "selfgov.Matter",
    "selfgov.MatterStep", "selfgov.Disclosure", "selfgov.DisclosureDue",
    "selfgov.DisclosureQuestion", "selfgov.Election", "selfgov.VoterRollEntry",
    "selfgov.NonHukouApproval", "selfgov.RollObjection", "selfgov.Proxy", "selfgov.Candidate",
    "selfgov.ElectionResult", "selfgov.RecallPetition", "selfgov.VoterOptIn",
    "selfgov.RightsDeprivation",
    "selfgov.Proposal", "selfgov.ProposalSignature", "selfgov.Consultation",  # proposals part
    "selfgov.RulesVersion",  # rules part
    "selfgov.Poll", "selfgov.PollOption", "selfgov.PollVoter", "selfgov.PollParticipation",
    "selfgov.PollBallot",  # polls part
    "selfgov.MeetingAttachment",  # meeting attachments
)  # fmt: skip
# --- end selfgov ---


# --- volunteering (issue 6) ---
VOL_TOKENS: list[str] = []
VOL_TABLES = tuple(
    f"volunteering.{name}"
    for name in (
        "Organisation", "Station", "HamletLocation", "Volunteer", "Project", "Activity", "Shift",
        "Signup", "HoursEntry", "TrainingRecord", "Honour", "Evaluation", "Certificate", "Need",
        "Match", "PointsAccount", "PointsEntry", "Movement", "EarningRule", "Declaration",
        "Objection", "Store", "StoreItem", "Donor", "Redemption", "RedemptionLine",
        "StockMovement",
    )
)  # fmt: skip


def _volunteering_records(cast, household) -> set[int]:  # type: ignore[no-untyped-def]
    """Village A's volunteering and points records, one or more of every model, written with
    the ORM (and the ledger's one writer) under a system scope: an organisation, a station, a
    hamlet location, a volunteer without consent (冯秀云) and one with it (蒋志远), a project
    with an open public activity, a shift with a sign-up, approved hours, a training, an honour,
    an evaluation, a certificate, a need with a match, an earning rule, a declaration of 王建国's
    household posted for objection with an objection, credited points, a store with an item, a
    private donor's gift and a redemption. Their ids; QR, certificate and card tokens go to
    VOL_TOKENS."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db.models import F
    from django.utils import timezone

    from cunshe.residents import idcard
    from cunshe.volunteering import models as vm
    from cunshe.volunteering.services import ledger

    a, clerk = cast.village_a, cast.clerk_a
    now, today = timezone.now(), timezone.localdate()
    made: list = []
    with system_scope("outsider walk: volunteering set-up"):

        def add(model, **fields):  # type: ignore[no-untyped-def]
            row = model.objects.create(**fields)
            made.append(row)
            return row

        org = add(
            vm.Organisation,
            region=a,
            name="闵家村志愿者协会",
            kind="association",
            contact_name="冯秀云",
            contact_phone="13900002222",
        )
        station = add(vm.Station, region=a, name="闵家村志愿服务站", organisation=org)
        add(
            vm.HamletLocation,
            region=cast.regions["220182102200001"],
            lat_micro=44_800_000,
            lon_micro=126_500_000,
        )
        feng = add(
            vm.Volunteer,
            region=a,
            number="VOL-A-0001",
            name="冯秀云",
            id_number=idcard.make("220182", date(1966, 6, 6), 31, "F"),
            phone="13900002222",
            station=station,
            approved_minutes=6000,
        )
        jiang = add(
            vm.Volunteer,
            region=a,
            number="VOL-A-0002",
            name="蒋志远",
            id_number=idcard.make("220182", date(1990, 1, 2), 33, "M"),
            public_consent=True,
            approved_minutes=600,
        )
        project = add(
            vm.Project,
            region=a,
            name="闵家村敬老服务",
            category="elderly",
            organisation=org,
            station=station,
            starts_on=today,
            created_by=clerk,
        )
        activity = add(
            vm.Activity,
            region=a,
            project=project,
            title="闵家村敬老理发",
            place="闵家村卫生室",
            organiser=clerk,
            status="open",
        )
        start = now + timedelta(days=3)
        shift = add(
            vm.Shift,
            region=a,
            activity=activity,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=3,
        )
        signup = add(
            vm.Signup,
            region=a,
            shift=shift,
            volunteer=feng,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        )
        for v in (feng, jiang):
            add(
                vm.HoursEntry,
                region=a,
                volunteer=v,
                activity=activity,
                organisation=org,
                kind="manual",
                service_date=today,
                minutes=120,
                status="approved",
                recorded_by=clerk,
            )
        add(
            vm.TrainingRecord,
            region=a,
            volunteer=feng,
            title="急救培训",
            held_on=today,
            recorded_by=clerk,
        )
        add(
            vm.Honour,
            region=a,
            volunteer=feng,
            title="优秀志愿者",
            level="village",
            awarded_on=today,
            awarded_by="闵家村委会",
            recorded_by=clerk,
        )
        add(
            vm.Evaluation,
            region=a,
            volunteer=feng,
            activity=activity,
            period="2026年",
            rating="excellent",
            evaluated_by=clerk,
        )
        cert = add(
            vm.Certificate,
            region=a,
            number="JLZY-A-0001",
            volunteer=feng,
            organisation=org,
            issuer_name="闵家村志愿者协会",
            period_to=today,
            minutes=6000,
            star=1,
            issued_by=clerk,
        )
        need = add(
            vm.Need,
            region=a,
            title="闵家村陪同就医",
            category="elderly",
            starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=2),
            source="clerk",
            posted_by=clerk,
        )
        add(
            vm.Match,
            region=a,
            need=need,
            volunteer=feng,
            score=80_000,
            starts_at=need.starts_at,
            ends_at=need.ends_at,
        )
        rule = add(
            vm.EarningRule,
            region=a,
            code="elder",
            category="filial",
            name="孝敬老人",
            points_per_unit=5,
            unit="time",
            valid_from=today,
            created_by=clerk,
        )
        posted = add(
            vm.Declaration,
            region=household.region,
            household=household,
            rule=rule,
            quantity=Decimal(2),
            points=10,
            deed_date=today,
            description="闵家村照顾老人",
            status="posted",
            declared_by=clerk,
            posting_ends_on=today + timedelta(days=7),
        )
        add(
            vm.Objection,
            region=household.region,
            declaration=posted,
            reason="闵家村异议",
            raised_by=cast.villager,
        )
        entry = ledger.post_entry(
            kind="earn",
            region=a,
            memo="闵家村积分",
            lines=[(ledger.issuance_account(a), -30), (ledger.household_account(household), 30)],
        )
        store = add(vm.Store, region=a, name="闵家村爱心超市", station=station)
        item = add(vm.StoreItem, region=a, store=store, name="闵家村大米", price_points=10)
        donor = add(
            vm.Donor, region=a, name="匿名捐赠人", kind="person", public=False, phone="13900002222"
        )
        add(
            vm.StockMovement,
            region=a,
            item=item,
            kind="donation",
            quantity=5,
            donor=donor,
            recorded_by=clerk,
        )
        vm.StoreItem.objects.filter(pk=item.pk).update(stock=F("stock") + 5)
        redeem = ledger.post_entry(
            kind="redeem",
            region=a,
            memo="兑换",
            lines=[(ledger.household_account(household), -10), (ledger.store_account(store), 10)],
        )
        redemption = add(
            vm.Redemption,
            region=a,
            store=store,
            account=ledger.household_account(household),
            household=household,
            points=10,
            entry=redeem,
            request_key="outsider-walk-redeem",
            clerk=clerk,
        )
        line = vm.RedemptionLine.objects.create(
            redemption=redemption, item=item, quantity=1, unit_points=10, points=10
        )
        add(
            vm.StockMovement,
            region=a,
            item=item,
            kind="redemption",
            quantity=-1,
            redemption=redemption,
            recorded_by=clerk,
        )
        vm.StoreItem.objects.filter(pk=item.pk).update(stock=F("stock") - 1)
        accounts = vm.PointsAccount.objects.filter(village_code=a.code)
        ids = {
            *(row.pk for row in made), line.pk, entry.pk, redeem.pk,
            *accounts.values_list("pk", flat=True),
            *vm.Movement.objects.filter(entry__in=[entry, redeem]).values_list("pk", flat=True),
        }  # fmt: skip
        VOL_TOKENS.clear()
        VOL_TOKENS.extend([shift.checkin_token, cert.token,
                           *accounts.values_list("card_token", flat=True)])  # fmt: skip
        assert signup.pk and all(VOL_TOKENS)
    return ids


@pytest.mark.django_db
def test_public_volunteering_pages_show_village_a_without_persons(cast):
    """The public volunteering pages of village A do show its posted declaration (王建国's
    household masked), the consenting volunteer, the open activity and the store item (so the
    walks above looked at real content), and never a person's name, number or phone; the
    certificate check names the certificate, its holder only masked."""
    _foreign_values(cast)
    anonymous = Client()
    pages = {
        "/vol/public/220182102200/points/": "闵家村照顾老人",
        "/vol/public/220182102200/volunteers/": "蒋志远",
        "/vol/public/220182102200/activities/": "闵家村敬老理发",
        "/vol/public/220182102200/store/": "闵家村大米",
        f"/vol/cert/{VOL_TOKENS[1]}/": "JLZY-A-0001",
    }
    for url, shown in pages.items():
        response = anonymous.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert shown in text, url
        found = [m for m in PERSONAL_MARKERS if m in text]
        assert not found, (url, found)
    assert "王*国" in anonymous.get("/vol/public/220182102200/points/").content.decode()


# --- end volunteering ---
