"""Points declarations (积分申报): declare → group leader's review → the 两委's approval, which
posts it publicly for POINTS_POSTING_DAYS with objections → credited by a job once the posting
has ended with no open objection. Reject (with a reason) at any step before crediting; the
declarant may withdraw before approval. Posted and credited declarations are never edited.

Points are fixed at declaration from the rule version: per unit × quantity, rounded down.
Volunteer hours reach the ledger through a declaration too (`hours_declare_due`).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import Event, audit, audit_many
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.models import AuditEvent
from cunshe.residents.models import Household, Person
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.models import Declaration, EarningRule, HoursEntry, Objection, PointsEntry
from cunshe.volunteering.rules import rule
from cunshe.volunteering.services import ledger, notices

DECLARE, REVIEW, APPROVE, PARTICIPATE = (
    "points.declare",
    "points.review",
    "points.approve",
    "points.participate",
)
Status = Declaration.Status
OPEN_STATUSES = (Status.DECLARED, Status.REVIEWED)
MAX_TEXT = 300


def _own_person(jurisdiction: Jurisdiction, actor: Any) -> Person | None:
    if getattr(actor, "pk", None) is None:
        return None
    return (
        Person._base_manager.filter(account_id=actor.pk)
        .select_related("household", "region")
        .first()
    )


def _own_household_id(actor: Any) -> int | None:
    if getattr(actor, "pk", None) is None:
        return None
    return (
        Person._base_manager.filter(account_id=actor.pk)
        .values_list("household_id", flat=True)
        .first()
    )


def _lock(declaration: Declaration) -> Declaration:
    return (
        Declaration._base_manager.select_for_update()
        .select_related("rule", "region", "household")
        .get(pk=declaration.pk)
    )


def _check_version(row: Declaration, expected: int | None) -> None:
    if expected is not None and expected != row.version:
        raise ConcurrentEdit()


def _save(row: Declaration, *fields: str) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version"])


def _in_scope(jurisdiction: Jurisdiction, row: Declaration) -> None:
    if not jurisdiction.covers(row.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))


def _not_own(actor: Any, row: Declaration, message: str) -> None:
    # A declaration made from approved hours is declared in the approver's name by the job:
    # only the household counts then.
    own = row.hours_entry_id is None and row.declared_by_id == getattr(actor, "pk", None)
    if own or row.household_id == _own_household_id(actor):
        # An attempt at self-dealing leaves a trace (kept although the transaction rolls back).
        audit(
            "points.declaration.self_dealing_refused",
            actor=actor,
            obj=row,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"household": row.household_id},
        )
        raise ValidationError(message)


def group_leader_of(actor: Any, group_code: str, on: date | None = None) -> bool:
    """True when the actor's Person holds a current 村民小组长 seat on the group body of
    `group_code`."""
    from cunshe.selfgov.models import BodyKind, Membership, Position

    if getattr(actor, "pk", None) is None or len(group_code) <= 12:
        return False
    on = on or timezone.localdate()
    return (
        Membership._base_manager.filter(
            person__account_id=actor.pk,
            position=Position.GROUP_LEADER,
            body__kind=BodyKind.GROUP,
            body__region__code=group_code,
            body__active=True,
            start__lte=on,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .exists()
    )


def review_capacity(jurisdiction: Jurisdiction, actor: Any, row: Declaration) -> str:
    """ "group_leader", "clerk" (points.review, for the group) or "" (may not review)."""
    if group_leader_of(actor, row.region_code):
        return "group_leader"
    if jurisdiction.covers(row.region_code) and jurisdiction.has_perm(REVIEW):
        return "clerk"
    return ""


def _quantity(raw: Any) -> Decimal:
    try:
        q = Decimal(str(raw)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"quantity": _("请填写数量。")}) from exc
    if not q.is_finite() or q <= 0:
        raise ValidationError({"quantity": _("数量必须大于0。")})
    if q >= Decimal("100000"):
        raise ValidationError({"quantity": _("数量过大。")})
    return q


def points_for(earning_rule: EarningRule, quantity: Decimal) -> int:
    """Per unit × quantity, rounded down to whole points."""
    return int((Decimal(earning_rule.points_per_unit) * quantity).to_integral_value(ROUND_DOWN))


@transaction.atomic
def declaration_declare(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    earning_rule: EarningRule,
    quantity: Any,
    deed_date: date,
    description: str,
    household: Household | None = None,
    person: Person | None = None,
) -> Declaration:
    """A villager declares for their own household (points.participate); a clerk or group
    leader (points.declare) for a household of the jurisdiction."""
    if household is not None and jurisdiction.has_perm(DECLARE):
        if not jurisdiction.covers(household.region_code):
            raise PermissionDenied(_("不在您的管辖范围内。"))
    elif jurisdiction.has_perm(PARTICIPATE):
        own = _own_person(jurisdiction, actor)
        if own is None:
            raise ValidationError(_("您的账号还没有关联到本村的户籍，请联系村委会。"))
        if household is not None and household.pk != own.household_id:
            raise PermissionDenied(_("只能为自己家申报。"))
        household = own.household
        if person is None:
            person = own
    else:
        raise PermissionDenied(DECLARE)
    errors: dict[str, str] = {}
    village = household.region_code[:12]
    current = (
        EarningRule._base_manager.filter(pk=earning_rule.pk, valid_to__isnull=True).first()
        if earning_rule is not None
        else None
    )
    if current is None or current.region_code != village:
        raise ValidationError({"earning_rule": _("请选择本村现行的积分规则。")})
    q = _quantity(quantity)
    if current.max_units is not None and q > current.max_units:
        errors["quantity"] = _("数量超过了单次申报上限（%(max)s）。") % {"max": current.max_units}
    today = timezone.localdate()
    if deed_date is None:
        errors["deed_date"] = _("请填写事迹日期。")
    elif deed_date > today:
        errors["deed_date"] = _("事迹日期不能晚于今天。")
    elif deed_date < today - timedelta(days=int(rule("DECLARATION_MAX_AGE_DAYS"))):
        errors["deed_date"] = _("事迹发生已超过%(days)s天，不能再申报。") % {
            "days": rule("DECLARATION_MAX_AGE_DAYS")
        }
    description = " ".join((description or "").split())
    if not description:
        errors["description"] = _("请填写事迹说明。")
    elif len(description) > MAX_TEXT or "\x00" in description:
        errors["description"] = _("事迹说明最多300字。")
    if person is not None and person.household_id != household.pk:
        errors["person"] = _("这个人不是该户成员。")
    if current.credit_to == EarningRule.CreditTo.PERSON and person is None:
        errors["person"] = _("这条规则计入个人，请选择是哪位家庭成员。")
    if errors:
        raise ValidationError(errors)
    points = points_for(current, q)
    if points < 1:
        raise ValidationError({"quantity": _("数量太小，积分不足1分。")})
    row = Declaration(
        region_id=household.region_id,
        household=household,
        person=person,
        rule=current,
        quantity=q,
        points=points,
        deed_date=deed_date,
        description=description,
        declared_by=actor,
    )
    row.save()
    audit(
        "points.declaration.declared",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={
            "rule": current.code,
            "rule_version": current.version,
            "quantity": str(q),
            "points": points,
            "household": household.pk,
        },
    )
    return row


@transaction.atomic
def declaration_review(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    declaration: Declaration,
    expected_version: int | None = None,
) -> Declaration:
    """The group leader's review (or a clerk with points.review, recorded as reviewing for the
    group)."""
    row = _lock(declaration)
    capacity = review_capacity(jurisdiction, actor, row)
    if not capacity:
        raise PermissionDenied(_("只有本组的村民小组长（或负责审核的村干部）可以审核。"))
    _check_version(row, expected_version)
    if row.status != Status.DECLARED:
        raise ValidationError(_("这份申报不在待审核状态。"))
    _not_own(actor, row, _("不能审核自己或自己家的申报。"))
    row.status = Status.REVIEWED
    row.reviewed_by = actor
    row.reviewed_at = timezone.now()
    _save(row, "status", "reviewed_by", "reviewed_at")
    audit(
        "points.declaration.reviewed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={"as": capacity, "group": row.region_code},
    )
    return row


@transaction.atomic
def declaration_approve(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    declaration: Declaration,
    expected_version: int | None = None,
) -> Declaration:
    """The 两委's approval: the declaration is posted publicly until today + POINTS_POSTING_DAYS."""
    row = _lock(declaration)
    _in_scope(jurisdiction, row)
    if not jurisdiction.has_perm(APPROVE):
        raise PermissionDenied(APPROVE)
    _check_version(row, expected_version)
    if row.status != Status.REVIEWED:
        raise ValidationError(_("只有组长审核过的申报才能审批。"))
    _not_own(actor, row, _("不能审批自己或自己家的申报。"))
    if rule("FOUR_EYES") and row.reviewed_by_id == actor.pk:
        raise ValidationError(_("审核人和审批人不能是同一个人。"))
    now = timezone.now()
    row.status = Status.POSTED
    row.approved_by = actor
    row.approved_at = now
    row.posting_ends_on = timezone.localdate(now) + timedelta(days=int(rule("POINTS_POSTING_DAYS")))
    _save(row, "status", "approved_by", "approved_at", "posting_ends_on")
    audit(
        "points.declaration.approved",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={"posting_ends_on": row.posting_ends_on.isoformat(), "points": row.points},
    )
    return row


