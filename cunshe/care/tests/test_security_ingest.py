"""Security review of the anonymous terminal endpoint: parking (no signature can be checked
for an unregistered serial) is bounded, and a deeply nested JSON body is a 400, not a 500."""

from __future__ import annotations

import json

import pytest

from cunshe.care import ingest
from cunshe.care.models import IngestCounter, ParkedEvent
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import message

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/care/terminals/events"


def _post(client, body):  # type: ignore[no-untyped-def]
    return client.post(EVENTS, data=json.dumps(body), content_type="application/json")


def test_anonymous_posts_cannot_park_without_bound(client, settings):  # type: ignore[no-untyped-def]
    settings.CARE_RULES = {"MAX_PARKED_UNREVIEWED": 5, "MAX_PARKED_PER_SERIAL": 100}
    batch = [message(f"GHOST-{n}", secret="unknown") for n in range(8)]
    r = _post(client, batch)
    assert r.status_code == 200
    outcomes = [x["outcome"] + ":" + x.get("reason", "") for x in r.json()["results"]]
    assert outcomes == ["parked:"] * 5 + ["rejected:parked_full"] * 3
    again = _post(client, [message("GHOST-99", secret="unknown")]).json()
    assert again["results"][0]["reason"] == "parked_full"
    assert ParkedEvent.objects.count() == 5
    assert IngestCounter.objects.get(outcome="rejected:parked_full").count == 4


def test_one_serial_cannot_take_the_whole_parking(client, settings):  # type: ignore[no-untyped-def]
    settings.CARE_RULES = {"MAX_PARKED_UNREVIEWED": 100, "MAX_PARKED_PER_SERIAL": 3}
    flood = [message("GHOST-1", secret="unknown") for _n in range(5)]
    result = ingest.ingest_batch([*flood, message("GHOST-2", secret="unknown")], "http")
    assert [r.key for r in result.results] == ["parked"] * 3 + ["rejected:parked_full"] * 2 + [
        "parked"
    ]
    later = ingest.ingest_batch([message("GHOST-1", secret="unknown")], "http")
    assert later.results[0].key == "rejected:parked_full"
    assert ParkedEvent.objects.filter(serial="GHOST-1").count() == 3


def test_reviewed_parked_messages_make_room_again(settings, cast):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    settings.CARE_RULES = {"MAX_PARKED_UNREVIEWED": 1, "MAX_PARKED_PER_SERIAL": 1}
    ingest.ingest_batch([message("GHOST-1", secret="unknown")], "http")
    ParkedEvent.objects.update(reviewed_at=timezone.now(), reviewed_by=cast.system_admin)
    result = ingest.ingest_batch([message("GHOST-1", secret="unknown")], "http")
    assert result.results[0].key == "parked"


def test_deeply_nested_json_is_a_bad_request_not_a_server_error(client):  # type: ignore[no-untyped-def]
    body = "[" * 50_000 + "]" * 50_000
    r = client.post(EVENTS, data=body, content_type="application/json")
    assert r.status_code == 400
    assert not ParkedEvent.objects.exists()
