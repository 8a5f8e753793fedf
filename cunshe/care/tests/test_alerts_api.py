"""/api/v1/care/alerts/: the board list, detail, acknowledge (a second time 409), close (note
required, stale version 409); the outsider 404, roles without care.alerts 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.care.models import Alert
from cunshe.care.services.alerts import alert_raise
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/care/alerts/"


@pytest.fixture
def sos(alerting):  # type: ignore[no-untyped-def]
    return alert_raise(
        terminal=alerting.terminal, kind="sos", at=timezone.now() - timedelta(minutes=2)
    )


def test_list_and_detail(client_as, cast, sos, django_assert_max_num_queries):
    client = client_as(cast.clerk_a)
    # Session, role, the board's 3 queries, the read's audit event (+ advisory lock on PG).
    with django_assert_max_num_queries(15):
        body = client.get(URL).json()
    assert body["open"] == 1 and body["total"] == 1
    (item,) = body["items"]
    assert item["id"] == sos.pk and item["person_name"] == "张大山" and item["rung"] == "family"
    assert item["kind"] == "sos" and item["village_code"] == "220182102200"
    assert 0 <= item["next_rung_in_minutes"] <= 5
    detail = client.get(f"{URL}{sos.pk}").json()
    assert detail["version"] == 1 and detail["timeline"][1]["recipients"] == 2
    assert AuditEvent.objects.filter(action="care.alert.viewed").exists()


def test_acknowledge_twice_is_a_conflict(client_as, cast, sos):
    first = client_as(cast.leader_a).post(f"{URL}{sos.pk}/acknowledge")
    assert first.status_code == 200 and first.json()["status"] == "acknowledged"
    second = client_as(cast.clerk_a).post(f"{URL}{sos.pk}/acknowledge")
    assert second.status_code == 409
    assert second.json()["code"] == "already_handled"
    assert "leader_a" in second.json()["message"]


def test_close_with_note_and_stale_version(client_as, cast, sos):
    client = client_as(cast.clerk_a)
    missing = client.post(
        f"{URL}{sos.pk}/close",
        {"note": "", "visit_made": False, "expected_version": 1},
        content_type="application/json",
    )
    assert missing.status_code == 422 and "note" in missing.json()["fields"]
    client_as(cast.leader_a).post(f"{URL}{sos.pk}/acknowledge")  # version 1 → 2
    stale = client.post(
        f"{URL}{sos.pk}/close",
        {"note": "已处理", "visit_made": True, "expected_version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    done = client.post(
        f"{URL}{sos.pk}/close",
        {"note": "已处理", "visit_made": True, "expected_version": 2},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "closed" and done.json()["visit_made"] is True
    assert client.get(URL).json()["total"] == 0
    again = client.post(
        f"{URL}{sos.pk}/close",
        {"note": "再关", "visit_made": False, "expected_version": 3},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_refusals(client_as, cast, sos):
    assert client_as(cast.outsider).get(f"{URL}{sos.pk}").status_code == 404
    assert client_as(cast.outsider).post(f"{URL}{sos.pk}/acknowledge").status_code == 404
    assert client_as(cast.outsider).get(URL).json()["total"] == 0
    for who in ("county_civil", "province_official", "auditor", "villager"):
        client = client_as(getattr(cast, who))
        assert client.get(URL).status_code == 403, who
        assert client.post(f"{URL}{sos.pk}/acknowledge").status_code in (403, 404), who
    assert Alert._base_manager.get(pk=sos.pk).status == "open"
    from django.test import Client

    assert Client().get(URL).status_code == 401
