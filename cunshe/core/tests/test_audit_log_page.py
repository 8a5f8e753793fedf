"""The audit log page: for the audit administrator only, scoped to their jurisdiction, filtered,
paginated by cursor, read-only, itself audited, exportable as CSV (audited with the row count)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.models import AuditEvent
from cunshe.core.tests.conftest import event_in
from cunshe.core.tests.test_every_url_as_outsider import all_routes

pytestmark = pytest.mark.django_db

URL = "/core/audit/"


def _ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [e.id for e in response.context["page"].items]


@pytest.fixture
def lishu_audit_admin(cast) -> User:  # type: ignore[no-untyped-def]
    """An audit administrator of 梨树县 (the outsider's county)."""
    user = User.objects.create_user(username="audit_lishu", password="x-long-password")
    RoleAssignment.objects.create(user=user, role=Role.AUDIT_ADMIN, region=cast.regions["220322"])
    return user


@pytest.fixture
def events(cast) -> dict[str, AuditEvent]:  # type: ignore[no-untyped-def]
    return {
        "a": event_in("220182102200", "residents.person.created", actor=cast.clerk_a),
        "b": event_in("220182102201", "residents.person.updated", actor=cast.leader_a),
        "c": event_in("220322103200", "residents.person.created", actor=cast.outsider),
        "none": event_in("", "accounts.login.failed", outcome=AuditEvent.Outcome.FAILURE),
    }


def test_anonymous_is_sent_to_sign_in():
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "who", ["system_admin", "security_admin", "auditor", "clerk_a", "outsider"]
)
def test_everyone_but_the_audit_admin_is_refused_and_the_refusal_audited(client_as, who):
    response = client_as(who).get(URL)
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(
        action="core.permission.denied", actor_username=who, outcome="denied"
    ).get()
    assert denied.detail == {"permission": "core.audit_view"}


def test_province_audit_admin_sees_all_events_including_regionless(client_as, events):
    response = client_as("audit_admin").get(URL)
    assert response.status_code == 200
    shown = set(_ids(response))
    assert {e.id for e in events.values()} <= shown


def test_county_audit_admin_sees_only_their_county(client_as, events, lishu_audit_admin):
    response = client_as(lishu_audit_admin).get(URL)
    assert response.status_code == 200
    shown = set(_ids(response))
    assert events["c"].id in shown
    assert events["a"].id not in shown
    assert events["b"].id not in shown
    assert events["none"].id not in shown  # regionless events are province business
    assert "闵家" not in response.content.decode()


def test_region_filter_cannot_reach_outside_the_jurisdiction(client_as, events, lishu_audit_admin):
    response = client_as(lishu_audit_admin).get(URL, {"region": "220182"})
    assert _ids(response) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "residents.person."}, {"a", "b", "c"}),
        ({"action": "residents.person.created"}, {"a", "c"}),
        ({"actor": "leader_a"}, {"b"}),
        ({"outcome": "failure"}, {"none"}),
        ({"region": "220182"}, {"a", "b"}),
        ({"region": "220182102201"}, {"b"}),
    ],
)
def test_filters(client_as, events, params, expected):
    response = client_as("audit_admin").get(URL, params)
    shown = set(_ids(response))
    assert {k for k, e in events.items() if e.id in shown} == expected


def test_date_range_filter(client_as, events):
    today = timezone.localdate()
    c = client_as("audit_admin")
    assert events["a"].id in _ids(c.get(URL, {"date_from": today, "date_to": today}))
    yesterday = today - timedelta(days=1)
    assert _ids(c.get(URL, {"date_to": yesterday})) == []


def test_bad_filters_show_a_message_and_no_rows(client_as, events):
    response = client_as("audit_admin").get(URL, {"region": "2201820", "date_from": "x"})
    assert response.status_code == 200
    assert _ids(response) == []
    assert response.context["form"].errors.keys() == {"region", "date_from"}


def test_pages_of_fifty_walk_back_and_forth_by_cursor(client_as, cast):
    made = [event_in("220182102200", "test.page.item", actor=cast.clerk_a).id for _ in range(120)]
    c = client_as("audit_admin")
    first = c.get(URL, {"action": "test.page."})
    assert _ids(first) == made[::-1][:50]
    older = first.context["page"].older
    second = c.get(URL, {"action": "test.page.", "before": older})
    assert _ids(second) == made[::-1][50:100]
    third = c.get(URL, {"action": "test.page.", "before": second.context["page"].older})
    assert _ids(third) == made[::-1][100:]
    assert third.context["page"].older is None
    back = c.get(URL, {"action": "test.page.", "after": second.context["page"].newer})
    assert _ids(back) == _ids(first)
    assert back.context["page"].newer is None


def test_viewing_is_itself_audited(client_as, events):
    client_as("audit_admin").get(URL, {"action": "residents."})
    viewed = AuditEvent.objects.filter(action="core.audit.viewed").get()
    assert viewed.actor_username == "audit_admin"
    assert viewed.detail["filters"] == {"action": "residents."}
    assert viewed.detail["shown"] == 3
    assert viewed.region_code == "22"


def test_query_count_is_constant(client_as, cast, django_assert_num_queries):
    c = client_as("audit_admin")
    c.get(URL)  # warm the session
    for _ in range(60):
        event_in("220182102200", "test.count.item", actor=cast.clerk_a)
    # session, user, OTP device, assignments; one page query; the audit write (savepoint,
    # last hash, insert, release; plus the advisory lock on PostgreSQL); the session save
    # (savepoint, update, release)
    expected = 12 + (1 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(expected):
        response = c.get(URL)
    assert len(_ids(response)) == 50


def test_page_is_read_only(client_as, events):
    c = client_as("audit_admin")
    assert c.post(URL, {"id": events["a"].id}).status_code == 405
    body = c.get(URL).content.decode()
    assert "delete" not in body.lower()
    assert '<form method="post"' not in body.split("<main", 1)[-1]


def test_no_route_changes_audit_events(client_as, events):
    """Every URL mentioning the audit trail answers writes with 405."""
    c = client_as("audit_admin")
    routes = [r for r in all_routes() if "audit" in r]
    assert routes
    for route in routes:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(c, method)(route)
            assert response.status_code in (404, 405), f"{method.upper()} {route}"
    assert AuditEvent.objects.filter(pk=events["a"].pk).exists()


def test_csv_export_holds_the_filtered_rows_and_is_audited_with_the_count(client_as, events):
    response = client_as("audit_admin").get(
        reverse("core:audit_export"), {"action": "residents.person."}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "id"
    assert {int(r[0]) for r in rows[1:]} == {events[k].id for k in ("a", "b", "c")}
    exported = AuditEvent.objects.filter(action="core.audit.exported").get()
    assert exported.detail["rows"] == 3
    assert exported.detail["filters"] == {"action": "residents.person."}


def test_csv_export_is_scoped_and_refused_to_others(client_as, events, lishu_audit_admin):
    text = b"".join(
        client_as(lishu_audit_admin).get(reverse("core:audit_export")).streaming_content
    ).decode("utf-8-sig")
    ids = {int(r[0]) for r in list(csv.reader(io.StringIO(text)))[1:]}
    assert events["c"].id in ids
    assert events["a"].id not in ids
    assert client_as("system_admin").get(reverse("core:audit_export")).status_code == 403


def test_csv_cells_cannot_become_spreadsheet_formulas(client_as, cast):
    event_in("220182102200", "test.csv.item", object_id="=HYPERLINK(1)")
    text = b"".join(
        client_as("audit_admin")
        .get(reverse("core:audit_export"), {"action": "test.csv."})
        .streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
