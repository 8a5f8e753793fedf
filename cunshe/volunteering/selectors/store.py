"""Reads of the points store (爱心超市): stores, goods, donors, the counter's account lookups,
redemptions, monthly statements (household and store) and the public donors list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name
from cunshe.residents.codes import HEAD
from cunshe.residents.models import GONE, Household, Person
from cunshe.volunteering.models import (
    Donor,
    Movement,
    PointsAccount,
    PointsEntry,
    Redemption,
    StockMovement,
    Store,
    StoreItem,
)

VIEW = "points.view"
STORE = "points.store"
PARTICIPATE = "points.participate"
Move = StockMovement.Kind


def stores_for(jurisdiction: Jurisdiction | None) -> QuerySet[Store]:
    j = require_perm(jurisdiction, VIEW)
    return (
        Store.objects.within(j)
        .select_related("region")
        .annotate(
            n_items=Count("items", filter=Q(items__active=True), distinct=True),
        )
        .order_by("region_code", "name", "id")
    )


def get_store_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Store:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(Store.objects.within(j).select_related("region"), j, need=need, pk=pk)


def items_of(store: Store, *, active_only: bool = False) -> list[StoreItem]:
    qs = StoreItem._base_manager.filter(store=store)
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("price_points", "name", "id"))


def get_item_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> StoreItem:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        StoreItem.objects.within(j).select_related("store"), j, need=need, pk=pk
    )


def donors_for(jurisdiction: Jurisdiction | None, *, village_code: str = "") -> QuerySet[Donor]:
    j = require_perm(jurisdiction, VIEW)
    qs = Donor.objects.within(j).annotate(n_gifts=Count("gifts"), n_units=Sum("gifts__quantity"))
    if village_code:
        qs = qs.filter(region_code=village_code)
    return qs.order_by("region_code", "name", "id")


def get_donor_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Donor:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(Donor.objects.within(j), j, need=need, pk=pk)


def recent_moves(store: Store, limit: int = 30) -> list[StockMovement]:
    return list(
        StockMovement._base_manager.filter(item__store=store)
        .select_related("item", "donor")
        .order_by("-recorded_at", "-id")[:limit]
    )


def redemptions_of(store: Store, limit: int = 30) -> list[Redemption]:
    return list(
        Redemption._base_manager.filter(store=store)
        .select_related("account")
        .order_by("-redeemed_at", "-id")[:limit]
    )


def get_redemption_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> Redemption:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Redemption.objects.within(j).select_related("store", "account", "entry"),
        j,
        need=need,
        pk=pk,
    )


def lines_of(redemption: Redemption) -> list[Any]:
    return list(redemption.lines.select_related("item").order_by("id"))


# --- the counter ----------------------------------------------------------------------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


def parse_token(raw: str) -> str:
    """The card token from what the scanner typed: the bare token, or a URL ending in it or
    carrying it as `?token=` / `#token`."""
    text = (raw or "").strip()
    m = re.search(r"[?&#]token=([A-Za-z0-9_-]+)", text)
    if m:
        return m.group(1)
    if "/" in text:
        text = [p for p in re.split(r"[/?#]", text) if p][-1] if text.strip("/") else ""
    return text


def account_by_token(jurisdiction: Jurisdiction, raw: str) -> PointsAccount | None:
    """A household or person account in the jurisdiction with this card token, or None."""
    token = parse_token(raw)
    if not _TOKEN.match(token):
        return None
    return (
        PointsAccount.objects.within(jurisdiction)
        .filter(
            card_token=token, kind__in=[PointsAccount.Kind.HOUSEHOLD, PointsAccount.Kind.PERSON]
        )
        .select_related("household", "person")
        .first()
    )


def get_account_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> PointsAccount:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        PointsAccount.objects.within(j).select_related("household", "person").filter(
            kind__in=[PointsAccount.Kind.HOUSEHOLD, PointsAccount.Kind.PERSON]
        ),
        j, need=need, pk=pk,
    )  # fmt: skip


def _heads(household_ids: list[int]) -> dict[int, str]:
    return dict(
        Person._base_manager.filter(household_id__in=household_ids, relationship=HEAD)
        .exclude(residence_status__in=GONE)
        .values_list("household_id", "name")
    )


def household_label(household: Household, *, masked: bool = True) -> str:
    """'赵** 户（M-001）' (masked for the counter)."""
    head = _heads([household.pk]).get(household.pk, "")
    name = mask_name(head) if masked else head
    return f"{name} 户（{household.number}）" if name else household.number


def existing_household_account(household_id: int) -> PointsAccount | None:
    """The household's points account if it has one; never creates it (reads stay reads: the
    account is created by the first credit or by the POST that needs it)."""
    return PointsAccount._base_manager.filter(household_id=household_id).first()


def account_label(account: PointsAccount, *, masked: bool = True) -> str:
    """'赵** 户（M-001）' for a household, '钱**' for a person (masked for the counter)."""
    if account.kind == PointsAccount.Kind.HOUSEHOLD and account.household_id:
        head = _heads([account.household_id]).get(account.household_id, "")
        name = mask_name(head) if masked else head
        return f"{name} 户（{account.household.number}）" if name else account.household.number
    if account.person_id:
        return mask_name(account.person.name) if masked else account.person.name
    return str(account.get_kind_display())


def households_search(jurisdiction: Jurisdiction, query: str, *, limit: int = 20) -> list[dict]:
    """The fallback when no card is at hand: households of the jurisdiction by number or the
    head's name (prefix), masked; audited (who looked up what)."""
    q = (query or "").strip()[:30]
    if not q:
        return []
    by_number = Household.objects.within(jurisdiction).filter(number__istartswith=q)
    by_head = (
        Person.objects.within(jurisdiction)
        .filter(Q(name__startswith=q) | Q(name_pinyin__startswith=q.lower()), relationship=HEAD)
        .exclude(residence_status__in=GONE)
    )
    ids = set(by_number.values_list("pk", flat=True)[:limit])
    ids |= set(by_head.values_list("household_id", flat=True)[:limit])
    households = list(Household._base_manager.filter(pk__in=ids).order_by("number")[:limit])
    heads = _heads([h.pk for h in households])
    audit("points.counter.searched", jurisdiction=jurisdiction,
          detail={"query": q, "found": len(households)})  # fmt: skip
    return [
        {"household": h, "label": f"{mask_name(heads.get(h.pk, ''))} 户（{h.number}）"}
        for h in households
    ]


