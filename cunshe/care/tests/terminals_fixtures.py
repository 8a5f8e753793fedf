"""Fixtures for the terminal tests: signed messages, a stand-in for the alerts part's
`alert_raise` (a plain Alert row per call, so ingestion's idempotency can be checked on its
own), and a terminal worn by the family's grandmother."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cunshe.care import signing
from cunshe.care.models import Alert

# The fixtures, for `from terminals_fixtures import *` (helpers are imported by name).
__all__ = ["raised", "terminal"]

SECRET = "s3cret"
_ids = itertools.count(1)


def message(serial="T-0001", kind="heartbeat", *, secret=SECRET, at=None, event_id=None, **extra):  # type: ignore[no-untyped-def]
    """A signed message dict (v1) for `serial`."""
    at = at or timezone.localtime() - timedelta(seconds=5)
    body = {
        "v": 1,
        "id": event_id or f"e{next(_ids)}",
        "device": serial,
        "type": kind,
        "at": at.isoformat() if isinstance(at, datetime) else at,
        **extra,
    }
    return signing.sign(secret, body) if secret else body


def raw(msg: dict) -> bytes:
    return json.dumps(msg).encode()


@pytest.fixture
def raised(monkeypatch):  # type: ignore[no-untyped-def]
    """Replace alert_raise with a recorder that writes a minimal Alert row; returns the list
    of calls (kind, source event id)."""
    from cunshe.care.services import alerts

    calls: list[tuple[str, int | None]] = []

    def fake_raise(*, terminal, kind, at, source_event=None, for_date=None):  # type: ignore[no-untyped-def]
        calls.append((kind, source_event.pk if source_event else None))
        return Alert.objects.create(
            person_id=terminal.person_id,
            terminal=terminal,
            region_id=terminal.region_id,
            kind=kind,
            opened_at=at,
            source_event=source_event,
        )

    monkeypatch.setattr(alerts, "alert_raise", fake_raise)
    return calls


@pytest.fixture
def terminal(family, make_terminal):  # type: ignore[no-untyped-def]
    return make_terminal(family.grandmother, serial="T-0001", secret=SECRET)
