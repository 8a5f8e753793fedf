"""`manage.py points_verify [--fix]`: check the points ledger (services/ledger.verify_ledger).

Exit 0 when the ledger and every entry sum to zero and every cached balance and stock equals
its movements; otherwise list the problems and exit 1. `--fix` rewrites the cached balances and
stocks from the movements (the movements are the truth) and audits what it changed; problems
that a cache cannot explain (an unbalanced entry, a sum below zero) still exit 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Sum

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import system_scope
from cunshe.volunteering.models import Movement, PointsAccount, StockMovement, StoreItem
from cunshe.volunteering.services.ledger import verify_ledger


class Command(BaseCommand):
    help = "Verify the points ledger against its movements (exit 1 on any problem)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="Rewrite cached balances/stock from movements."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fix"]:
            fixed = self._fix()
            for line in fixed:
                self.stdout.write(f"fixed: {line}")
        problems = verify_ledger()
        if problems:
            for line in problems:
                self.stdout.write(line)
            raise CommandError(f"{len(problems)} problem(s) in the points ledger", returncode=1)
        self.stdout.write("points ledger OK")

    @transaction.atomic
    def _fix(self) -> list[str]:
        """Lock first, then read the movements, then rewrite: all in one transaction.

        The rows are locked in the services' order (services/store.py: items by id, then
        accounts by id, then the audit chain — so the locks come before system_scope, whose
        entry is audited). A redemption running now either committed before the locks were
        granted (its movements are then seen by the sums, read after the locks under READ
        COMMITTED) or waits for this transaction; no cache is rewritten from stale sums, and
        no lock is taken in the opposite order (no deadlock with the counter).
        """
        items = list(
            StoreItem._base_manager.select_for_update().order_by("pk").values_list("pk", "stock")
        )
        accounts = list(
            PointsAccount._base_manager.select_for_update()
            .order_by("pk")
            .values_list("pk", "balance")
        )
        fixed: list[str] = []
        with system_scope("points_verify --fix") as j:
            stock = dict(
                StockMovement._base_manager.values("item_id")
                .annotate(s=Sum("quantity"))
                .values_list("item_id", "s")
            )
            sums = dict(
                Movement._base_manager.values("account_id")
                .annotate(s=Sum("points"))
                .values_list("account_id", "s")
            )
            for pk, cached in items:
                expected = int(stock.get(pk) or 0)
                if cached != expected:
                    StoreItem._base_manager.filter(pk=pk).update(stock=expected)
                    fixed.append(f"item {pk}: stock {cached} -> {expected}")
            for pk, balance in accounts:
                expected = int(sums.get(pk) or 0)
                if balance != expected:
                    PointsAccount._base_manager.filter(pk=pk).update(balance=expected)
                    fixed.append(f"account {pk}: {balance} -> {expected}")
            if fixed:
                audit("points.ledger.caches_fixed", jurisdiction=j, detail={"fixed": fixed})
        return fixed