@transaction.atomic
def declaration_reject(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    declaration: Declaration,
    reason: str,
    expected_version: int | None = None,
) -> Declaration:
    """Refuse a declaration with a reason: the reviewer while it awaits review, the 两委
    (points.approve) at any step before crediting."""
    row = _lock(declaration)
    reason = " ".join((reason or "").split())
    may = jurisdiction.covers(row.region_code) and jurisdiction.has_perm(APPROVE)
    if not may and row.status == Status.DECLARED:
        may = bool(review_capacity(jurisdiction, actor, row))
    if not may:
        _in_scope(jurisdiction, row)
        raise PermissionDenied(APPROVE)
    _check_version(row, expected_version)
    if row.status not in (Status.DECLARED, Status.REVIEWED, Status.POSTED):
        raise ValidationError(_("这份申报已经结束，不能再退回。"))
    if not reason:
        raise ValidationError({"reason": _("请说明不通过的原因。")})
    if len(reason) > MAX_TEXT:
        raise ValidationError({"reason": _("原因最多300字。")})
    _not_own(actor, row, _("不能处理自己或自己家的申报。"))
    row.status = Status.REJECTED
    row.rejected_by = actor
    row.rejected_at = timezone.now()
    row.reject_reason = reason
    _save(row, "status", "rejected_by", "rejected_at", "reject_reason")
    told = notices.tell_declarations([row], credited=False)
    audit(
        "points.declaration.rejected",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={"reason": reason, "notified": told},
    )
    return row


