"""The one writer of the points ledger: every entry goes through `post_entry` (or
`reverse_entry`), so the invariants hold in one place:

- an entry has ≥ 2 lines, none zero, summing to zero;
- each line changes its account's cached balance in the same transaction; a debit of a
  household or person account is a conditional UPDATE (`balance >= n`), so two clerks redeeming
  at once can never take it below zero — the loser gets `InsufficientPoints` and nothing is
  written (the transaction rolls back);
- an entry is reversed at most once (a OneToOne), by an entry with the opposite lines.

Callers (declarations, the store) run inside their own `transaction.atomic()`; these functions
open a savepoint of their own as well, so a refusal leaves nothing behind either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from cunshe.core.jurisdiction import system_scope
from cunshe.regions.models import Region
from cunshe.volunteering.models import Movement, PointsAccount, PointsEntry

Kind = PointsAccount.Kind
GUARDED = (Kind.HOUSEHOLD, Kind.PERSON)


class InsufficientPoints(ValidationError):
    """The account's balance does not cover the debit (nothing was written)."""


def _village(region: Region) -> Region:
    code = region.code[:12]
    if region.code == code:
        return region
    return Region.objects.get(code=code)


def issuance_account(village: Region) -> PointsAccount:
    """The village's issuance account (points are earned out of it; its balance is minus all
    points in circulation). Created on first use."""
    code = village.code[:12]
    account, _created = PointsAccount._base_manager.get_or_create(
        kind=Kind.ISSUANCE, village_code=code, defaults={"region": _village(village)}
    )
    return account


def household_account(household) -> PointsAccount:  # type: ignore[no-untyped-def]
    """The household's points account, created on first use."""
    account, _created = PointsAccount._base_manager.get_or_create(
        household=household,
        defaults={
            "kind": Kind.HOUSEHOLD,
            "region_id": household.region_id,
            "village_code": household.region_code[:12],
        },
    )
    return account


def person_account(person) -> PointsAccount:  # type: ignore[no-untyped-def]
    """A person's own points account (for rules that credit a person), created on first use."""
    account, _created = PointsAccount._base_manager.get_or_create(
        person=person,
        defaults={
            "kind": Kind.PERSON,
            "region_id": person.region_id,
            "village_code": person.region_code[:12],
        },
    )
    return account


def store_account(store) -> PointsAccount:  # type: ignore[no-untyped-def]
    """The store's account (redeemed points arrive here), created on first use."""
    account, _created = PointsAccount._base_manager.get_or_create(
        store=store,
        defaults={
            "kind": Kind.STORE,
            "region_id": store.region_id,
            "village_code": store.region_code[:12],
        },
    )
    return account


def post_entry(
    *,
    kind: str,
    region: Region,
    lines: Iterable[tuple[PointsAccount, int]],
    memo: str,
    actor=None,  # type: ignore[no-untyped-def]
    reverses: PointsEntry | None = None,
    reason: str = "",
) -> PointsEntry:
    """Write one balanced entry and move the cached balances, or raise and write nothing."""
    merged: dict[int, int] = defaultdict(int)
    accounts: dict[int, PointsAccount] = {}
    for account, points in lines:
        if not isinstance(points, int) or isinstance(points, bool):
            raise ValidationError(_("积分必须是整数。"))
        merged[account.pk] += points
        accounts[account.pk] = account
    merged = {pk: pts for pk, pts in merged.items() if pts != 0}
    if len(merged) < 2:
        raise ValidationError(_("一笔积分分录至少要有两个账户。"))
    if sum(merged.values()) != 0:
        raise ValidationError(_("积分分录借贷不平衡。"))
    with transaction.atomic():
        # Lock order by account id, so two entries touching the same accounts cannot deadlock.
        for pk in sorted(merged):
            points = merged[pk]
            account = accounts[pk]
            qs = PointsAccount._base_manager.filter(pk=pk)
            if points < 0 and account.kind in GUARDED:
                changed = qs.filter(balance__gte=-points).update(balance=F("balance") + points)
                if not changed:
                    raise InsufficientPoints(_("积分余额不足。"), code="insufficient_points")
            else:
                qs.update(balance=F("balance") + points)
        try:
            entry = PointsEntry(
                kind=kind,
                region=region,
                memo=memo[:200],
                created_by=actor if getattr(actor, "pk", None) else None,
                reverses=reverses,
                reason=reason,
            )
            entry.save()
        except IntegrityError as exc:
            raise ValidationError(_("这笔分录已经冲正过，不能重复冲正。")) from exc
        Movement._base_manager.bulk_create(  # a caller need not be in a system scope
            [
                Movement(
                    entry=entry,
                    account_id=pk,
                    points=merged[pk],
                    region_id=accounts[pk].region_id,
                    region_code=accounts[pk].region_code,
                )
                for pk in sorted(merged)
            ]
        )
    for pk, points in merged.items():
        accounts[pk].balance += points  # keep the caller's objects in step
    return entry


