"""Keeping identification current: the task the register hooks enqueue, the bulk-import task,
and the daily job for changes that time alone brings (birthdays, six-month marks).

The hooks call `enqueue_identify(person_ids)` inside the register's transaction. The ids of one
transaction are gathered and sent as ONE task when it commits (an import through the services
registers hundreds of persons: one task, one set-based run). Nothing is sent on rollback.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cunshe.care.identification import AWAY_FOR_ELDERLY, starts_falling_on
from cunshe.care.models import CareProfile
from cunshe.care.rules import rule
from cunshe.care.services import identification as svc
from cunshe.core.jurisdiction import system_scope
from cunshe.core.scheduling import periodic
from cunshe.residents.models import Person

# The daily job looks back this many days for birthdays and six-month marks, so a scheduler
# that was down for up to a week catches up on its own (re-identifying twice changes nothing).
# After a longer outage run `manage.py care_identify --all`.
CATCH_UP_DAYS = 7


@task()
def identify_persons_task(person_ids: list[int], refresh_kin: bool = False) -> dict[str, int]:
    """Re-identify these persons and everyone whose outcome depends on them."""
    return svc.identify_persons(person_ids, refresh_kin=refresh_kin).as_dict()


@task()
def identify_villages_task(village_codes: list[str]) -> dict[str, int]:
    """After a bulk import: re-infer kin and re-identify the villages touched."""
    return svc.identify_villages(village_codes).as_dict()


class _Batch:
    """The person ids one transaction asked to re-identify, sent once it commits."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.refresh_kin = False

    def flush(self) -> None:
        ids, refresh, self.ids, self.refresh_kin = sorted(self.ids), self.refresh_kin, set(), False
        if ids:
            identify_persons_task.enqueue(ids, refresh)


def enqueue_identify(person_ids: Iterable[int], *, refresh_kin: bool = False) -> None:
    """Ask for re-identification of these persons when the current transaction commits."""
    ids = {int(i) for i in person_ids if i}
    if not ids:
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        identify_persons_task.enqueue(sorted(ids), refresh_kin)
        return
    batch: _Batch | None = getattr(conn, "_care_identify_batch", None)
    if batch is None or not any(entry[1] == batch.flush for entry in conn.run_on_commit):
        # None pending (a rolled-back transaction dropped its callbacks): start afresh.
        batch = _Batch()
        conn._care_identify_batch = batch  # type: ignore[attr-defined]
    batch.ids |= ids
    batch.refresh_kin = batch.refresh_kin or refresh_kin
    # One callback per call, all flushing the same batch: the first sends every id, the rest
    # find it empty. (Registering once would lose the ids of a savepoint rolled back later.)
    transaction.on_commit(batch.flush)


def enqueue_villages(codes: Iterable[str]) -> None:
    """After a bulk import (call inside its transaction): one task for the villages touched."""
    villages = sorted({c[:12] for c in codes if c})
    if villages:
        transaction.on_commit(lambda: identify_villages_task.enqueue(villages))


def due_person_ids(today: date) -> set[int]:
    """Persons for whom time alone may change an outcome in the last CATCH_UP_DAYS days:
    profiles whose recheck date has come, and anyone reaching 16, 20, 56 or 60, or whose
    absence reaches its six-month mark (their children, spouse and parents follow)."""
    days = [today - timedelta(days=n) for n in range(CATCH_UP_DAYS)]
    ages = {
        rule("CHILD_MAX_AGE_EXCLUSIVE"),
        rule("WOMAN_MIN_AGE"),
        rule("WOMAN_MAX_AGE") + 1,
        rule("ELDERLY_MIN_AGE"),
    }
    months = {rule("WOMAN_SPOUSE_AWAY_MONTHS"), rule("ELDERLY_CHILDREN_AWAY_MONTHS")}
    births = sorted({b for d in days for a in ages for b in starts_falling_on(d, months=12 * a)})
    marks = sorted({s for d in days for m in months for s in starts_falling_on(d, months=m)})
    ids = set(
        CareProfile._base_manager.filter(recheck_on__lte=today).values_list("person_id", flat=True)
    )
    ids.update(Person._base_manager.filter(birth_date__in=births).values_list("id", flat=True))
    ids.update(
        Person._base_manager.filter(
            residence_status__in=AWAY_FOR_ELDERLY, status_since__in=marks
        ).values_list("id", flat=True)
    )
    return ids


def identify_due(now: datetime | None = None) -> dict[str, Any]:
    """The daily run: re-identify everyone whose outcome time may have changed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with system_scope("care: daily identification"):
        ids = due_person_ids(today)
    summary = svc.identify_persons(ids, today, now=now, reason="care: daily identification")
    return {"persons": len(ids), **summary.as_dict()}


@periodic(every=timedelta(days=1), name="care.identification.daily")
@task()
def identify_due_task() -> dict[str, Any]:
    return identify_due()
