"""Reads of the points part, always through the caller's jurisdiction."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from cunshe.core.access import get_scoped_or_404
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.models import Household, Person
from cunshe.volunteering.models import (
    Declaration,
    EarningRule,
    Movement,
    Objection,
    PointsAccount,
    PointsEntry,
)

VIEW, PARTICIPATE = "points.view", "points.participate"
Status = Declaration.Status


def villages_for(j: Jurisdiction) -> QuerySet[Region]:
    return Region.objects.within(j).filter(level=Level.VILLAGE).order_by("code")


def rules_for(j: Jurisdiction, *, current_only: bool = False) -> QuerySet[EarningRule]:
    qs = EarningRule.objects.within(j).select_related("region")
    return qs.filter(valid_to__isnull=True) if current_only else qs


def current_rules_of_village(village_code: str) -> QuerySet[EarningRule]:
    return EarningRule._base_manager.filter(
        region__code=village_code, valid_to__isnull=True
    ).order_by("category", "code")


def get_rule_for(j: Jurisdiction, pk: int, need: str = VIEW) -> EarningRule:
    return get_scoped_or_404(
        EarningRule.objects.within(j).select_related("region"), j, need=need, pk=pk
    )


def declarations_for(j: Jurisdiction, status: str = "") -> QuerySet[Declaration]:
    qs = Declaration.objects.within(j).select_related("rule", "household", "person", "region")
    if status:
        qs = qs.filter(status=status)
    return qs


def get_declaration_for(j: Jurisdiction, pk: int, need: str = VIEW) -> Declaration:
    return get_scoped_or_404(
        Declaration.objects.within(j).select_related(
            "rule", "household", "person", "region", "entry"
        ),
        j,
        need=need,
        pk=pk,
    )


def objections_of(declaration: Declaration) -> list[Objection]:
    return list(Objection._base_manager.filter(declaration=declaration).order_by("id"))


def own_person(j: Jurisdiction) -> Person | None:
    if j.user_id is None:
        return None
    return (
        Person._base_manager.filter(account_id=j.user_id)
        .select_related("household", "region")
        .first()
    )


def household_declarations(household_id: int) -> QuerySet[Declaration]:
    return Declaration._base_manager.filter(household_id=household_id).select_related("rule")


def posted_in_village(village_code: str) -> QuerySet[Declaration]:
    return (
        Declaration._base_manager.filter(village_code=village_code, status=Status.POSTED)
        .select_related("rule", "household")
        .order_by("posting_ends_on", "id")
    )


def get_posted_for_villager(j: Jurisdiction, pk: int) -> Declaration:
    """A posted declaration of the villager's own village (404 otherwise)."""
    own = own_person(j)
    row = (
        Declaration._base_manager.filter(pk=pk, status=Status.POSTED)
        .select_related("rule", "household", "region")
        .first()
    )
    if own is None or row is None or row.village_code != own.region_code[:12]:
        raise Http404
    return row


def accounts_for(j: Jurisdiction) -> QuerySet[PointsAccount]:
    return (
        PointsAccount.objects.within(j)
        .filter(kind__in=[PointsAccount.Kind.HOUSEHOLD, PointsAccount.Kind.PERSON])
        .select_related("household", "person")
        .order_by("village_code", "-balance", "id")
    )


def get_account_for(j: Jurisdiction, pk: int, need: str = VIEW) -> PointsAccount:
    return get_scoped_or_404(
        PointsAccount.objects.within(j).select_related("household", "person", "store"),
        j,
        need=need,
        pk=pk,
    )


_INTERNAL_ID = re.compile(r"（申报#\d+）")


def villager_memo(memo: str) -> str:
    """A ledger memo as a villager reads it: without internal ids (entries credited before the
    memos dropped them said '孝敬照料老人 ×1（申报#2）'; ledger rows are never rewritten)."""
    return _INTERNAL_ID.sub("", memo)


def movements_with_running(account: PointsAccount, limit: int = 200) -> list[dict[str, Any]]:
    """The account's movements, newest first, each with the balance after it, its memo as a
    villager reads it and the declaration it credited (None otherwise) for the staff's link."""
    rows = list(
        Movement._base_manager.filter(account=account)
        .select_related("entry__declaration")
        .order_by("-id")[:limit]
    )
    running = account.balance
    out = []
    for m in rows:
        try:
            declaration = m.entry.declaration  # cached by select_related
        except Declaration.DoesNotExist:
            declaration = None
        out.append({"movement": m, "entry": m.entry, "after": running,
                    "memo": villager_memo(m.entry.memo), "declaration": declaration})  # fmt: skip
        running -= m.points
    return out


def village_ledger(village_code: str) -> dict[str, int]:
    """Issued (earned), redeemed, in circulation (= −issuance balance) for one village."""
    earned = (
        Movement._base_manager.filter(
            entry__kind=PointsEntry.Kind.EARN,
            account__kind=PointsAccount.Kind.ISSUANCE,
            account__village_code=village_code,
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    reversed_earn = (
        Movement._base_manager.filter(
            entry__kind=PointsEntry.Kind.REVERSAL,
            account__kind=PointsAccount.Kind.ISSUANCE,
            account__village_code=village_code,
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    redeemed = (
        Movement._base_manager.filter(
            entry__kind=PointsEntry.Kind.REDEEM,
            account__kind=PointsAccount.Kind.STORE,
            account__village_code=village_code,
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    issuance = (
        PointsAccount._base_manager.filter(
            kind=PointsAccount.Kind.ISSUANCE, village_code=village_code
        )
        .values_list("balance", flat=True)
        .first()
        or 0
    )
    return {
        "issued": -int(earned),
        "reversed": int(reversed_earn),
        "redeemed": int(redeemed),
        "in_circulation": -int(issuance),
    }


def entries_for(j: Jurisdiction) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.within(j)
        .select_related("reverses")
        .prefetch_related(
            Prefetch("movements", queryset=Movement._base_manager.select_related("account"))
        )
    )


def get_entry_for(j: Jurisdiction, pk: int, need: str = VIEW) -> PointsEntry:
    return get_scoped_or_404(PointsEntry.objects.within(j), j, need=need, pk=pk)


def household_for(j: Jurisdiction, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.within(j), j, need="points.declare", pk=pk)
