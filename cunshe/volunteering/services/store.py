"""The points store (爱心超市): stores, goods, stock-in (purchases, donations), stocktake
adjustments, donors, the counter redemption and its reversal (docs/volunteering/store.md).

Stock changes only here, always as a `StockMovement` written in the same transaction as a
conditional UPDATE of `StoreItem.stock` (`stock >= n` for a decrease), so stock can never go
below zero. Points move only through `services.ledger` (post_entry / reverse_entry).

Lock order (so two counters can never deadlock): a redemption locks its items' rows in id
order (the conditional stock UPDATEs), then the points accounts in id order (post_entry), then
the audit chain. A reversal locks the redemption row first (nothing else locks it), then the
same order: items by id, accounts by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Kind, Level, Region
from cunshe.volunteering.models import (
    Donor,
    PointsAccount,
    PointsEntry,
    Redemption,
    RedemptionLine,
    StockMovement,
    Store,
    StoreItem,
)
from cunshe.volunteering.services import ledger

VIEW = "points.view"
STORE = "points.store"
APPROVE = "points.approve"
MAX_LINES = 30
MAX_QUANTITY = 9999
MAX_POINTS_PRICE = 1_000_000

Move = StockMovement.Kind


class StaleEdit(Exception):
    """Someone else changed the row since the form was loaded (answer 409)."""


def _insert(model, **fields):  # type: ignore[no-untyped-def]
    row = model(**fields)
    row.save(force_insert=True)
    return row


def _text(value: Any, field: str, limit: int, empty: str | None = None) -> str:
    text = str(value or "").strip()
    if not text and empty:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError({field: _("最多%(n)s字。") % {"n": limit}})
    if "\x00" in text:
        raise ValidationError({field: _("不能包含空字符。")})
    return text


def _need(j: Jurisdiction, code: str, perm: str = STORE) -> None:
    if not (j.has_perm(perm) and j.covers(code)):
        raise PermissionDenied(_("没有管理爱心超市的权限。"))


def _count(value: Any, field: str, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool):
        raise ValidationError({field: _("请输入整数。")})
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("请输入整数。")}) from None
    if n != value and str(n) != str(value).strip():
        raise ValidationError({field: _("请输入整数。")})
    if n == 0 or (n < 0 and not allow_negative):
        raise ValidationError({field: _("数量必须大于0。") if not allow_negative else
                               _("调整数量不能为0。")})  # fmt: skip
    if abs(n) > MAX_QUANTITY:
        raise ValidationError({field: _("数量不能超过%(n)s。") % {"n": MAX_QUANTITY}})
    return n


def _price(value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError({"price_points": _("请输入整数。")})
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"price_points": _("请输入整数。")}) from None
    if n < 1 or n > MAX_POINTS_PRICE:
        raise ValidationError(
            {"price_points": _("兑换积分须在1到%(n)s之间。") % {"n": MAX_POINTS_PRICE}}
        )
    return n


def yuan_to_fen(value: Any) -> int:
    """'12.5' → 1250; refuses negatives, more than two decimals and absurd sums."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"cost_yuan": _("请输入金额，例如 12.50。")}) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"cost_yuan": _("请输入金额，例如 12.50。")})
    if amount > Decimal("1000000"):
        raise ValidationError({"cost_yuan": _("金额过大。")})
    return int(amount * 100)


def _is_village(region: Region) -> bool:
    return region.level == Level.VILLAGE and region.kind == Kind.RURAL_VILLAGE


# --- stores and goods -----------------------------------------------------------------------


@transaction.atomic
def store_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    name: str,
    address: str = "",
    opening_hours: str = "",
) -> Store:
    _need(jurisdiction, village.code)
    if not _is_village(village):
        raise ValidationError({"village": _("爱心超市属于一个村。")})
    row = _insert(
        Store,
        region=village,
        name=_text(name, "name", 100, _("请填写名称。")),
        address=_text(address, "address", 200),
        opening_hours=_text(opening_hours, "opening_hours", 100),
    )
    ledger.store_account(row)
    audit("points.store.created", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"name": row.name})  # fmt: skip
    return row


@transaction.atomic
def store_update(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    store: Store,
    name: str,
    address: str = "",
    opening_hours: str = "",
    active: bool = True,
) -> Store:
    _need(jurisdiction, store.region_code)
    row = Store.objects.within(jurisdiction).select_for_update().get(pk=store.pk)
    row.name = _text(name, "name", 100, _("请填写名称。"))
    row.address = _text(address, "address", 200)
    row.opening_hours = _text(opening_hours, "opening_hours", 100)
    row.active = bool(active)
    row.save(update_fields=["name", "address", "opening_hours", "active"])
    audit("points.store.updated", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"name": row.name, "active": row.active})  # fmt: skip
    return row