@transaction.atomic
def declaration_withdraw(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    declaration: Declaration,
    expected_version: int | None = None,
) -> Declaration:
    """The declarant takes it back before the 两委 approves it.

    Not a declaration made from approved volunteer hours (`hours_entry` set): it is filed in the
    hours approver's name, and the hours can never be declared again, so a withdrawal would
    silently lose them; only a 两委 rejection with a reason ends it."""
    row = _lock(declaration)
    if row.declared_by_id != getattr(actor, "pk", None):
        _in_scope(jurisdiction, row)
        raise PermissionDenied(_("只有申报人可以撤回。"))
    _check_version(row, expected_version)
    if row.hours_entry_id is not None:
        raise ValidationError(
            _("由志愿服务时长生成的申报不能撤回；如有不实，请村两委驳回并写明理由。")
        )
    if row.status not in OPEN_STATUSES:
        raise ValidationError(_("已审批或已结束的申报不能撤回。"))
    row.status = Status.WITHDRAWN
    _save(row, "status")
    audit("points.declaration.withdrawn", actor=actor, jurisdiction=jurisdiction, obj=row)
    return row


@transaction.atomic
def objection_raise(
    *, actor: Any, jurisdiction: Jurisdiction, declaration: Declaration, reason: str
) -> Objection:
    """A villager of the same village objects to a posted declaration (not their own)."""
    if not jurisdiction.has_perm(PARTICIPATE):
        raise PermissionDenied(PARTICIPATE)
    row = _lock(declaration)
    own = _own_person(jurisdiction, actor)
    if own is None or own.region_code[:12] != row.village_code:
        raise PermissionDenied(_("只有本村村民可以提出异议。"))
    if row.status != Status.POSTED or row.posting_ends_on < timezone.localdate():
        raise ValidationError(_("这份申报不在公示期内。"))
    if row.declared_by_id == actor.pk or row.household_id == own.household_id:
        raise ValidationError(_("不能对自己家的申报提出异议。"))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请写明异议理由。")})
    if len(reason) > MAX_TEXT or "\x00" in reason:
        raise ValidationError({"reason": _("异议理由最多300字。")})
    objection = Objection(declaration=row, region_id=row.region_id, reason=reason, raised_by=actor)
    objection.save()
    audit(
        "points.objection.raised",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=objection,
        detail={"declaration": row.pk},
    )
    return objection


