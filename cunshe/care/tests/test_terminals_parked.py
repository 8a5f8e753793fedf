"""Parked messages (from serials nobody registered): the system administrator's review —
replay once the terminal is registered, or discard with a reason (kept, marked)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunshe.care import ingest
from cunshe.care.models import ParkedEvent, Terminal, TerminalEvent
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import message
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PARKED = reverse("care:parked")


@pytest.fixture
def parked(family):  # type: ignore[no-untyped-def]
    batch = [message("LATE-0001", secret="late-secret") for _ in range(3)]
    batch.append(message("LATE-0001", kind="sos", secret="late-secret"))
    batch.append(message("TEST-0001", secret="whatever"))
    ingest.ingest_batch(batch, "mqtt")
    assert ParkedEvent.objects.count() == 5
    return batch


def test_the_review_lists_waiting_messages_by_serial(client_as, parked):
    r = client_as("system_admin").get(PARKED)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-serial="LATE-0001"' in html and 'data-serial="TEST-0001"' in html
    assert "parked" in html  # the day's counters
    page = client_as("system_admin").get(reverse("care:parked_serial", args=["LATE-0001"]))
    assert page.content.decode().count("待审") == 4


def test_replay_after_registration_stores_the_messages_and_raises_their_alerts(
    cast, client_as, family, make_terminal, parked, raised
):
    admin = client_as("system_admin")
    refused = admin.post(PARKED, {"action": "replay", "serial": "LATE-0001"})
    assert refused.status_code == 400
    assert "尚未登记" in refused.content.decode()
    terminal = make_terminal(family.grandmother, serial="LATE-0001", secret="late-secret")
    r = admin.post(PARKED, {"action": "replay", "serial": "LATE-0001"})
    assert r.status_code == 302
    assert TerminalEvent._base_manager.filter(terminal=terminal).count() == 4
    assert [kind for kind, _e in raised] == ["sos"]
    rows = ParkedEvent.objects.filter(serial="LATE-0001")
    assert {row.outcome for row in rows} == {"replayed:accepted"}
    assert {row.reviewed_by_id for row in rows} == {cast.users["system_admin"].pk}
    assert AuditEvent.objects.filter(action="care.parked.replayed", object_id="LATE-0001").exists()
    again = admin.post(PARKED, {"action": "replay", "serial": "LATE-0001"})
    assert again.status_code == 400  # nothing waiting any more


def test_a_replay_with_the_wrong_secret_is_marked_rejected(
    client_as, family, make_terminal, parked
):
    make_terminal(family.grandmother, serial="LATE-0001", secret="another")
    client_as("system_admin").post(PARKED, {"action": "replay", "serial": "LATE-0001"})
    assert set(
        ParkedEvent.objects.filter(serial="LATE-0001").values_list("outcome", flat=True)
    ) == {"replayed:rejected:signature"}
    assert Terminal._base_manager.get(serial="LATE-0001").bad_signature_count == 4


def test_discarding_needs_a_reason_and_keeps_the_rows(client_as, parked):
    admin = client_as("system_admin")
    r = admin.post(PARKED, {"action": "discard", "serial": "TEST-0001", "reason": ""})
    assert r.status_code == 400
    assert "请填写" in r.content.decode()
    r = admin.post(PARKED, {"action": "discard", "serial": "TEST-0001", "reason": "测试设备"})
    assert r.status_code == 302
    [row] = ParkedEvent.objects.filter(serial="TEST-0001")
    assert row.outcome == "discarded:测试设备" and row.reviewed_at is not None
    assert AuditEvent.objects.filter(action="care.parked.discarded").exists()
    assert 'data-serial="TEST-0001"' not in admin.get(PARKED).content.decode()


def test_only_the_parked_reviewer_sees_it(client, client_as, parked):
    for who in ("clerk_a", "outsider", "township_officer", "auditor"):
        assert client_as(who).get(PARKED).status_code == 403, who
        assert client_as(who).post(PARKED, {"action": "discard", "serial": "TEST-0001",
                                            "reason": "x"}).status_code == 403  # fmt: skip
    assert client.get(PARKED).status_code == 302
    assert ParkedEvent.objects.filter(reviewed_at__isnull=True).count() == 5
    assert AuditEvent.objects.filter(
        action="care.permission.denied", outcome=AuditEvent.Outcome.DENIED
    ).exists()


def test_an_unknown_serial_page_is_404(client_as, parked):
    r = client_as("system_admin").get(reverse("care:parked_serial", args=["NOPE"]))
    assert r.status_code == 404