@transaction.atomic
def item_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    store: Store,
    name: str,
    price_points: Any,
    unit: str = "件",
) -> StoreItem:
    _need(jurisdiction, store.region_code)
    name = _text(name, "name", 100, _("请填写商品名称。"))
    unit = _text(unit, "unit", 10, _("请填写单位。"))
    price = _price(price_points)
    if StoreItem.objects.within(jurisdiction).filter(store=store, name=name).exists():
        raise ValidationError({"name": _("本超市已有同名商品。")})
    try:
        with transaction.atomic():
            row = _insert(StoreItem, store=store, region_id=store.region_id, name=name,
                          unit=unit, price_points=price)  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"name": _("本超市已有同名商品。")}) from exc
    audit("points.item.created", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"name": name, "price_points": price})  # fmt: skip
    return row


@transaction.atomic
def item_update(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    item: StoreItem,
    version: int,
    name: str,
    unit: str,
    price_points: Any,
    active: bool,
) -> StoreItem:
    """Edit an item; `version` is the one the form showed (a stale one raises StaleEdit, so
    two clerks changing a price at once cannot overwrite each other unseen)."""
    _need(jurisdiction, item.region_code)
    name = _text(name, "name", 100, _("请填写商品名称。"))
    unit = _text(unit, "unit", 10, _("请填写单位。"))
    price = _price(price_points)
    before = StoreItem.objects.within(jurisdiction).filter(pk=item.pk).first()
    if before is None:
        raise ValidationError(_("没有这个商品。"))
    if (
        StoreItem.objects.within(jurisdiction)
        .filter(store_id=before.store_id, name=name)
        .exclude(pk=item.pk)
        .exists()
    ):
        raise ValidationError({"name": _("本超市已有同名商品。")})
    changed = (
        StoreItem._base_manager.filter(pk=item.pk, version=version)
        .update(name=name, unit=unit, price_points=price, active=bool(active),
                version=F("version") + 1)
    )  # fmt: skip
    if not changed:
        raise StaleEdit
    row = StoreItem._base_manager.get(pk=item.pk)
    audit("points.item.updated", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"name": name, "price_points": [before.price_points, price],
                  "active": row.active})  # fmt: skip
    return row


# --- donors and stock -----------------------------------------------------------------------


@transaction.atomic
def donor_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    name: str,
    kind: str,
    phone: str = "",
    public: bool = True,
) -> Donor:
    _need(jurisdiction, village.code)
    if not _is_village(village):
        raise ValidationError({"village": _("捐赠人登记在一个村。")})
    if kind not in Donor.Kind.values:
        raise ValidationError({"kind": _("请选择类别。")})
    phone = "".join(_text(phone, "phone", 20).split())
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        raise ValidationError({"phone": _("电话号码格式不正确。")})
    row = _insert(Donor, region=village, name=_text(name, "name", 100, _("请填写捐赠人。")),
                  kind=kind, phone=phone, public=bool(public))  # fmt: skip
    audit("points.donor.created", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"kind": kind, "public": row.public})  # fmt: skip
    return row


def _stock_delta(item_id: int, delta: int) -> bool:
    """Move the cached stock by `delta`; a decrease only when enough is there (row lock)."""
    qs = StoreItem._base_manager.filter(pk=item_id)
    if delta < 0:
        qs = qs.filter(stock__gte=-delta)
    return bool(qs.update(stock=F("stock") + delta))


def _stock_row(
    item: StoreItem, kind: str, quantity: int, actor: Any, **extra: Any
) -> StockMovement:
    return StockMovement(item_id=item.pk, region_id=item.region_id, region_code=item.region_code,
                         kind=kind, quantity=quantity, recorded_by=actor, **extra)  # fmt: skip


@transaction.atomic
def stock_in(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    item: StoreItem,
    kind: str,
    quantity: Any,
    cost_yuan: Any = None,
    donor: Donor | None = None,
    reason: str = "",
) -> StockMovement:
    """A purchase (with its cost in yuan) or a donation (with its donor) into stock."""
    _need(jurisdiction, item.region_code)
    qty = _count(quantity, "quantity")
    reason = _text(reason, "reason", 300)
    extra: dict[str, Any] = {"reason": reason}
    if kind == Move.PURCHASE:
        if cost_yuan in (None, ""):
            raise ValidationError({"cost_yuan": _("采购入库请填写采购金额。")})
        extra["cost_fen"] = yuan_to_fen(cost_yuan)
    elif kind == Move.DONATION:
        if donor is None:
            raise ValidationError({"donor": _("捐赠入库请选择或新建捐赠人。")})
        if donor.region_code != item.region_code[:12]:
            raise ValidationError({"donor": _("捐赠人不属于本村。")})
        extra["donor"] = donor
    else:
        raise ValidationError({"kind": _("请选择采购入库或捐赠入库。")})
    _stock_delta(item.pk, qty)
    move = _stock_row(item, kind, qty, actor, **extra)
    move.save()
    audit(f"points.stock.{kind}", actor=actor, jurisdiction=jurisdiction, obj=move,
          detail={"item": item.pk, "quantity": qty, "cost_fen": extra.get("cost_fen"),
                  "donor": donor.pk if donor else None})  # fmt: skip
    return move


