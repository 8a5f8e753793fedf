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
        fixed: list[str] = []
        with system_scope("points_verify --fix") as j:
            sums = dict(
                Movement.objects.values("account_id")
                .annotate(s=Sum("points"))
                .values_list("account_id", "s")
            )
            for acc in PointsAccount.objects.select_for_update().order_by("pk"):
                expected = int(sums.get(acc.pk) or 0)
                if acc.balance != expected:
                    PointsAccount._base_manager.filter(pk=acc.pk).update(balance=expected)
                    fixed.append(f"account {acc.pk}: {acc.balance} -> {expected}")
            stock = dict(
                StockMovement.objects.values("item_id")
                .annotate(s=Sum("quantity"))
                .values_list("item_id", "s")
            )
            for item in StoreItem.objects.select_for_update().order_by("pk"):
                expected = int(stock.get(item.pk) or 0)
                if item.stock != expected:
                    StoreItem._base_manager.filter(pk=item.pk).update(stock=expected)
                    fixed.append(f"item {item.pk}: stock {item.stock} -> {expected}")
            if fixed:
                audit("points.ledger.caches_fixed", jurisdiction=j, detail={"fixed": fixed})
        return fixed
