"""The terminal register over the API, and the events endpoint devices post to."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.care.models import ParkedEvent, Terminal, TerminalEvent
from cunshe.care.selectors import terminals as selectors
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import SECRET, message
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

BASE = "/api/v1/care/terminals/"
EVENTS = "/api/v1/care/terminals/events"


def _post(client, url, body, method="post"):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _register(client, person, serial="860000000000001", **extra):  # type: ignore[no-untyped-def]
    body = {"serial": serial, "person_id": person.pk, "callback_phone": "139 0000 1111", **extra}
    return _post(client, BASE, body)


def test_a_clerk_registers_a_terminal_and_sees_its_secret_once(client_as, family):
    clerk = client_as("clerk_a")
    r = _register(clerk, family.grandmother, model_name="XY-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert re.fullmatch(r"[0-9a-f]{64}", data["secret"])
    assert data["checkin_start"] == "06:00:00" and data["checkin_end"] == "10:00:00"
    assert data["callback_phone_masked"] != "13900001111"
    assert data["person_name"] == "王桂芝"
    t = Terminal._base_manager.get(serial="860000000000001")
    assert t.secret == data["secret"] and t.callback_phone == "13900001111"
    assert AuditEvent.objects.filter(
        action="care.terminal.registered", object_id=str(t.pk)
    ).exists()
    detail = clerk.get(f"{BASE}{t.pk}").json()
    assert "secret" not in detail and "secret" not in json.dumps(clerk.get(BASE).json())


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"serial": "x"}, "serial"),
        ({"serial": "has space 123"}, "serial"),
        ({"callback_phone": "call me"}, "callback_phone"),
        ({"checkin_start": "10:00", "checkin_end": "06:00"}, "checkin_end"),
        ({"checkin_start": "10:00"}, "checkin_end"),
    ],
)
def test_bad_registrations_are_refused_with_the_field_named(client_as, family, extra, field):
    r = _register(client_as("clerk_a"), family.grandmother, **extra)
    assert r.status_code == 400, r.content
    assert field in r.json()["fields"]
    assert not Terminal._base_manager.exists()


def test_a_serial_registered_twice_is_refused(client_as, family):
    clerk = client_as("clerk_a")
    assert _register(clerk, family.grandmother).status_code == 201
    r = _register(clerk, family.grandfather)
    assert r.status_code == 400 and "serial" in r.json()["fields"]


def test_a_person_outside_the_clerks_village_cannot_wear_its_terminal(client_as, family):
    r = _register(client_as("outsider"), family.grandmother)
    assert r.status_code == 400 and "person_id" in r.json()["fields"]


def test_the_list_is_scoped_audited_and_costs_a_fixed_number_of_queries(
    client_as, family, make_terminal
):
    for i in range(3):
        make_terminal(family.grandmother, serial=f"T-{i:04d}")
    clerk = client_as("clerk_a")
    clerk.get(BASE)  # warm the session and role caches
    with CaptureQueriesContext(connection) as ctx:
        r = clerk.get(BASE)
    assert r.status_code == 200
    assert r.json()["count"] == 3
    few = len(ctx.captured_queries)
    for i in range(3, 12):
        make_terminal(family.grandfather, serial=f"T-{i:04d}")
    with CaptureQueriesContext(connection) as ctx:
        r = clerk.get(BASE)
    assert r.json()["count"] == 12
    assert len(ctx.captured_queries) == few
    # session, user and role, the audit event (PostgreSQL adds the chain's advisory lock), and
    # the list itself: nothing per row
    assert few == 13 + (connection.vendor == "postgresql")
    assert AuditEvent.objects.filter(action="care.terminals.viewed").count() >= 3
    assert client_as("outsider").get(BASE).json()["count"] == 0


def test_filters_find_by_state_and_serial(client_as, family, make_terminal):
    make_terminal(family.grandmother, serial="AB-0001", battery=10)
    make_terminal(family.grandfather, serial="CD-0001", active=False)
    clerk = client_as("clerk_a")
    assert [t["serial"] for t in clerk.get(BASE, {"state": "low_battery"}).json()["items"]] == [
        "AB-0001"
    ]
    assert [t["serial"] for t in clerk.get(BASE, {"state": "inactive"}).json()["items"]] == [
        "CD-0001"
    ]
    assert [t["serial"] for t in clerk.get(BASE, {"q": "CD"}).json()["items"]] == ["CD-0001"]
    assert clerk.get(BASE, {"state": "nonsense"}).status_code == 422


def test_refusals_outsider_404_wrong_role_403_anonymous_401(client, client_as, terminal):
    url = f"{BASE}{terminal.pk}"
    assert client_as("outsider").get(url).status_code == 404
    assert _post(client_as("outsider"), url, {"version": 1}, "patch").status_code == 404
    r = client_as("township_officer").get(url)
    assert r.status_code == 403
    assert AuditEvent.objects.filter(
        action="care.permission.denied", outcome=AuditEvent.Outcome.DENIED
    ).exists()
    assert client_as("township_officer").get(BASE).status_code == 403
    assert client_as("villager").get(BASE).status_code == 403
    assert client.get(BASE).status_code == 401
    assert client.get(url).status_code == 401


def test_the_detail_shows_the_latest_events_and_is_audited(client_as, terminal):
    from cunshe.care import ingest

    ingest.ingest_batch([message(kind="checkin", battery=70)], "http")
    r = client_as("clerk_a").get(f"{BASE}{terminal.pk}")
    assert r.status_code == 200
    assert [e["kind"] for e in r.json()["events"]] == ["checkin"]
    assert r.json()["online"] is True
    assert AuditEvent.objects.filter(
        action="care.terminal.viewed", object_id=str(terminal.pk)
    ).exists()


def test_patch_changes_fields_and_refuses_a_stale_version(client_as, family, terminal):
    clerk = client_as("clerk_a")
    url = f"{BASE}{terminal.pk}"
    r = _post(
        clerk,
        url,
        {"version": 1, "checkin_start": "07:00", "checkin_end": "09:30", "model_name": "New"},
        "patch",
    )
    assert r.status_code == 200, r.content
    assert (r.json()["checkin_start"], r.json()["version"]) == ("07:00:00", 2)
    stale = _post(clerk, url, {"version": 1, "model_name": "Other"}, "patch")
    assert stale.status_code == 409
    assert Terminal._base_manager.get(pk=terminal.pk).model_name == "New"
    moved = _post(clerk, url, {"version": 2, "person_id": family.grandfather.pk}, "patch")
    assert moved.json()["person_id"] == family.grandfather.pk
    assert AuditEvent.objects.filter(action="care.terminal.updated").count() == 2


def test_a_deactivated_terminals_messages_are_parked(client, client_as, terminal):
    clerk = client_as("clerk_a")
    url = f"{BASE}{terminal.pk}/deactivate"
    assert _post(clerk, url, {"reason": ""}).status_code == 422
    r = _post(clerk, url, {"reason": "设备丢失"})
    assert r.status_code == 200 and r.json()["active"] is False
    answer = _post(client, EVENTS, message(kind="sos")).json()
    assert answer["counts"] == {"parked": 1}
    assert ParkedEvent.objects.count() == 1


def test_resetting_the_secret_retires_the_old_one(client, client_as, terminal):
    r = client_as("clerk_a").post(f"{BASE}{terminal.pk}/reset-secret")
    assert r.status_code == 200
    new = r.json()["secret"]
    assert new != SECRET
    assert AuditEvent.objects.filter(action="care.terminal.secret_reset").exists()
    old = _post(client, EVENTS, message()).json()
    fresh = _post(client, EVENTS, message(secret=new)).json()
    assert old["counts"] == {"rejected:signature": 1}
    assert fresh["counts"] == {"accepted": 1}


def test_devices_post_one_message_or_an_array_without_an_account(client, terminal):
    one = _post(client, EVENTS, message(event_id="one"))
    assert one.status_code == 200
    assert one.json()["results"] == [{"id": "one", "device": "T-0001", "outcome": "accepted"}]
    m = message(event_id="two")
    many = _post(client, EVENTS, [m, m, 7, message("GHOST-1", secret="x"), {"v": 1}])
    assert [r["outcome"] for r in many.json()["results"]] == [
        "accepted",
        "duplicate",
        "rejected",
        "parked",
        "rejected",
    ]
    assert TerminalEvent._base_manager.count() == 2


@pytest.mark.parametrize("body", [b"", b"nonsense", b"[]", b"42"])
def test_a_body_that_is_not_a_message_is_a_400(client, body):
    r = client.post(EVENTS, body, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"


def test_more_than_500_messages_is_refused_whole(client, terminal):
    r = _post(client, EVENTS, [message() for _ in range(501)])
    assert r.status_code == 413
    assert not TerminalEvent._base_manager.exists()


def test_childrens_terminals_need_the_childrens_permission(cast, family, make_terminal):
    make_terminal(family.child, serial="KID-0001")
    make_terminal(family.grandmother, serial="OLD-0001")
    without = Jurisdiction(
        prefixes=("220182102200",), permissions=frozenset({"care.terminals", "care.view"})
    )
    withit = Jurisdiction(
        prefixes=("220182102200",),
        permissions=frozenset({"care.terminals", "care.view", "care.view_children"}),
    )
    assert [t.serial for t in selectors.terminal_list(without)] == ["OLD-0001"]
    assert {t.serial for t in selectors.terminal_list(withit)} == {"KID-0001", "OLD-0001"}
    kid = Terminal._base_manager.get(serial="KID-0001")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.get_terminal_for(without, kid.pk)
    assert selectors.get_terminal_for(withit, kid.pk) == kid
