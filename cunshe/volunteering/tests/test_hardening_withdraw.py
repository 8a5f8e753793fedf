"""A declaration made from approved volunteer hours cannot be withdrawn (it is filed in the hours
approver's name and the hours could never be declared again); a 两委 rejection with a reason is
the only way to end it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Declaration
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.points_fixtures import j
from cunshe.volunteering.tests.test_followups_points import _approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def from_hours(cast, points):  # type: ignore[no-untyped-def]
    entry = _approved(cast, points.hamlet.heads[1], days_ago=3)
    assert dsvc.hours_declare_due() == 1
    row = Declaration._base_manager.get(hours_entry=entry)
    assert row.declared_by_id == cast.leader_a.pk and row.status == Declaration.Status.REVIEWED
    return row


def test_the_hours_approver_cannot_withdraw_an_hours_declaration(cast, from_hours):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="不能撤回"):
        dsvc.declaration_withdraw(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=from_hours
        )
    row = Declaration._base_manager.get(pk=from_hours.pk)
    assert row.status == Declaration.Status.REVIEWED and row.version == from_hours.version
    assert not AuditEvent.objects.filter(action="points.declaration.withdrawn").exists()


def test_a_rejection_with_a_reason_still_ends_an_hours_declaration(cast, from_hours):  # type: ignore[no-untyped-def]
    dsvc.declaration_reject(
        actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=from_hours,
        reason="当天活动取消，时长记错",
    )  # fmt: skip
    assert Declaration._base_manager.get(pk=from_hours.pk).status == Declaration.Status.REJECTED


def test_the_declaration_page_offers_no_withdrawal_and_refuses_one(client_as, from_hours):  # type: ignore[no-untyped-def]
    client = client_as("leader_a")
    url = f"/vol/points/declarations/{from_hours.pk}/"
    page = client.get(url).content.decode()
    assert 'value="withdraw"' not in page
    r = client.post(url, {"action": "withdraw", "version": from_hours.version})
    assert r.status_code == 400 and "不能撤回" in r.content.decode()
    assert Declaration._base_manager.get(pk=from_hours.pk).status == Declaration.Status.REVIEWED


def test_an_ordinary_declaration_may_still_be_withdrawn(cast, declare):  # type: ignore[no-untyped-def]
    row = declare()
    dsvc.declaration_withdraw(actor=cast.clerk_a2, jurisdiction=j(cast.clerk_a2), declaration=row)
    assert Declaration._base_manager.get(pk=row.pk).status == Declaration.Status.WITHDRAWN
