"""Never over capacity, never two overlapping shifts: many sign-ups at the same moment, each on
its own database connection (PostgreSQL; SQLite serialises writers and proves nothing here)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cunshe.core.tests.conftest import requires_postgres
from cunshe.volunteering.models import Signup, Volunteer
from cunshe.volunteering.services import shifts as svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import reload

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def _at_once(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcome = job()
        except ValidationError as exc:
            outcome = exc
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def test_n_volunteers_for_k_places_exactly_k_succeed(cast, jurisdictions, vol, activity_maker,
                                                     flushable_audit):  # fmt: skip
    k = 5
    shift = activity_maker(capacity=k).first_shift
    volunteers = [vol(f"志愿者{i:02d}") for i in range(THREADS)]
    j = jurisdictions["clerk_a"]

    def job(v: Volunteer) -> Callable[[], Any]:
        return lambda: svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift,
                                         volunteer=v)  # fmt: skip

    results, errors = _at_once([job(v) for v in volunteers])
    assert errors == []
    won = [r for r in results if isinstance(r, Signup)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == k and len(lost) == THREADS - k
    assert all("已满" in " ".join(e.messages) for e in lost)
    assert Signup._base_manager.filter(shift=shift).count() == k
    assert sum(reload(v).shifts_signed for v in volunteers) == k


def test_one_volunteer_two_overlapping_shifts_at_once_only_one(cast, jurisdictions, me,
                                                               activity_maker,
                                                               flushable_audit):  # fmt: skip
    j = jurisdictions["villager"]
    for round_ in range(3):
        day = timedelta(days=2 + round_ * 2)
        a = activity_maker(starts_in=day, title="甲").first_shift
        b = activity_maker(starts_in=day + timedelta(minutes=30), title="乙").first_shift
        results, errors = _at_once([
            lambda s=s: svc.signup_create(actor=cast.villager, jurisdiction=j, shift=s)
            for s in (a, b)
        ])  # fmt: skip
        assert errors == []
        assert sum(isinstance(r, Signup) for r in results) == 1
        assert Signup._base_manager.filter(volunteer=me, shift__in=[a, b]).count() == 1
    assert reload(me).shifts_signed == 3