# --- statements -----------------------------------------------------------------------------


def month_bounds(month: str | None) -> tuple[date, datetime, datetime]:
    """'2026-05' (default: this month, Beijing time) → (first day, start, end) as aware
    datetimes; a malformed month is a 404."""
    today = timezone.localdate()
    if month:
        m = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
            raise Http404
        first = date(int(m.group(1)), int(m.group(2)), 1)
    else:
        first = today.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (first, datetime.combine(first, time.min, tz), datetime.combine(nxt, time.min, tz))


@dataclass
class AccountStatement:
    account: PointsAccount
    first: date
    opening: int
    rows: list[dict] = field(default_factory=list)
    earned: int = 0
    redeemed: int = 0
    corrected: int = 0

    @property
    def closing(self) -> int:
        return self.opening + sum(r["points"] for r in self.rows)


def account_statement(account: PointsAccount, month: str | None = None) -> AccountStatement:
    """Opening balance, every movement of the month with its memo, closing; earned vs
    redeemed (corrections apart)."""
    first, start, end = month_bounds(month)
    base = Movement._base_manager.filter(account=account)
    opening = base.filter(created_at__lt=start).aggregate(s=Sum("points"))["s"] or 0
    st = AccountStatement(account=account, first=first, opening=int(opening))
    running = st.opening
    moves = (
        base.filter(created_at__gte=start, created_at__lt=end)
        .select_related("entry")
        .order_by("created_at", "id")
    )
    for m in moves:
        running += m.points
        st.rows.append({"at": m.created_at, "memo": m.entry.memo, "kind": m.entry.kind,
                        "kind_label": m.entry.get_kind_display(), "points": m.points,
                        "balance": running, "reason": m.entry.reason})  # fmt: skip
        if m.entry.kind == PointsEntry.Kind.EARN:
            st.earned += m.points
        elif m.entry.kind == PointsEntry.Kind.REDEEM:
            st.redeemed -= m.points
        else:
            st.corrected += m.points
    return st


@dataclass
class StoreStatement:
    store: Store
    first: date
    items: list[dict] = field(default_factory=list)
    points_in: int = 0
    points_reversed: int = 0
    cost_fen: int = 0
    redemptions: int = 0

    @property
    def cost_yuan(self) -> str:
        return f"{self.cost_fen / 100:.2f}"