def reverse_entry(*, entry: PointsEntry, actor, reason: str) -> PointsEntry:  # type: ignore[no-untyped-def]
    """Reverse an entry with the opposite lines (a reversal itself cannot be reversed)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("冲正必须说明原因。"))
    if entry.kind == PointsEntry.Kind.REVERSAL:
        raise ValidationError(_("冲正分录不能再冲正。"))
    if PointsEntry._base_manager.filter(reverses=entry).exists():
        raise ValidationError(_("这笔分录已经冲正过，不能重复冲正。"))
    movements = list(Movement._base_manager.filter(entry=entry).select_related("account"))
    return post_entry(
        kind=PointsEntry.Kind.REVERSAL,
        region=entry.region,
        lines=[(m.account, -m.points) for m in movements],
        memo=_("冲正：%(memo)s") % {"memo": entry.memo},
        actor=actor,
        reverses=entry,
        reason=reason,
    )


def balance_from_movements(account: PointsAccount) -> int:
    """The balance as the sum of the account's movements (the truth the cache must equal)."""
    total = Movement._base_manager.filter(account=account).aggregate(s=Sum("points"))["s"]
    return int(total or 0)


def verify_ledger() -> list[str]:
    """Every problem found: the ledger or an entry not summing to zero, a cached balance or
    stock that differs from its movements, a guarded balance below zero. Empty = sound."""
    from cunshe.volunteering.models import StockMovement, StoreItem

    problems: list[str] = []
    with system_scope("points_verify"):
        total = Movement.objects.aggregate(s=Sum("points"))["s"] or 0
        if total != 0:
            problems.append(f"ledger sums to {total}, not 0")
        unbalanced = (
            Movement.objects.values("entry_id")
            .annotate(s=Sum("points"))
            .exclude(s=0)
            .values_list("entry_id", "s")
        )
        problems += [f"entry {pk} sums to {s}" for pk, s in unbalanced]
        sums = dict(
            Movement.objects.values("account_id")
            .annotate(s=Sum("points"))
            .values_list("account_id", "s")
        )
        for pk, kind, balance in PointsAccount.objects.values_list("pk", "kind", "balance"):
            expected = int(sums.get(pk) or 0)
            if balance != expected:
                problems.append(f"account {pk} caches {balance}, movements say {expected}")
            if kind in GUARDED and expected < 0:
                problems.append(f"account {pk} is below zero ({expected})")
        stock = dict(
            StockMovement.objects.values("item_id")
            .annotate(s=Sum("quantity"))
            .values_list("item_id", "s")
        )
        for pk, cached in StoreItem.objects.values_list("pk", "stock"):
            expected = int(stock.get(pk) or 0)
            if cached != expected:
                problems.append(f"item {pk} caches stock {cached}, movements say {expected}")
            if expected < 0:
                problems.append(f"item {pk} stock below zero ({expected})")
    return problems