@transaction.atomic
def stock_adjust(
    *, actor: Any, jurisdiction: Jurisdiction, item: StoreItem, delta: Any, reason: str
) -> StockMovement:
    """A stocktake correction (盘点调整): a reason is required; never below zero."""
    _need(jurisdiction, item.region_code)
    n = _count(delta, "delta", allow_negative=True)
    reason = _text(reason, "reason", 300, _("盘点调整必须说明原因。"))
    if not _stock_delta(item.pk, n):
        left = StoreItem._base_manager.filter(pk=item.pk).values_list("stock", flat=True).first()
        raise ValidationError(
            {"delta": _("库存不足：%(item)s 仅剩 %(n)s") % {"item": item.name, "n": left}}
        )
    move = _stock_row(item, Move.ADJUSTMENT, n, actor, reason=reason)
    move.save()
    audit("points.stock.adjusted", actor=actor, jurisdiction=jurisdiction, obj=move,
          detail={"item": item.pk, "quantity": n, "reason": reason})  # fmt: skip
    return move


# --- the counter ----------------------------------------------------------------------------


def _merge_lines(lines: Iterable[tuple[Any, Any]]) -> dict[int, int]:
    wanted: dict[int, int] = defaultdict(int)
    for item, qty in lines:
        if qty in (None, "", 0, "0"):
            continue
        pk = item.pk if isinstance(item, StoreItem) else int(item)
        wanted[pk] += _count(qty, "lines")
    if not wanted:
        raise ValidationError({"lines": _("请选择要兑换的商品和数量。")})
    if len(wanted) > MAX_LINES:
        raise ValidationError({"lines": _("一次最多兑换%(n)s种商品。") % {"n": MAX_LINES}})
    for qty in wanted.values():
        if qty > MAX_QUANTITY:
            raise ValidationError({"lines": _("数量不能超过%(n)s。") % {"n": MAX_QUANTITY}})
    return dict(wanted)


def _existing(request_key: str) -> Redemption | None:
    return Redemption._base_manager.filter(request_key=request_key).first()


def redeem(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    store: Store,
    account: PointsAccount,
    lines: Iterable[tuple[Any, Any]],
    request_key: str,
) -> Redemption:
    """Goods for points at the counter, in ONE transaction: each item's stock down by a
    conditional UPDATE (items in id order), the points from the account to the store's
    (post_entry, accounts in id order), the redemption, its lines and stock movements. A
    refusal raises ValidationError and leaves nothing behind. A retried request (the same
    `request_key`) returns the redemption already made instead of making a second one."""
    request_key = _text(request_key, "request_key", 64, _("缺少请求编号，请刷新页面后重试。"))
    previous = _existing(request_key)
    if previous is not None:
        return _same_request(previous, store, account)
    _need(jurisdiction, store.region_code)
    if not store.active:
        raise ValidationError(_("这个爱心超市已停止营业。"))
    if account.kind not in ledger.GUARDED:
        raise ValidationError(_("只能用家庭或个人积分账户兑换。"))
    if account.village_code != store.region_code[:12]:
        raise ValidationError(_("这个积分账户不属于本村，不能在本超市兑换。"))
    wanted = _merge_lines(lines)
    try:
        with transaction.atomic():
            row = _redeem(actor, jurisdiction, store, account, wanted, request_key)
    except IntegrityError:
        # The same request_key committed by a concurrent retry: answer with that one.
        previous = _existing(request_key)
        if previous is None:
            raise
        return _same_request(previous, store, account)
    return row


def _same_request(previous: Redemption, store: Store, account: PointsAccount) -> Redemption:
    if previous.store_id != store.pk or previous.account_id != account.pk:
        raise ValidationError(_("请求编号已被另一笔兑换使用，请刷新页面后重试。"))
    return previous


