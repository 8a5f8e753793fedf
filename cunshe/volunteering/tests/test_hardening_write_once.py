"""The points ledger and the stock movements are write-once in the database itself: a raw
UPDATE or DELETE (around the models' `_WriteOnce`) is refused by triggers on both engines."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from cunshe.volunteering.models import Movement, PointsEntry, StockMovement
from cunshe.volunteering.services import store as svc
from cunshe.volunteering.tests.store_fixtures import shop  # noqa: F401

pytestmark = pytest.mark.django_db

RAW = {
    PointsEntry: ("UPDATE volunteering_pointsentry SET memo = 'x' WHERE id = %s",
                  "DELETE FROM volunteering_pointsentry WHERE id = %s"),
    Movement: ("UPDATE volunteering_movement SET points = points + 1 WHERE id = %s",
               "DELETE FROM volunteering_movement WHERE id = %s"),
    StockMovement: ("UPDATE volunteering_stockmovement SET quantity = quantity + 1 WHERE id = %s",
                    "DELETE FROM volunteering_stockmovement WHERE id = %s"),
}  # fmt: skip


@pytest.fixture
def redeemed(cast, shop):  # type: ignore[no-untyped-def]  # noqa: F811
    """One redemption: a points entry, its movements and a stock movement exist."""
    return svc.redeem(
        actor=cast.clerk_a,
        jurisdiction=shop.clerk_j,
        store=shop.store,
        account=shop.acc1,
        lines=[(shop.rice.pk, 1)],
        request_key=uuid.uuid4().hex,
    )


def _refused(sql: str, pk: int) -> None:
    with pytest.raises(DatabaseError, match="write-once"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql, [pk])


@pytest.mark.parametrize("model", list(RAW), ids=lambda m: m.__name__)
def test_raw_update_and_delete_of_a_ledger_or_stock_row_are_refused(model, redeemed):  # type: ignore[no-untyped-def]
    row = model._base_manager.order_by("-id").first()
    assert row is not None
    before = model._base_manager.filter(pk=row.pk).values().get()
    update, delete = RAW[model]
    _refused(update, row.pk)
    _refused(delete, row.pk)
    assert model._base_manager.filter(pk=row.pk).values().get() == before


def test_queryset_update_and_delete_bypassing_the_model_are_refused(redeemed):  # type: ignore[no-untyped-def]
    entry = redeemed.entry
    with pytest.raises(DatabaseError), transaction.atomic():
        PointsEntry._base_manager.filter(pk=entry.pk).update(memo="改过")
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement._base_manager.filter(redemption=redeemed).delete()
    assert PointsEntry._base_manager.get(pk=entry.pk).memo == entry.memo
    assert StockMovement._base_manager.filter(redemption=redeemed).exists()
