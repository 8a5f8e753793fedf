"""Writes on a person over the API: events and corrections, edits with optimistic locking
(409 on a stale version), audited unmasking; 404 outside, 403 without the permission."""

import json
from datetime import date

import pytest

from cunshe.core.models import AuditEvent

URL = "/api/v1/residents/persons"


@pytest.fixture
def head(register):  # type: ignore[no-untyped-def]
    return register("张三丰", date(1960, 3, 1), seq=1, phone="13812345678")


def post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):  # type: ignore[no-untyped-def]
    return client.patch(url, json.dumps(data), content_type="application/json")


def test_recording_an_event_changes_the_state(client_as, head):
    client = client_as("clerk_a")
    r = post(
        client,
        f"{URL}/{head.pk}/events",
        {"kind": "leave_work", "occurred_on": "2024-03-01", "destination": "长春",
         "expected_version": head.version},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "leave_work" and r.json()["recorded_by"] == "clerk_a"
    person = client.get(f"{URL}/{head.pk}").json()
    assert person["residence_status"] == "away_work" and person["away_destination"] == "长春"
    assert person["version"] == head.version + 1
    events = client.get(f"{URL}/{head.pk}/events").json()
    assert [e["kind"] for e in events] == ["registered", "leave_work"]


def test_a_correction_names_its_event_and_replays_the_state(client_as, head):
    client = client_as("clerk_a")
    first = post(
        client,
        f"{URL}/{head.pk}/events",
        {"kind": "leave_work", "occurred_on": "2024-03-01", "destination": "长春",
         "expected_version": head.version},
    ).json()  # fmt: skip
    r = post(
        client,
        f"{URL}/{head.pk}/events",
        {"kind": "correction", "occurred_on": "2024-03-01", "corrects": first["id"],
         "expected_version": head.version + 1},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["corrects_id"] == first["id"]
    assert client.get(f"{URL}/{head.pk}").json()["residence_status"] == "here"
    assert len(client.get(f"{URL}/{head.pk}/events").json()) == 3


def test_stale_event_is_409_and_changes_nothing(client_as, head):
    r = post(
        client_as("clerk_a"),
        f"{URL}/{head.pk}/events",
        {"kind": "death", "occurred_on": "2024-03-01", "expected_version": head.version + 5},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "conflict" and "expected_version" in r.json()["fields"]
    head.refresh_from_db()
    assert head.residence_status == "here" and head.events.count() == 1


def test_impossible_event_is_400_with_field_errors(client_as, head):
    r = post(
        client_as("clerk_a"),
        f"{URL}/{head.pk}/events",
        {"kind": "return", "occurred_on": "2024-03-01", "expected_version": head.version},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "kind" in r.json()["fields"]
    r = post(
        client_as("clerk_a"),
        f"{URL}/{head.pk}/events",
        {"kind": "leave_work", "occurred_on": "2024-03-01", "expected_version": head.version},
    )
    assert r.status_code == 400 and "destination" in r.json()["fields"]


def test_correction_of_someone_elses_event_is_refused(client_as, head, register):
    other = register("李四", date(1970, 1, 1), seq=2, relationship="20")
    foreign = other.events.get()
    r = post(
        client_as("clerk_a"),
        f"{URL}/{head.pk}/events",
        {"kind": "correction", "occurred_on": "2024-03-01", "corrects": foreign.pk,
         "expected_version": head.version},
    )  # fmt: skip
    assert r.status_code == 400 and "corrects" in r.json()["fields"]


def test_patch_changes_editable_fields(client_as, head):
    r = patch(
        client_as("clerk_a"),
        f"{URL}/{head.pk}",
        {"expected_version": head.version, "education": "70", "is_veteran": True},
    )
    assert r.status_code == 200, r.content
    assert r.json()["education"] == "70" and r.json()["is_veteran"] is True
    assert r.json()["version"] == head.version + 1
    assert AuditEvent.objects.filter(action="residents.person.updated").count() == 1


def test_patch_with_a_stale_version_is_409(client_as, head):
    client = client_as("clerk_a")
    ok = patch(client, f"{URL}/{head.pk}", {"expected_version": head.version, "education": "70"})
    assert ok.status_code == 200
    stale = patch(client, f"{URL}/{head.pk}", {"expected_version": head.version, "name": "张三"})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    head.refresh_from_db()
    assert head.name == "张三丰"


def test_patch_with_a_bad_code_is_400(client_as, head):
    r = patch(client_as("clerk_a"), f"{URL}/{head.pk}", {"expected_version": 1, "ethnicity": "99"})
    assert r.status_code == 400 and "ethnicity" in r.json()["fields"]


def test_patch_cannot_touch_residence_state(client_as, head):
    r = patch(
        client_as("clerk_a"),
        f"{URL}/{head.pk}",
        {"expected_version": head.version, "residence_status": "deceased"},
    )
    assert r.status_code == 422 and "residence_status" in r.json()["fields"]
    head.refresh_from_db()
    assert head.residence_status == "here"


def test_unmask_returns_the_clear_value_and_is_audited(client_as, head):
    r = post(client_as("clerk_a"), f"{URL}/{head.pk}/unmask", {"field": "phone"})
    assert r.status_code == 200
    assert r.json() == {"field": "phone", "value": "13812345678"}
    assert r["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="residents.person.unmasked")
    assert event.detail == {"field": "phone"}


def test_unmask_without_permission_is_403_and_audited(client_as, head):
    r = post(client_as("township_officer"), f"{URL}/{head.pk}/unmask", {"field": "id_number"})
    assert r.status_code == 403
    assert not AuditEvent.objects.filter(action="residents.person.unmasked").exists()
    assert AuditEvent.objects.filter(action="core.permission.denied").exists()


def test_unmask_of_another_field_is_422(client_as, head):
    r = post(client_as("clerk_a"), f"{URL}/{head.pk}/unmask", {"field": "illness"})
    assert r.status_code == 422


def test_writes_without_edit_permission_are_403(client_as, head):
    client = client_as("township_officer")
    r = patch(client, f"{URL}/{head.pk}", {"expected_version": head.version, "education": "70"})
    assert r.status_code == 403
    r = post(
        client,
        f"{URL}/{head.pk}/events",
        {"kind": "death", "occurred_on": "2024-03-01", "expected_version": head.version},
    )
    assert r.status_code == 403
    head.refresh_from_db()
    assert head.residence_status == "here" and head.education == ""


def test_villager_cannot_write_to_their_own_record(cast, client_as, head):
    head.account = cast.villager
    head.save()
    client = client_as("villager")
    assert post(client, f"{URL}/{head.pk}/unmask", {"field": "phone"}).status_code == 403
    r = patch(client, f"{URL}/{head.pk}", {"expected_version": head.version, "name": "x"})
    assert r.status_code == 403


def test_outsider_writes_are_404(client_as, head):
    client = client_as("outsider")
    assert post(client, f"{URL}/{head.pk}/unmask", {"field": "phone"}).status_code == 404
    r = patch(client, f"{URL}/{head.pk}", {"expected_version": head.version, "name": "x"})
    assert r.status_code == 404
    r = post(
        client,
        f"{URL}/{head.pk}/events",
        {"kind": "death", "occurred_on": "2024-03-01", "expected_version": head.version},
    )
    assert r.status_code == 404
    head.refresh_from_db()
    assert head.name == "张三丰" and head.residence_status == "here"
