"""care_simulate: signed traffic for the registered terminals reaches ingestion (over the real
broker, and over HTTP), with check-ins inside the window and SOS now and then."""

from __future__ import annotations

import json
import threading
from datetime import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cunshe.care.models import TerminalEvent
from cunshe.care.tests.mqtt_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _all_day(make_terminal, family):  # type: ignore[no-untyped-def]
    window = {"checkin_start": time(0, 0), "checkin_end": time(23, 59, 59)}
    make_terminal(family.grandmother, serial="SIM-0001", secret="a", **window)
    make_terminal(family.grandfather, serial="SIM-0002", secret="b", **window)


@pytest.mark.mqtt
def test_simulated_traffic_is_accepted_through_the_broker(broker, family, make_terminal, raised):
    _all_day(make_terminal, family)
    consumer = broker.consumer()
    consumer.connect()
    assert consumer.subscribed.wait(5)
    out = StringIO()
    call_command(
        "care_simulate",
        village=["220182102200"],
        rate=40,
        duration=1,
        sos_every=0.5,
        skip_checkin=0,
        seed=1,
        url=broker.url,
        stdout=out,
    )
    sent = sum(int(part.split()[1]) for part in out.getvalue().split("Sent: ")[1].split(", "))
    assert sent >= 20
    totals = consumer.run(threading.Event(), until=lambda t: t.received >= sent, timeout=10)
    assert totals.outcomes == {"accepted": sent}
    kinds = set(TerminalEvent._base_manager.values_list("kind", flat=True))
    assert {"checkin", "heartbeat", "sos"} <= kinds
    assert [k for k, _e in raised if k == "sos"]
    assert AuditEvent.objects.filter(
        action="core.system_scope.entered", detail__reason__startswith="care_simulate"
    ).exists()


def test_simulated_traffic_over_http(client, family, make_terminal, monkeypatch):
    _all_day(make_terminal, family)
    answers = []

    class Response:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            return False

        def read(self) -> bytes:
            return self.body

    def urlopen(request, timeout):  # type: ignore[no-untyped-def]
        r = client.post(request.full_url, request.data, content_type="application/json")
        answers.append(r.json()["counts"])
        return Response(r.content)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    call_command(
        "care_simulate",
        rate=50,
        duration=0.3,
        sos_every=0,
        http="http://testserver/api/v1/care/terminals/events",
        stdout=StringIO(),
    )
    assert answers and all(a == {"accepted": 1} for a in answers)
    assert TerminalEvent._base_manager.count() == len(answers)
    assert json.dumps(answers)


def test_the_simulator_refuses_bad_options(family, make_terminal, settings):
    settings.CARE_MQTT_URL = ""
    _all_day(make_terminal, family)
    with pytest.raises(CommandError):
        call_command("care_simulate", village=["12345"])
    with pytest.raises(CommandError):
        call_command("care_simulate", rate=0)
    with pytest.raises(CommandError):
        call_command("care_simulate", duration=0.1)  # no broker and no --http
    out = StringIO()
    call_command("care_simulate", village=["220322103200"], duration=0.1, stdout=out)
    assert "No active terminals" in out.getvalue()
