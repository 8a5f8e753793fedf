"""Security review (part `security`): races on the ledger, on PostgreSQL with real threads (each
its own connection, released together by a barrier) — the crediting job run twice at once
credits each declaration once; two reversals of one redemption put the points and the goods
back once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cunshe.core.tests.conftest import requires_postgres
from cunshe.volunteering.models import (
    Declaration,
    PointsAccount,
    PointsEntry,
    Redemption,
    StockMovement,
    StoreItem,
)
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import store as svc
from cunshe.volunteering.services.ledger import verify_ledger
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.points_fixtures import later
from cunshe.volunteering.tests.store_fixtures import build_shop


def _together(n: int, fn) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    out: list = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            result = fn()
        except (ValidationError, PermissionDenied) as exc:
            result = exc
        except BaseException as exc:
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            out.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_crediting_job_run_twice_at_once_credits_once(posted):  # type: ignore[no-untyped-def]
    rows = [posted(hh=1), posted(hh=2, quantity=1)]
    today = later(rows[0])
    results = _together(2, lambda: dsvc.credit_due(today=today))
    # Each run may credit some of the two (they interleave row by row), never both the same one.
    assert all(isinstance(r, int) for r in results) and sum(results) == 2, results
    assert PointsEntry._base_manager.filter(kind=PointsEntry.Kind.EARN).count() == 2
    for row in rows:
        row = Declaration._base_manager.get(pk=row.pk)
        assert row.status == Declaration.Status.CREDITED
        account = PointsAccount._base_manager.get(household_id=row.household_id)
        assert account.balance == row.points
    assert verify_ledger() == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_reversals_of_one_redemption_at_once_reverse_it_once(cast):  # type: ignore[no-untyped-def]
    shop = build_shop(cast)
    row = svc.redeem(actor=cast.clerk_a, jurisdiction=shop.clerk_j, store=shop.store,
                     account=shop.acc1, lines=[(shop.rice.pk, 3), (shop.soap.pk, 2)],
                     request_key=uuid.uuid4().hex)  # fmt: skip
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 1000 - 320
    results = _together(
        2,
        lambda: svc.redemption_reverse(
            actor=cast.leader_a, jurisdiction=shop.leader_j, redemption=row, reason="退货"
        ),
    )
    done = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(done), len(refused)) == (1, 1), results
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 1000
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 5
    assert StoreItem._base_manager.get(pk=shop.soap.pk).stock == 50
    assert PointsEntry._base_manager.filter(kind=PointsEntry.Kind.REVERSAL).count() == 1
    assert StockMovement._base_manager.filter(kind=StockMovement.Kind.REVERSAL).count() == 2
    assert verify_ledger() == []
