"""`points_verify --fix` locks the cached rows first (items, then accounts, in id order — the
services' order), then reads the movements and rewrites: a redemption committed meanwhile can
never leave a wrong balance or stock behind."""

from __future__ import annotations

import threading
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from cunshe.core.models import AuditEvent
from cunshe.core.tests.conftest import requires_postgres
from cunshe.volunteering.models import PointsAccount, StoreItem
from cunshe.volunteering.services import store as svc
from cunshe.volunteering.services.ledger import verify_ledger
from cunshe.volunteering.tests.store_fixtures import build_shop, shop  # noqa: F401


@pytest.mark.django_db
def test_fix_repairs_a_broken_balance_and_stock_and_audits_it(shop):  # noqa: F811
    PointsAccount._base_manager.filter(pk=shop.acc2.pk).update(balance=7)
    StoreItem._base_manager.filter(pk=shop.rice.pk).update(stock=99)
    assert len(verify_ledger()) == 2
    out = StringIO()
    call_command("points_verify", "--fix", stdout=out)
    text = out.getvalue()
    assert f"fixed: account {shop.acc2.pk}: 7 -> 50" in text
    assert f"fixed: item {shop.rice.pk}: stock 99 -> 5" in text
    assert "points ledger OK" in text
    assert PointsAccount._base_manager.get(pk=shop.acc2.pk).balance == 50
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 5
    event = AuditEvent.objects.get(action="points.ledger.caches_fixed")
    assert len(event.detail["fixed"]) == 2
    assert verify_ledger() == []


@pytest.mark.django_db
def test_fix_on_a_sound_ledger_changes_and_audits_nothing(shop):  # noqa: F811
    out = StringIO()
    call_command("points_verify", "--fix", stdout=out)
    assert "fixed:" not in out.getvalue() and "points ledger OK" in out.getvalue()
    assert not AuditEvent.objects.filter(action="points.ledger.caches_fixed").exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_fix_waits_for_a_redemption_in_flight_and_then_sees_it(cast):  # type: ignore[no-untyped-def]
    """A redemption holds its item and account rows, uncommitted; --fix starts meanwhile. It
    must wait for the locks and then read the redemption's movements (reading them before the
    locks would 'repair' the fresh balance back to the old one)."""
    shop = build_shop(cast)  # noqa: F811
    redeemed, release = threading.Event(), threading.Event()
    result: dict = {}

    def redeem() -> None:
        try:
            with transaction.atomic():
                svc.redeem(actor=cast.clerk_a, jurisdiction=shop.clerk_j, store=shop.store,
                           account=shop.acc1, lines=[(shop.rice.pk, 2)],
                           request_key=uuid.uuid4().hex)  # fmt: skip
                redeemed.set()
                release.wait(30)
        finally:
            connection.close()

    def fix() -> None:
        try:
            out = StringIO()
            call_command("points_verify", "--fix", stdout=out)
            result["out"] = out.getvalue()
        except BaseException as exc:
            result["error"] = repr(exc)
        finally:
            connection.close()

    a = threading.Thread(target=redeem)
    a.start()
    assert redeemed.wait(30)
    b = threading.Thread(target=fix)
    b.start()
    time.sleep(1.0)
    assert b.is_alive(), "--fix did not wait for the redemption's locks"
    release.set()
    a.join(30)
    b.join(30)
    assert "error" not in result, result
    assert "fixed:" not in result["out"] and "points ledger OK" in result["out"]
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 1000 - 200
    assert StoreItem._base_manager.get(pk=shop.rice.pk).stock == 3
    assert verify_ledger() == []
    assert not AuditEvent.objects.filter(action="points.ledger.caches_fixed").exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_fix_runs_alongside_a_busy_counter_without_deadlock_or_wrong_caches(cast):  # type: ignore[no-untyped-def]
    """Twenty redemptions and five --fix runs at once: no deadlock, nothing 'fixed' (the caches
    were right all along), and the ledger sound at the end."""
    shop = build_shop(cast)  # noqa: F811
    n_redeem, n_fix = 20, 5
    barrier = threading.Barrier(n_redeem + n_fix)
    errors: list[str] = []
    fixed: list[str] = []

    def redeem() -> None:
        barrier.wait()
        try:
            svc.redeem(actor=cast.clerk_a, jurisdiction=shop.clerk_j, store=shop.store,
                       account=shop.acc1, lines=[(shop.soap.pk, 1)],
                       request_key=uuid.uuid4().hex)  # fmt: skip
        except BaseException as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    def fix() -> None:
        barrier.wait()
        try:
            out = StringIO()
            call_command("points_verify", "--fix", stdout=out)
            fixed.extend(line for line in out.getvalue().splitlines() if "fixed:" in line)
        except BaseException as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(n_redeem)]
    threads += [threading.Thread(target=fix) for _ in range(n_fix)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and fixed == []
    assert PointsAccount._base_manager.get(pk=shop.acc1.pk).balance == 1000 - n_redeem * 10
    assert StoreItem._base_manager.get(pk=shop.soap.pk).stock == 50 - n_redeem
    assert verify_ledger() == []
