"""The issue's invariant: 200 redemptions at the same moment against ONE household balance and
ONE scarce item never take the balance or the stock below zero, and exactly what was
affordable succeeds. On PostgreSQL each worker is a thread with its own connection, all
released together by a barrier. The server allows 100 connections (and other suites share
it), so at most IN_FLIGHT workers hold a connection at once (STORE_CONCURRENCY_IN_FLIGHT,
default 40); the other workers queue on a semaphore and go as soon as one finishes. On SQLite
(which serialises writers and proves nothing about locks) a smaller sequential run checks the
same arithmetic."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cunshe.core.tests.conftest import ON_POSTGRES, requires_postgres
from cunshe.volunteering.models import PointsAccount, Redemption, StoreItem
from cunshe.volunteering.services import store as svc
from cunshe.volunteering.services.ledger import verify_ledger
from cunshe.volunteering.tests.store_fixtures import build_shop

WORKERS = 200
IN_FLIGHT = int(os.environ.get("STORE_CONCURRENCY_IN_FLIGHT", "40"))


def _storm(cast, shop, item, n: int) -> dict:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    gate = threading.Semaphore(IN_FLIGHT)
    lock = threading.Lock()
    out: dict = {"ok": 0, "insufficient_stock": 0, "insufficient_points": 0, "other": [],
                 "busy": 0, "max_busy": 0}  # fmt: skip

    def run() -> None:
        barrier.wait()
        with gate:
            with lock:
                out["busy"] += 1
                out["max_busy"] = max(out["max_busy"], out["busy"])
            try:
                svc.redeem(actor=cast.clerk_a, jurisdiction=shop.clerk_j, store=shop.store,
                           account=shop.acc1, lines=[(item.pk, 1)],
                           request_key=uuid.uuid4().hex)  # fmt: skip
                key = "ok"
            except ValidationError as exc:
                key = exc.error_list[0].code if exc.error_list[0].code in out else "other"
                if key == "other":
                    with lock:
                        out["other"].append(exc.messages)
            except BaseException as exc:
                key = "other"
                with lock:
                    out["other"].append(repr(exc))
            finally:
                connection.close()
                with lock:
                    out["busy"] -= 1
            with lock:
                if key != "other":
                    out[key] += 1

    threads = [threading.Thread(target=run) for _ in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    out["seconds"] = round(time.perf_counter() - started, 2)
    return out


def _check(shop, item, out, *, successes: int, balance: int, stock: int) -> None:  # type: ignore[no-untyped-def]
    print(f"\n{item.name}: {out}")  # the figures for the report (pytest -s)
    assert out["other"] == []
    assert out["ok"] == successes
    assert Redemption._base_manager.count() == successes
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == balance
    assert StoreItem._base_manager.get(pk=item.pk).stock == stock
    assert verify_ledger() == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_redemptions_stock_is_scarce(cast):
    """Balance 1,000, 食用油 30 points, stock 20: affordable 33, stock 20 → 20 succeed."""
    shop = build_shop(cast)
    out = _storm(cast, shop, shop.oil, WORKERS)
    _check(shop, shop.oil, out, successes=20, balance=1000 - 20 * 30, stock=0)
    assert out["insufficient_stock"] == WORKERS - 20


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_redemptions_points_are_scarce(cast):
    """Balance 1,000, 食用油 30 points, stock 220: affordable 33 → 33 succeed, 10 left."""
    shop = build_shop(cast)
    svc.stock_in(actor=cast.clerk_a, jurisdiction=shop.clerk_j, item=shop.oil, kind="purchase",
                 quantity=200, cost_yuan="9000")  # fmt: skip
    out = _storm(cast, shop, shop.oil, WORKERS)
    _check(shop, shop.oil, out, successes=33, balance=10, stock=220 - 33)
    assert out["insufficient_points"] == WORKERS - 33


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL tests above run the concurrent version")
def test_sequential_redemptions_stop_at_what_was_affordable(cast):
    """SQLite: 40 one-after-another attempts; 20 (the stock) succeed, the rest are refused."""
    shop = build_shop(cast)
    ok = refused = 0
    for i in range(40):
        try:
            svc.redeem(actor=cast.clerk_a, jurisdiction=shop.clerk_j, store=shop.store,
                       account=shop.acc1, lines=[(shop.oil.pk, 1)],
                       request_key=f"seq-{i}")  # fmt: skip
            ok += 1
        except ValidationError:
            refused += 1
    assert (ok, refused) == (20, 20)
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 400
    assert StoreItem._base_manager.get(pk=shop.oil.pk).stock == 0
    assert verify_ledger() == []