@transaction.atomic
def objection_decide(
    *, actor: Any, jurisdiction: Jurisdiction, objection: Objection, upheld: bool, answer: str
) -> Objection:
    """The 两委 decides: upheld → the declaration is rejected; dismissed → it goes on."""
    obj = Objection._base_manager.select_for_update().get(pk=objection.pk)
    row = _lock(obj.declaration)
    _in_scope(jurisdiction, row)
    if not jurisdiction.has_perm(APPROVE):
        raise PermissionDenied(APPROVE)
    if obj.status != Objection.Status.OPEN:
        raise ValidationError(_("这条异议已经处理过了。"))
    answer = " ".join((answer or "").split())
    if not answer:
        raise ValidationError({"answer": _("请填写处理意见。")})
    if len(answer) > MAX_TEXT:
        raise ValidationError({"answer": _("处理意见最多300字。")})
    _not_own(actor, row, _("不能处理自己或自己家申报的异议。"))
    now = timezone.now()
    obj.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    obj.decided_by = actor
    obj.decided_at = now
    obj.answer = answer
    obj.save(update_fields=["status", "decided_by", "decided_at", "answer"])
    if upheld and row.status == Status.POSTED:
        row.status = Status.REJECTED
        row.rejected_by = actor
        row.rejected_at = now
        row.reject_reason = (_("异议成立：%(answer)s") % {"answer": answer})[:MAX_TEXT]
        _save(row, "status", "rejected_by", "rejected_at", "reject_reason")
        notices.tell_declarations([row], credited=False)
    audit(
        "points.objection.decided",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=obj,
        detail={"upheld": bool(upheld), "declaration": row.pk},
    )
    return obj


def _credit_one(row: Declaration, *, today: date, actor: Any) -> PointsEntry | None:
    """Credit one posted declaration (under its lock) or return None if it is not due."""
    row = _lock(row)
    if row.status != Status.POSTED or row.entry_id is not None:
        return None
    if row.posting_ends_on is None or row.posting_ends_on >= today:
        return None
    if row.objections.filter(status=Objection.Status.OPEN).exists():
        return None
    if row.rule.credit_to == EarningRule.CreditTo.PERSON and row.person_id:
        account = ledger.person_account(row.person)
    else:
        account = ledger.household_account(row.household)
    entry = ledger.post_entry(
        kind=PointsEntry.Kind.EARN,
        region=ledger._village(row.region),
        lines=[(ledger.issuance_account(row.region), -row.points), (account, row.points)],
        # No internal id in the memo (the villager reads it); staff reach the declaration
        # through the entry (Declaration.entry) on the account page.
        memo=_("%(name)s ×%(qty)s") % {"name": row.rule.name, "qty": row.quantity.normalize()},
        actor=actor,
    )
    row.status = Status.CREDITED
    row.entry = entry
    row.credited_at = timezone.now()
    _save(row, "status", "entry", "credited_at")
    return entry


