"""Points declarations, rules, objections, crediting and reversals through the services:
the happy path and every refusal (which changes nothing)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.models import AuditEvent
from cunshe.residents.models import Person
from cunshe.selfgov.models import BodyKind, Position
from cunshe.selfgov.services import bodies as body_services
from cunshe.volunteering.models import (
    Declaration,
    EarningRule,
    ImmutableError,
    Movement,
    Objection,
    PointsAccount,
    PointsEntry,
)
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import earning_rules as rsvc
from cunshe.volunteering.services import ledger
from cunshe.volunteering.services import points as psvc
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.points_fixtures import j, later

S = Declaration.Status


def _snapshot():  # type: ignore[no-untyped-def]
    return (
        list(Declaration._base_manager.order_by("id").values_list("id", "status", "version")),
        list(Movement._base_manager.values_list("id", "points")),
        list(Objection._base_manager.values_list("id", "status")),
        list(PointsAccount._base_manager.values_list("id", "balance", "card_token")),
    )


def test_template_rules_and_versioning(cast, clerk_j, points):
    assert len(points.rules) == 8
    assert (
        rsvc.rules_copy_template(actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a)
        == 0
    )
    old = points.rules["neighbour-help"]
    new = rsvc.rule_change(
        actor=cast.clerk_a, jurisdiction=clerk_j, current=old, points_per_unit=15
    )
    old.refresh_from_db()
    assert (new.version, new.points_per_unit, old.valid_to) == (2, 15, timezone.localdate())
    assert (
        EarningRule._base_manager.filter(code="neighbour-help", valid_to__isnull=True).count() == 1
    )
    with pytest.raises(Exception):  # noqa: B017 - ConcurrentEdit: the old version is no longer current
        rsvc.rule_change(actor=cast.clerk_a, jurisdiction=clerk_j, current=old, points_per_unit=9)
    with pytest.raises(PermissionDenied):
        rsvc.rule_change(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), current=new, points_per_unit=9
        )
    with pytest.raises(ValidationError):
        rsvc.rule_create(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=cast.village_a,
            code="x",
            category="nonsense",
            name="x",
            points_per_unit=1,
            unit="time",
        )
    assert EarningRule._base_manager.count() == 9


def test_declaration_keeps_its_rule_version_and_rounds_down(cast, clerk_j, declare, points):
    row = declare(code="volunteer-hour", quantity="1.55")
    assert row.points == 15 and row.rule.version == 1  # 10 × 1.55 = 15.5 → 15
    rsvc.rule_change(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        current=points.rules["volunteer-hour"],
        points_per_unit=20,
    )
    row.refresh_from_db()
    assert row.rule.version == 1 and row.points == 15


def test_whole_flow_credits_once_and_job_is_idempotent(cast, posted):
    row = posted(hh=1, quantity=3)
    assert row.status == S.POSTED and row.posting_ends_on == timezone.localdate() + timedelta(7)
    assert dsvc.credit_due(today=row.posting_ends_on) == 0  # the last day of posting
    assert dsvc.credit_due(today=later(row)) == 1
    assert dsvc.credit_due(today=later(row, 5)) == 0
    row.refresh_from_db()
    assert row.status == S.CREDITED and row.entry is not None
    account = ledger.household_account(row.household)
    assert account.balance == 30 == ledger.balance_from_movements(account)
    assert ledger.issuance_account(cast.village_a).balance == -30
    assert ledger.verify_ledger() == []
    assert AuditEvent.objects.filter(action="points.declaration.credited").count() == 1


def test_villager_declares_for_own_household_only(cast, points, villager_person):
    vj = j(cast.villager)
    row = dsvc.declaration_declare(
        actor=cast.villager,
        jurisdiction=vj,
        earning_rule=points.rules["yard-clean"],
        quantity=1,
        deed_date=timezone.localdate(),
        description="院子收拾干净",
    )
    assert row.household_id == villager_person.household_id and row.person == villager_person
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        dsvc.declaration_declare(
            actor=cast.villager,
            jurisdiction=vj,
            earning_rule=points.rules["yard-clean"],
            quantity=1,
            deed_date=timezone.localdate(),
            description="x",
            household=points.households[3],
        )
    assert _snapshot() == before


@pytest.mark.parametrize(
    "change,field",
    [
        ({"deed_date": date.today() + timedelta(days=2)}, "deed_date"),
        ({"deed_date": date.today() - timedelta(days=400)}, "deed_date"),
        ({"quantity": 6}, "quantity"),  # neighbour-help max 5
        ({"quantity": 0}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"description": "  "}, "description"),
    ],
)
def test_bad_declarations_are_refused_and_change_nothing(declare, change, field):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        declare(**change)
    assert field in exc.value.message_dict
    assert _snapshot() == before


def test_retired_or_other_village_rule_is_refused(cast, clerk_j, declare, points):
    rsvc.rule_retire(actor=cast.clerk_a, jurisdiction=clerk_j, current=points.rules["night-patrol"])
    with pytest.raises(ValidationError):
        declare(code="night-patrol", quantity=1)


def test_outsider_cannot_declare_for_village_a(cast, points):
    with pytest.raises(PermissionDenied):
        dsvc.declaration_declare(
            actor=cast.outsider,
            jurisdiction=j(cast.outsider),
            earning_rule=points.rules["neighbour-help"],
            quantity=1,
            deed_date=timezone.localdate(),
            description="x",
            household=points.households[0],
        )


def test_self_review_and_self_approval_are_refused(cast, points, villager_person, declare):
    # The clerk is the head of household 3: reviewing that household's declaration is refused.
    Person._base_manager.filter(pk=points.hamlet.heads[2].pk).update(account=cast.clerk_a)
    mine = declare(hh=2, by="clerk_a")
    before = _snapshot()
    with pytest.raises(ValidationError, match="自己"):
        dsvc.declaration_review(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=mine)
    assert _snapshot() == before
    # leader_a declares household 2; the clerk reviews; leader_a approving their own is refused.
    own = declare(hh=1, by="leader_a")
    own = dsvc.declaration_review(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=own)
    before = _snapshot()
    with pytest.raises(ValidationError, match="自己"):
        dsvc.declaration_approve(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=own
        )
    assert _snapshot() == before


def test_approval_needs_a_review_and_points_approve(cast, declare):
    row = declare()
    with pytest.raises(ValidationError):
        dsvc.declaration_approve(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=row
        )
    row = dsvc.declaration_review(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row)
    with pytest.raises(PermissionDenied):
        dsvc.declaration_approve(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row)
    with pytest.raises(PermissionDenied):
        dsvc.declaration_approve(
            actor=cast.outsider, jurisdiction=j(cast.outsider), declaration=row
        )


def test_group_leader_reviews_declarations_of_their_group(cast, clerk_j, points, declare):
    body = body_services.body_create(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        region=points.hamlet.group,
        kind=BodyKind.GROUP,
        name="一组",
    )
    leader_person = points.hamlet.heads[3]  # household 4, in 一组
    body_services.membership_add(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        body=body,
        person=leader_person,
        position=Position.GROUP_LEADER,
        start=date(2024, 1, 1),
    )
    user = User.objects.create_user(username="zuzhang", password="x-123456789")
    RoleAssignment.objects.create(user=user, role=Role.VILLAGER, region=cast.village_a)
    Person._base_manager.filter(pk=leader_person.pk).update(account=user)
    row = declare(hh=1)  # household 2, in 一组
    reviewed = dsvc.declaration_review(actor=user, jurisdiction=j(user), declaration=row)
    assert reviewed.reviewed_by == user
    event = AuditEvent.objects.get(action="points.declaration.reviewed")
    assert event.detail["as"] == "group_leader"
    # Household 5 lives outside 一组: the group leader may not review it.
    other = declare(hh=4)
    with pytest.raises(PermissionDenied):
        dsvc.declaration_review(actor=user, jurisdiction=j(user), declaration=other)
    # Nor their own household's.
    own = declare(hh=3)
    with pytest.raises(ValidationError):
        dsvc.declaration_review(actor=user, jurisdiction=j(user), declaration=own)


def test_withdraw_and_reject(cast, declare):
    row = declare(by="leader_a")
    with pytest.raises(PermissionDenied):
        dsvc.declaration_withdraw(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row)
    row = dsvc.declaration_withdraw(
        actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=row
    )
    assert row.status == S.WITHDRAWN
    other = declare()
    with pytest.raises(ValidationError):
        dsvc.declaration_reject(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=other, reason=" "
        )
    other = dsvc.declaration_reject(
        actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=other, reason="不属实"
    )
    assert other.status == S.REJECTED and other.reject_reason == "不属实"


def test_objections_block_crediting_until_decided(cast, posted, villager_person):
    row = posted(hh=1)
    vj = j(cast.villager)
    with pytest.raises(ValidationError):
        dsvc.objection_raise(actor=cast.villager, jurisdiction=vj, declaration=row, reason="")
    obj = dsvc.objection_raise(
        actor=cast.villager, jurisdiction=vj, declaration=row, reason="那天他不在村里"
    )
    assert dsvc.credit_due(today=later(row)) == 0
    dsvc.objection_decide(
        actor=cast.leader_a,
        jurisdiction=j(cast.leader_a),
        objection=obj,
        upheld=False,
        answer="经核实属实",
    )
    assert dsvc.credit_due(today=later(row)) == 1


def test_upheld_objection_rejects_and_own_objection_refused(cast, posted, villager_person):
    own = posted(hh=0)  # the villager's own household
    before = _snapshot()
    with pytest.raises(ValidationError, match="自己"):
        dsvc.objection_raise(
            actor=cast.villager, jurisdiction=j(cast.villager), declaration=own, reason="x"
        )
    assert _snapshot() == before
    row = posted(hh=2)
    obj = dsvc.objection_raise(
        actor=cast.villager, jurisdiction=j(cast.villager), declaration=row, reason="重复申报"
    )
    dsvc.objection_decide(
        actor=cast.leader_a,
        jurisdiction=j(cast.leader_a),
        objection=obj,
        upheld=True,
        answer="确属重复",
    )
    row.refresh_from_db()
    assert row.status == S.REJECTED and "确属重复" in row.reject_reason
    assert dsvc.credit_due(today=later(row)) == 1  # only the household's own, not this one
    row.refresh_from_db()
    assert row.status == S.REJECTED and row.entry_id is None


def test_credit_now_is_refused_before_the_posting_ends(cast, posted):
    row = posted()
    before = _snapshot()
    with pytest.raises(ValidationError, match="公示期"):
        dsvc.declaration_credit_now(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=row
        )
    assert _snapshot() == before


def test_posted_and_credited_declarations_cannot_be_edited(cast, posted):
    row = posted()
    for service in (dsvc.declaration_withdraw, dsvc.declaration_review):
        with pytest.raises((ValidationError, PermissionDenied)):
            service(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row)
    dsvc.credit_due(today=later(row))
    row.refresh_from_db()
    with pytest.raises(ValidationError):
        dsvc.declaration_reject(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=row, reason="改主意"
        )
    entry = row.entry
    entry.memo = "changed"
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    with pytest.raises(ImmutableError):
        Movement._base_manager.filter(entry=entry).first().delete()


def test_reversal_once_with_reason_and_never_below_zero(cast, posted, points):
    row = posted(hh=1, quantity=2)
    dsvc.credit_due(today=later(row))
    row.refresh_from_db()
    lj = j(cast.leader_a)
    with pytest.raises(ValidationError):
        psvc.entry_reverse(actor=cast.leader_a, jurisdiction=lj, entry=row.entry, reason="")
    with pytest.raises(PermissionDenied):
        psvc.entry_reverse(
            actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), entry=row.entry, reason="错"
        )
    # Spend 15 of the 20 points: reversing the 20 would go below zero.
    from cunshe.regions.models import Region  # noqa: F401
    from cunshe.volunteering.models import Store

    store = Store._base_manager.create(region=cast.village_a, name="爱心超市")
    acct = ledger.household_account(row.household)
    ledger.post_entry(
        kind="redeem",
        region=cast.village_a,
        memo="兑换",
        lines=[(acct, -15), (ledger.store_account(store), 15)],
    )
    before = _snapshot()
    with pytest.raises(ledger.InsufficientPoints, match="已经被使用"):
        psvc.entry_reverse(actor=cast.leader_a, jurisdiction=lj, entry=row.entry, reason="不属实")
    assert _snapshot() == before
    # Another household's credit can be reversed, once.
    other = posted(hh=2, quantity=1)
    dsvc.credit_due(today=later(other))
    other.refresh_from_db()
    rev = psvc.entry_reverse(
        actor=cast.leader_a, jurisdiction=lj, entry=other.entry, reason="重复入账"
    )
    assert rev.kind == PointsEntry.Kind.REVERSAL and rev.reverses_id == other.entry_id
    with pytest.raises(ValidationError, match="冲正过"):
        psvc.entry_reverse(actor=cast.leader_a, jurisdiction=lj, entry=other.entry, reason="再冲")
    assert ledger.household_account(other.household).balance == 0
    assert ledger.verify_ledger() == []


def test_card_reset_is_own_household_only_and_audited(cast, villager_person, points):
    account = ledger.household_account(villager_person.household)
    old = account.card_token
    account = psvc.card_reset(actor=cast.villager, jurisdiction=j(cast.villager), account=account)
    assert account.card_token != old
    assert AuditEvent.objects.filter(action="points.card.reset").count() == 1
    other = ledger.household_account(points.households[3])
    with pytest.raises(PermissionDenied):
        psvc.card_reset(actor=cast.villager, jurisdiction=j(cast.villager), account=other)