def store_statement(store: Store, month: str | None = None) -> StoreStatement:
    """Per item: opening stock, in by purchase, in by donation, out by redemption (net of
    reversals), adjustments, closing; points received; purchase cost."""
    first, start, end = month_bounds(month)
    st = StoreStatement(store=store, first=first)
    items = StoreItem._base_manager.filter(store=store).order_by("price_points", "name", "id")
    moves = StockMovement._base_manager.filter(item__store=store)
    opening = dict(
        moves.filter(recorded_at__lt=start)
        .values("item_id").annotate(s=Sum("quantity")).values_list("item_id", "s")
    )  # fmt: skip
    month_rows = (
        moves.filter(recorded_at__gte=start, recorded_at__lt=end)
        .values("item_id", "kind")
        .annotate(s=Sum("quantity"), c=Sum("cost_fen"))
    )
    by: dict[tuple[int, str], int] = {}
    for r in month_rows:
        by[(r["item_id"], r["kind"])] = int(r["s"] or 0)
        st.cost_fen += int(r["c"] or 0) if r["kind"] == Move.PURCHASE else 0
    for item in items:
        o = int(opening.get(item.pk) or 0)
        row = {
            "item": item, "opening": o,
            "purchase": by.get((item.pk, Move.PURCHASE), 0),
            "donation": by.get((item.pk, Move.DONATION), 0),
            "redemption": -by.get((item.pk, Move.REDEMPTION), 0),
            "reversal": by.get((item.pk, Move.REVERSAL), 0),
            "adjustment": by.get((item.pk, Move.ADJUSTMENT), 0),
        }  # fmt: skip
        row["closing"] = (o + row["purchase"] + row["donation"] - row["redemption"]
                          + row["reversal"] + row["adjustment"])  # fmt: skip
        st.items.append(row)
    account = PointsAccount._base_manager.filter(store=store).first()
    if account is not None:
        pts = Movement._base_manager.filter(
            account=account, created_at__gte=start, created_at__lt=end
        )
        st.points_in = int(
            pts.filter(entry__kind=PointsEntry.Kind.REDEEM).aggregate(s=Sum("points"))["s"] or 0
        )
        st.points_reversed = -int(
            pts.filter(entry__kind=PointsEntry.Kind.REVERSAL).aggregate(s=Sum("points"))["s"] or 0
        )
    st.redemptions = Redemption._base_manager.filter(
        store=store, redeemed_at__gte=start, redeemed_at__lt=end
    ).count()
    return st


# --- villager and public --------------------------------------------------------------------


def own_household_account(
    jurisdiction: Jurisdiction,
) -> tuple[Household | None, PointsAccount | None]:
    from cunshe.residents.selectors import own_person

    j = require_jurisdiction(jurisdiction)
    person = own_person(j)
    if person is None:
        return None, None
    return person.household, existing_household_account(person.household_id)


def village_stores(village_code: str) -> list[Store]:
    return list(
        Store._base_manager.filter(region_code=village_code, active=True).order_by("name", "id")
    )


def catalogue(village_code: str) -> list[StoreItem]:
    """Active goods of the village's open stores (for the villager and the public page)."""
    return list(
        StoreItem._base_manager.filter(
            store__region_code=village_code, store__active=True, active=True
        )
        .select_related("store")
        .order_by("store_id", "price_points", "name", "id")
    )


def public_donors(village_code: str) -> list[dict]:
    """The village's donors who agreed to be named: name, kind and what they gave (item and
    quantity) — never a phone number or an unconsented donor."""
    rows = (
        StockMovement._base_manager.filter(
            kind=Move.DONATION, donor__public=True, region_code__startswith=village_code
        )
        .values("donor_id", "donor__name", "donor__kind", "item__name", "item__unit")
        .annotate(quantity=Sum("quantity"))
        .order_by("donor__name", "donor_id", "item__name")
    )
    out: dict[int, dict] = {}
    labels = dict(Donor.Kind.choices)
    for r in rows:
        d = out.setdefault(r["donor_id"], {"name": r["donor__name"],
                                           "kind": str(labels.get(r["donor__kind"], "")),
                                           "gifts": []})  # fmt: skip
        d["gifts"].append({"item": r["item__name"], "unit": r["item__unit"],
                           "quantity": int(r["quantity"])})  # fmt: skip
    return list(out.values())