def _redeem(actor, j, store, account, wanted, request_key):  # type: ignore[no-untyped-def]
    items = {i.pk: i for i in StoreItem.objects.within(j).filter(pk__in=list(wanted), store=store)}
    for pk in wanted:
        item = items.get(pk)
        if item is None:
            raise ValidationError({"lines": _("所选商品不在本超市。")})
        if not item.active:
            raise ValidationError({"lines": _("%(item)s 已下架，不能兑换。") % {"item": item.name}})
    total = sum(items[pk].price_points * q for pk, q in wanted.items())
    # 1. stock, items in id order
    for pk in sorted(wanted):
        if not _stock_delta(pk, -wanted[pk]):
            left = StoreItem._base_manager.filter(pk=pk).values_list("stock", flat=True).first()
            raise ValidationError(
                _("库存不足：%(item)s 仅剩 %(n)s") % {"item": items[pk].name, "n": left},
                code="insufficient_stock",
            )
    # 2. points, accounts in id order (post_entry)
    names = "、".join(f"{items[pk].name}×{wanted[pk]}" for pk in sorted(wanted))
    try:
        entry = ledger.post_entry(
            kind=PointsEntry.Kind.REDEEM,
            region=store.region,
            lines=[(account, -total), (ledger.store_account(store), total)],
            memo=_("爱心超市兑换：%(goods)s") % {"goods": names},
            actor=actor,
        )
    except ledger.InsufficientPoints:
        balance = (
            PointsAccount._base_manager.filter(pk=account.pk)
            .values_list("balance", flat=True)
            .first()
        )
        raise ValidationError(
            _("积分不足：余额 %(have)s，需要 %(need)s") % {"have": balance, "need": total},
            code="insufficient_points",
        ) from None
    row = _insert(
        Redemption, region_id=store.region_id, store=store, account=account,
        household_id=account.household_id, points=total, entry=entry,
        request_key=request_key, clerk=actor,
    )  # fmt: skip
    RedemptionLine.objects.bulk_create(
        [RedemptionLine(redemption=row, item_id=pk, quantity=q, unit_points=items[pk].price_points,
                        points=items[pk].price_points * q) for pk, q in sorted(wanted.items())]
    )  # fmt: skip
    StockMovement._base_manager.bulk_create(
        [_stock_row(items[pk], Move.REDEMPTION, -q, actor, redemption=row)
         for pk, q in sorted(wanted.items())]
    )  # fmt: skip
    audit("points.redemption.created", actor=actor, jurisdiction=j, obj=row,
          detail={"account": account.pk, "points": total,
                  "lines": {str(pk): q for pk, q in sorted(wanted.items())}})  # fmt: skip
    return row


def can_reverse(jurisdiction: Jurisdiction, redemption: Redemption) -> bool:
    """The store clerk on the day of the redemption; the 两委 (points.approve) any time."""
    if redemption.reversed_at is not None or not jurisdiction.covers(redemption.region_code):
        return False
    if jurisdiction.has_perm(APPROVE):
        return True
    same_day = timezone.localdate(redemption.redeemed_at) == timezone.localdate()
    return jurisdiction.has_perm(STORE) and same_day


@transaction.atomic
def redemption_reverse(
    *, actor: Any, jurisdiction: Jurisdiction, redemption: Redemption, reason: str
) -> Redemption:
    """Undo a redemption: the points back (a reversing ledger entry), the goods back in stock
    (REVERSAL movements). Once only."""
    if not jurisdiction.covers(redemption.region_code) or not (
        jurisdiction.has_perm(STORE) or jurisdiction.has_perm(APPROVE)
    ):
        raise PermissionDenied(_("没有撤销兑换的权限。"))
    reason = _text(reason, "reason", 300, _("撤销兑换必须说明原因。"))
    row = Redemption.objects.within(jurisdiction).select_for_update().get(pk=redemption.pk)
    if row.reversed_at is not None:
        raise ValidationError(_("这笔兑换已经撤销过。"))
    if not can_reverse(jurisdiction, row):
        raise PermissionDenied(_("当天以后的兑换只能由村两委撤销。"))
    lines = list(row.lines.select_related("item").order_by("item_id"))
    for line in lines:
        _stock_delta(line.item_id, line.quantity)
    ledger.reverse_entry(entry=row.entry, actor=actor, reason=reason)
    StockMovement._base_manager.bulk_create(
        [_stock_row(line.item, Move.REVERSAL, line.quantity, actor, redemption=row, reason=reason)
         for line in lines]
    )  # fmt: skip
    row.reversed_at = timezone.now()
    row.reverse_reason = reason
    row.save(update_fields=["reversed_at", "reverse_reason"])
    audit("points.redemption.reversed", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"points": row.points, "reason": reason})  # fmt: skip
    redemption.reversed_at, redemption.reverse_reason = row.reversed_at, reason
    return row