def credit_due(*, today: date | None = None, actor: Any = None) -> int:
    """The crediting job: every posted declaration whose posting ended before `today` with no
    open objection is credited (issuance −n, household/person +n). Idempotent; one audit_many."""
    today = today or timezone.localdate()
    done: list[Declaration] = []
    with system_scope("points.credit_due"):
        due = list(
            Declaration._base_manager.filter(
                status=Status.POSTED, posting_ends_on__lt=today, entry__isnull=True
            )
            .exclude(objections__status=Objection.Status.OPEN)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        for pk in due:
            with transaction.atomic():
                row = Declaration._base_manager.get(pk=pk)
                if _credit_one(row, today=today, actor=actor) is not None:
                    done.append(row)
        if done:
            with transaction.atomic():
                notices.tell_declarations(done, credited=True)
            audit_many(
                [
                    Event(
                        "points.declaration.credited",
                        obj=d,
                        actor=actor,
                        detail={"points": d.points, "household": d.household_id},
                    )
                    for d in done
                ]
            )
    return len(done)


@transaction.atomic
def declaration_credit_now(
    *, actor: Any, jurisdiction: Jurisdiction, declaration: Declaration
) -> PointsEntry:
    """Credit one declaration by hand — only once its posting has ended with no open
    objection (never earlier)."""
    _in_scope(jurisdiction, declaration)
    if not jurisdiction.has_perm(APPROVE):
        raise PermissionDenied(APPROVE)
    row = _lock(declaration)
    if row.status != Status.POSTED:
        raise ValidationError(_("只有公示中的申报才能入账。"))
    today = timezone.localdate()
    if row.posting_ends_on >= today:
        raise ValidationError(_("公示期还没有结束，不能提前入账。"))
    if row.objections.filter(status=Objection.Status.OPEN).exists():
        raise ValidationError(_("还有未处理的异议，不能入账。"))
    entry = _credit_one(row, today=today, actor=actor)
    assert entry is not None
    notices.tell_declarations([row], credited=True)
    audit(
        "points.declaration.credited",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={"points": row.points, "household": row.household_id, "manual": True},
    )
    return entry


def hours_declare_due(*, actor: Any = None) -> int:
    """Approved volunteer hours (attendance/manual, minutes > 0) of a volunteer linked to a
    Person, in a village with a current volunteer_hours rule, not yet declared → a Declaration
    already reviewed (declared by the hours' approver) that awaits the 两委 and the posting.
    Hours served more than DECLARATION_MAX_AGE_DAYS ago (an old 补录 approved late) are skipped,
    as a villager's own declaration of so old a deed would be refused."""
    made: list[Declaration] = []
    oldest = timezone.localdate() - timedelta(days=int(rule("DECLARATION_MAX_AGE_DAYS")))
    with system_scope("points.hours_declare_due"):
        rows = (
            HoursEntry._base_manager.filter(
                status=HoursEntry.Status.APPROVED,
                service_date__gte=oldest,
                kind__in=[HoursEntry.Kind.ATTENDANCE, HoursEntry.Kind.MANUAL],
                minutes__gt=0,
                declaration__isnull=True,
                volunteer__person__isnull=False,
                decided_by__isnull=False,
            )
            .select_related("volunteer__person__household")
            .order_by("id")
        )
        rules: dict[str, EarningRule | None] = {}
        for entry in rows:
            person = entry.volunteer.person
            village = person.household.region_code[:12]
            if village not in rules:
                rules[village] = (
                    EarningRule._base_manager.filter(
                        region__code=village, category="volunteer_hours", valid_to__isnull=True
                    )
                    .order_by("id")
                    .first()
                )
            current = rules[village]
            if current is None:
                continue
            quantity = (Decimal(entry.minutes) / Decimal(60)).quantize(
                Decimal("0.01"), rounding=ROUND_DOWN
            )
            if current.max_units is not None:
                quantity = min(quantity, Decimal(current.max_units))
            points = points_for(current, quantity)
            if quantity <= 0 or points < 1:
                continue
            with transaction.atomic():
                row = Declaration(
                    region_id=person.household.region_id,
                    household=person.household,
                    person=person,
                    rule=current,
                    quantity=quantity,
                    points=points,
                    deed_date=entry.service_date,
                    description=(_("志愿服务%(hours)s小时") % {"hours": quantity})[:MAX_TEXT],
                    hours_entry=entry,
                    status=Status.REVIEWED,
                    declared_by_id=entry.decided_by_id,
                    reviewed_at=timezone.now(),
                )
                row.save()
            made.append(row)
        if made:
            audit_many(
                [
                    Event(
                        "points.declaration.from_hours",
                        obj=d,
                        actor=actor,
                        detail={"hours_entry": d.hours_entry_id, "points": d.points},
                    )
                    for d in made
                ]
            )
    return len(made)
