"""Points accounts seen by people: reversing an entry (points.approve, with a reason, once;
never below zero — InsufficientPoints) and resetting a household's points card (the QR the
store clerk scans). Writes go through services/ledger.py, the one writer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.volunteering.models import PointsAccount, PointsEntry
from cunshe.volunteering.models.ledger import new_card_token
from cunshe.volunteering.services import ledger

APPROVE, PARTICIPATE = "points.approve", "points.participate"


@transaction.atomic
def entry_reverse(
    *, actor: Any, jurisdiction: Jurisdiction, entry: PointsEntry, reason: str
) -> PointsEntry:
    """Reverse an entry with the opposite movements. Refused twice, for a reversal, without a
    reason, or when it would take a household's or person's balance below zero (the points were
    already spent)."""
    if not jurisdiction.covers(entry.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(APPROVE):
        raise PermissionDenied(APPROVE)
    reason = " ".join((reason or "").split())
    if len(reason) > 300:
        raise ValidationError({"reason": _("原因最多300字。")})
    if entry.kind == PointsEntry.Kind.REDEEM:
        # Only the store's reversal puts the goods back in stock and marks the redemption:
        # reversing its entry here would refund the points and leave the goods taken.
        raise ValidationError(_("兑换分录请在爱心超市的兑换记录中撤销（同时退回商品库存）。"))
    try:
        reversal = ledger.reverse_entry(entry=entry, actor=actor, reason=reason)
    except ledger.InsufficientPoints as exc:
        raise ledger.InsufficientPoints(
            _("这笔积分已经被使用，冲正会使账户余额小于零，不能冲正。"),
            code="insufficient_points",
        ) from exc
    audit(
        "points.entry.reversed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=reversal,
        detail={"reverses": entry.pk, "reason": reason},
    )
    return reversal


@transaction.atomic
def card_reset(*, actor: Any, jurisdiction: Jurisdiction, account: PointsAccount) -> PointsAccount:
    """A new card token for the household's account (the old QR stops working)."""
    from cunshe.residents.models import Person

    if not jurisdiction.has_perm(PARTICIPATE):
        raise PermissionDenied(PARTICIPATE)
    own = Person._base_manager.filter(account_id=getattr(actor, "pk", None)).first()
    if own is None or account.household_id != own.household_id:
        raise PermissionDenied(_("只能重置自己家的积分卡。"))
    PointsAccount._base_manager.filter(pk=account.pk).update(card_token=new_card_token())
    account.refresh_from_db()
    audit("points.card.reset", actor=actor, jurisdiction=jurisdiction, obj=account)
    return account
