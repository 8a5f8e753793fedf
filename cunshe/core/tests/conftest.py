"""Helpers for the core tests: writing events under a region, tampering past the triggers."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
requires_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL (row locks, concurrent connections)"
)

_triggers = importlib.import_module("cunshe.core.migrations.0002_audit_append_only_triggers")


@contextmanager
def append_only_triggers_off() -> Iterator[None]:
    """Let raw SQL change the audit table, as an attacker with database access could."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
            cur.execute("DROP TRIGGER core_auditevent_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_update")
            else:
                for sql in _triggers.SQLITE_FORWARD:
                    cur.execute(sql)


@pytest.fixture
def raw_tamper() -> Callable[[str, list], None]:
    def run(sql: str, params: list) -> None:
        with append_only_triggers_off(), connection.cursor() as cur:
            cur.execute(sql, params)

    return run


def event_in(code: str, action: str = "test.thing.done", **kwargs) -> AuditEvent:  # type: ignore[no-untyped-def]
    """An audit event recorded under the region `code` ("" for no region)."""
    j = Jurisdiction(prefixes=(code,), role="village_clerk") if code else None
    return audit(action, jurisdiction=j, **kwargs)
