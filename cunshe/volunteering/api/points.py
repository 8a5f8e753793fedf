"""API of the points part under /api/v1/volunteering/points/: earning rules, declarations
(declare / review / approve / reject / withdraw / object / decide), accounts with movements,
and reversal of an entry. Same services and refusals as the pages: 400 with the message, 403
inside the jurisdiction without the permission, 404 outside, 409 on a stale version.
No `from __future__ import annotations` here: Ninja must see the types.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Household
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.models import Declaration, EarningRule, Objection
from cunshe.volunteering.selectors import points as sel
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import points as psvc

router = Router(tags=["volunteering"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _scope(request: HttpRequest, perm: str | None = sel.VIEW) -> Jurisdiction:
    j = request_jurisdiction(request)
    return require_perm(j, perm) if perm else j


class PointsRuleOut(Schema):
    id: int
    region_code: str
    code: str
    version: int
    category: str
    name: str
    points_per_unit: int
    unit: str
    max_units: int | None
    credit_to: str
    valid_from: date
    valid_to: date | None


class PointsDeclarationOut(Schema):
    id: int
    region_code: str
    household_id: int
    person_id: int | None
    rule_id: int
    quantity: Decimal
    points: int
    deed_date: date
    description: str
    status: str
    posting_ends_on: date | None
    entry_id: int | None
    reject_reason: str
    version: int


class PointsDeclareIn(Schema):
    rule_id: int = Field(ge=1, le=2**63 - 1)
    household_id: int | None = Field(None, ge=1, le=2**63 - 1)
    quantity: Decimal = Field(gt=0, max_digits=7, decimal_places=2)
    deed_date: date
    description: str = Field(min_length=1, max_length=300)


class PointsVersionIn(Schema):
    expected_version: int | None = Field(None, ge=1)


class PointsReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=300)
    expected_version: int | None = Field(None, ge=1)


class PointsObjectionOut(Schema):
    id: int
    declaration_id: int
    reason: str
    status: str
    answer: str


class PointsDecideIn(Schema):
    upheld: bool
    answer: str = Field(min_length=1, max_length=300)


class PointsAccountOut(Schema):
    id: int
    kind: str
    region_code: str
    household_id: int | None
    person_id: int | None
    balance: int


class PointsMovementOut(Schema):
    id: int
    entry_id: int
    kind: str
    memo: str
    points: int
    balance_after: int
    created_at: datetime


class PointsEntryOut(Schema):
    id: int
    kind: str
    memo: str
    reverses_id: int | None
    reason: str


@router.get("/rules", response=list[PointsRuleOut], summary="积分规则（现行）")
@paginate(CursorPagination, ordering="id")
def rule_list(request: HttpRequest, **kwargs: Any) -> Any:
    return sel.rules_for(_scope(request), current_only=True)


@router.get("/declarations", response=list[PointsDeclarationOut], summary="积分申报")
@paginate(CursorPagination, ordering="-id")
def declaration_list(request: HttpRequest, status: str = "", **kwargs: Any) -> Any:
    return sel.declarations_for(
        _scope(request), status if status in Declaration.Status.values else ""
    )


@router.post("/declarations", response={201: PointsDeclarationOut}, summary="申报")
def declaration_create(request: HttpRequest, payload: PointsDeclareIn) -> Any:
    j = _scope(request, None)
    earning_rule = EarningRule._base_manager.filter(pk=payload.rule_id).first()
    if earning_rule is None or not j.covers(earning_rule.region_code):
        raise ApiError(404, "not_found", "没有找到该积分规则。")
    household = None
    if payload.household_id is not None:
        household = Household.objects.within(j).filter(pk=payload.household_id).first()
        if household is None:
            raise ApiError(404, "not_found", "没有找到该户。")
    row = dsvc.declaration_declare(
        actor=request.user,
        jurisdiction=j,
        earning_rule=earning_rule,
        quantity=payload.quantity,
        deed_date=payload.deed_date,
        description=payload.description,
        household=household,
    )
    return Status(201, row)


@router.get("/declarations/{pk}", response=PointsDeclarationOut, summary="申报详情")
def declaration_detail(request: HttpRequest, pk: Id) -> Any:
    return sel.get_declaration_for(_scope(request, None), pk)


def _step(request: HttpRequest, pk: int, service: Any, **kw: Any) -> Declaration:
    j = _scope(request, None)
    row = sel.get_declaration_for(
        j, pk, need="points.participate" if j.has_perm("points.participate") else sel.VIEW
    )
    try:
        return service(actor=request.user, jurisdiction=j, declaration=row, **kw)
    except ConcurrentEdit:
        raise ApiError(409, "conflict", "申报已被他人处理，请重新读取。") from None


@router.post("/declarations/{pk}/review", response=PointsDeclarationOut, summary="组长审核")
def declaration_review(request: HttpRequest, pk: Id, payload: PointsVersionIn) -> Any:
    return _step(request, pk, dsvc.declaration_review, expected_version=payload.expected_version)


@router.post("/declarations/{pk}/approve", response=PointsDeclarationOut, summary="两委审批并公示")
def declaration_approve(request: HttpRequest, pk: Id, payload: PointsVersionIn) -> Any:
    return _step(request, pk, dsvc.declaration_approve, expected_version=payload.expected_version)


@router.post("/declarations/{pk}/reject", response=PointsDeclarationOut, summary="不通过")
def declaration_reject(request: HttpRequest, pk: Id, payload: PointsReasonIn) -> Any:
    return _step(
        request,
        pk,
        dsvc.declaration_reject,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/declarations/{pk}/withdraw", response=PointsDeclarationOut, summary="撤回")
def declaration_withdraw(request: HttpRequest, pk: Id, payload: PointsVersionIn) -> Any:
    return _step(request, pk, dsvc.declaration_withdraw, expected_version=payload.expected_version)


@router.post(
    "/declarations/{pk}/objections", response={201: PointsObjectionOut}, summary="对公示提出异议"
)
def objection_create(request: HttpRequest, pk: Id, payload: PointsReasonIn) -> Any:
    j = _scope(request, "points.participate")
    row = sel.get_posted_for_villager(j, pk)
    return Status(
        201,
        dsvc.objection_raise(
            actor=request.user, jurisdiction=j, declaration=row, reason=payload.reason
        ),
    )


@router.post("/objections/{pk}/decide", response=PointsObjectionOut, summary="处理异议")
def objection_decide(request: HttpRequest, pk: Id, payload: PointsDecideIn) -> Any:
    j = _scope(request, None)
    obj = Objection.objects.within(j).filter(pk=pk).first()
    if obj is None:
        raise ApiError(404, "not_found", "没有找到该异议。")
    return dsvc.objection_decide(
        actor=request.user,
        jurisdiction=j,
        objection=obj,
        upheld=payload.upheld,
        answer=payload.answer,
    )


@router.get("/accounts", response=list[PointsAccountOut], summary="积分账户")
@paginate(CursorPagination, ordering="id")
def account_list(request: HttpRequest, **kwargs: Any) -> Any:
    return sel.accounts_for(_scope(request)).order_by("id")


@router.get("/accounts/{pk}/movements", response=list[PointsMovementOut], summary="积分明细")
def account_movements(request: HttpRequest, pk: Id) -> Any:
    account = sel.get_account_for(_scope(request, None), pk)
    return [
        {
            "id": line["movement"].pk,
            "entry_id": line["entry"].pk,
            "kind": line["entry"].kind,
            "memo": line["entry"].memo,
            "points": line["movement"].points,
            "balance_after": line["after"],
            "created_at": line["movement"].created_at,
        }
        for line in sel.movements_with_running(account)
    ]


@router.post("/entries/{pk}/reverse", response={201: PointsEntryOut}, summary="冲正")
def entry_reverse(request: HttpRequest, pk: Id, payload: PointsReasonIn) -> Any:
    j = _scope(request, None)
    entry = sel.get_entry_for(j, pk, need=psvc.APPROVE)
    return Status(
        201,
        psvc.entry_reverse(actor=request.user, jurisdiction=j, entry=entry, reason=payload.reason),
    )
