"""/api/v1/volunteering/store/: the points store (爱心超市) over JSON, with the same selectors and
services as the pages. points.view reads; points.store stocks in, looks up cards and redeems;
a reversal is points.store on the day or points.approve later. Refusals are 400 with code
"insufficient_stock", "insufficient_points" or "rule"; 404 outside the jurisdiction.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError, fields_from_django
from cunshe.core.access import require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.volunteering.models import Donor
from cunshe.volunteering.selectors import store as sel
from cunshe.volunteering.services import store as svc

router = Router(tags=["volunteering"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class StoreOut(Schema):
    id: int
    region_code: str
    name: str
    address: str
    opening_hours: str
    active: bool


class StoreItemOut(Schema):
    id: int
    store_id: int
    name: str
    unit: str
    price_points: int
    stock: int
    active: bool
    version: int


class StoreStockInIn(Schema):
    kind: str = Field(..., pattern="^(purchase|donation)$")
    quantity: int = Field(..., ge=1, le=9999)
    cost_yuan: str | None = Field(None, max_length=12, description="采购金额（元），采购时必填")
    donor_id: int | None = Field(None, ge=1, description="捐赠人，捐赠时必填")
    reason: str = Field("", max_length=300)


class StoreMoveOut(Schema):
    id: int
    item_id: int
    kind: str
    quantity: int
    cost_fen: int | None
    donor_id: int | None
    recorded_at: datetime


class StoreAccountOut(Schema):
    id: int
    kind: str
    label: str = Field(..., description="户主姓名部分遮盖 + 户号")
    balance: int


class StoreLineIn(Schema):
    item_id: int = Field(..., ge=1)
    quantity: int = Field(..., ge=1, le=9999)


class StoreRedeemIn(Schema):
    account_id: int = Field(..., ge=1)
    lines: list[StoreLineIn] = Field(..., min_length=1, max_length=30)
    request_key: str = Field(
        ..., min_length=8, max_length=64, description="客户端生成的唯一编号；重试时原样再发"
    )


class StoreLineOut(Schema):
    item_id: int
    quantity: int
    unit_points: int
    points: int


class StoreRedemptionOut(Schema):
    id: int
    store_id: int
    account_id: int
    points: int
    redeemed_at: datetime
    reversed_at: datetime | None
    reverse_reason: str
    balance_after: int
    lines: list[StoreLineOut]

    @staticmethod
    def resolve_balance_after(r) -> int:  # type: ignore[no-untyped-def]
        return sel.PointsAccount._base_manager.get(pk=r.account_id).balance

    @staticmethod
    def resolve_lines(r) -> list:  # type: ignore[no-untyped-def]
        return list(r.lines.order_by("id"))


class StoreReverseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class StoreMonthQuery(Schema):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM，默认本月")


class StoreStatementRowOut(Schema):
    at: datetime
    memo: str
    kind: str
    points: int
    balance: int


class StoreAccountStatementOut(Schema):
    account_id: int
    month: date
    opening: int
    closing: int
    earned: int
    redeemed: int
    corrected: int
    rows: list[StoreStatementRowOut]


class StoreItemMonthOut(Schema):
    item_id: int
    name: str
    opening: int
    purchase: int
    donation: int
    redemption: int
    reversal: int
    adjustment: int
    closing: int


class StoreStatementOut(Schema):
    store_id: int
    month: date
    items: list[StoreItemMonthOut]
    points_in: int
    points_reversed: int
    redemptions: int
    cost_fen: int


def _scope(request: HttpRequest, perm: str = sel.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


def _refusal(exc: ValidationError) -> ApiError:
    fields = fields_from_django(exc)
    first = next(iter(fields.values()))[0]
    code = getattr(exc, "code", None) or "rule"
    if code not in ("insufficient_stock", "insufficient_points"):
        code = "rule"
    return ApiError(400, code, first, fields)


@router.get("/stores", response=list[StoreOut], summary="辖区内的爱心超市")
def store_list(request: HttpRequest) -> list:
    return list(sel.stores_for(_scope(request))[:500])


@router.get("/stores/{store_id}/items", response=list[StoreItemOut], summary="超市的商品与库存")
def item_list(request: HttpRequest, store_id: Id) -> list:
    return sel.items_of(sel.get_store_for(_scope(request), store_id))


@router.post("/items/{item_id}/stock-in", response={201: StoreMoveOut}, summary="采购或捐赠入库")
def item_stock_in(request: HttpRequest, item_id: Id, payload: StoreStockInIn) -> Status:
    j = _scope(request)
    item = sel.get_item_for(j, item_id, need=sel.STORE)
    donor = None
    if payload.donor_id:
        donor = Donor.objects.within(j).filter(pk=payload.donor_id).first()
        if donor is None:
            raise ApiError(400, "rule", "没有这个捐赠人。", {"donor_id": ["没有这个捐赠人。"]})
    try:
        move = svc.stock_in(
            actor=request.user, jurisdiction=j, item=item, kind=payload.kind,
            quantity=payload.quantity, cost_yuan=payload.cost_yuan, donor=donor,
            reason=payload.reason,
        )  # fmt: skip
    except ValidationError as exc:
        raise _refusal(exc) from None
    return Status(201, move)


@router.get("/counter/{token}", response=StoreAccountOut, summary="柜台：按积分卡号查账户")
def counter_lookup(request: HttpRequest, token: str) -> dict:
    j = _scope(request, sel.STORE)
    account = sel.account_by_token(j, token)
    audit("points.counter.card_read", jurisdiction=j, obj=account,
          detail={"found": account is not None, "api": True})  # fmt: skip
    if account is None:
        raise ApiError(404, "not_found", "没有找到这张积分卡。")
    return {"id": account.pk, "kind": account.kind, "label": sel.account_label(account),
            "balance": account.balance}  # fmt: skip


@router.post("/stores/{store_id}/redemptions", response={201: StoreRedemptionOut},
             summary="柜台兑换（request_key 保证重试只兑换一次）")  # fmt: skip
def redeem(request: HttpRequest, store_id: Id, payload: StoreRedeemIn) -> Status:
    j = _scope(request)
    store = sel.get_store_for(j, store_id, need=sel.STORE)
    account = sel.get_account_for(j, payload.account_id, need=sel.STORE)
    try:
        row = svc.redeem(
            actor=request.user, jurisdiction=j, store=store, account=account,
            lines=[(line.item_id, line.quantity) for line in payload.lines],
            request_key=payload.request_key,
        )  # fmt: skip
    except ValidationError as exc:
        raise _refusal(exc) from None
    return Status(201, row)


@router.post("/redemptions/{redemption_id}/reversal", response=StoreRedemptionOut,
             summary="撤销兑换（积分和商品退回，仅一次）")  # fmt: skip
def reverse(request: HttpRequest, redemption_id: Id, payload: StoreReverseIn):  # type: ignore[no-untyped-def]
    j = _scope(request)
    row = sel.get_redemption_for(j, redemption_id)
    try:
        svc.redemption_reverse(actor=request.user, jurisdiction=j, redemption=row,
                               reason=payload.reason)  # fmt: skip
    except ValidationError as exc:
        raise _refusal(exc) from None
    return sel.get_redemption_for(j, redemption_id)


@router.get("/stores/{store_id}/statement", response=StoreStatementOut, summary="超市月度报表")
def store_statement(request: HttpRequest, store_id: Id, q: Query[StoreMonthQuery]) -> dict:
    store = sel.get_store_for(_scope(request), store_id)
    st = sel.store_statement(store, q.month)
    return {
        "store_id": store.pk, "month": st.first, "points_in": st.points_in,
        "points_reversed": st.points_reversed, "redemptions": st.redemptions,
        "cost_fen": st.cost_fen,
        "items": [{**{k: v for k, v in r.items() if k != "item"}, "item_id": r["item"].pk,
                   "name": r["item"].name} for r in st.items],
    }  # fmt: skip


@router.get("/accounts/{account_id}/statement", response=StoreAccountStatementOut,
            summary="家庭或个人积分月度对账单")  # fmt: skip
def account_statement(request: HttpRequest, account_id: Id, q: Query[StoreMonthQuery]) -> dict:
    account = sel.get_account_for(_scope(request), account_id)
    st = sel.account_statement(account, q.month)
    return {
        "account_id": account.pk, "month": st.first, "opening": st.opening,
        "closing": st.closing, "earned": st.earned, "redeemed": st.redeemed,
        "corrected": st.corrected, "rows": st.rows,
    }  # fmt: skip
