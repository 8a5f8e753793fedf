"""Fixtures of the identification tests: running the register's hooks (on_commit) for real and
a shortcut to record residence events as village A's clerk."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.care.models import CareProfile
from cunshe.core.jurisdiction import system_scope
from cunshe.residents import services as register

# For `from identification_fixtures import *` in test modules (helpers are imported by name).
__all__ = ["record"]


@pytest.fixture
def record(cast, clerk_j, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """record(person, kind, on, destination="长春市"): an event through the register service,
    with its commit callbacks (the care hook) run."""

    def run(person, kind, on: date, destination: str = "长春市"):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return register.event_record(
                actor=cast.clerk_a,
                jurisdiction=clerk_j,
                person=person,
                kind=kind,
                occurred_on=on,
                destination=destination if kind in ("leave_work", "move_out") else "",
            )

    return run


def profile_of(person, kind):  # type: ignore[no-untyped-def]
    with system_scope("test"):
        return CareProfile.objects.filter(person=person, kind=kind).first()


def profiles():  # type: ignore[no-untyped-def]
    with system_scope("test"):
        return {(p.person_id, p.kind): p.status for p in CareProfile.objects.all()}
