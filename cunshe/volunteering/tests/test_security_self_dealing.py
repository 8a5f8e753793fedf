"""Security review (part `security`): nobody confirms or approves the hours, or approves the
points, of their own household; every such attempt is refused, changes nothing and leaves a
refusal in the audit trail although the service's transaction rolled back."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunshe.core.audit import flush_refusals, verify_chain
from cunshe.core.models import AuditEvent
from cunshe.residents.models import Person
from cunshe.volunteering.models import Declaration, HoursEntry, Volunteer
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import hours as hsvc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.points_fixtures import j

pytestmark = pytest.mark.django_db


def _link(person, user):  # type: ignore[no-untyped-def]
    Person._base_manager.filter(pk=person.pk).update(account=user)


def _hours_state():  # type: ignore[no-untyped-def]
    return (
        list(HoursEntry._base_manager.order_by("pk").values_list("pk", "status", "minutes")),
        list(Volunteer._base_manager.order_by("pk").values_list("pk", "approved_minutes")),
    )


def _denied(action: str) -> int:
    return AuditEvent.objects.filter(action=action, outcome=AuditEvent.Outcome.DENIED).count()


@pytest.fixture
def family_entry(cast, hamlet, vol):  # type: ignore[no-untyped-def]
    """A manual hours entry of the head of household 1, whose wife is leader_a's register
    entry (and the head's son clerk_a's)."""
    _link(hamlet.wives[0], cast.leader_a)
    _link(hamlet.children[0], cast.clerk_a)
    volunteer = vol("户主志愿者", person=hamlet.heads[0])
    return hsvc.hours_record_manual(
        actor=cast.township_officer,
        jurisdiction=j(cast.township_officer),
        volunteer=volunteer,
        minutes=120,
        service_date=timezone.localdate(),
        reason="义诊当天未带手机签到",
    )


def test_confirming_the_hours_of_ones_household_is_refused_and_audited(cast, family_entry):
    before = _hours_state()
    with pytest.raises(ValidationError, match="家人"):
        hsvc.hours_confirm(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), entry=family_entry)
    assert _hours_state() == before
    flush_refusals()
    assert _denied("volunteering.hours.self_dealing_refused") == 1
    assert verify_chain().ok


def test_approving_the_hours_of_ones_household_is_refused_and_audited(cast, family_entry):
    entry = hsvc.hours_confirm(
        actor=cast.township_officer, jurisdiction=j(cast.township_officer), entry=family_entry
    )
    # The bulk path (the hours list's "approve selected") is refused the same way.
    for attempt in (
        lambda: hsvc.hours_approve(actor=cast.leader_a, jurisdiction=j(cast.leader_a), entry=entry),
        lambda: hsvc.hours_bulk(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), entries=[entry], action="approve"
        ),
    ):
        before = _hours_state()
        with pytest.raises(ValidationError, match="家人"):
            attempt()
        assert _hours_state() == before
    flush_refusals()
    assert _denied("volunteering.hours.self_dealing_refused") == 2


def test_hours_of_another_household_are_approved(cast, hamlet, family_entry):
    _link(hamlet.wives[0], None)
    _link(hamlet.wives[1], cast.leader_a)  # leader_a now lives in household 2
    entry = hsvc.hours_confirm(
        actor=cast.township_officer, jurisdiction=j(cast.township_officer), entry=family_entry
    )
    entry = hsvc.hours_approve(actor=cast.leader_a, jurisdiction=j(cast.leader_a), entry=entry)
    assert entry.status == HoursEntry.Status.APPROVED


def test_approving_points_of_ones_household_is_refused_and_the_refusal_kept(cast, hamlet, declare):
    _link(hamlet.wives[1], cast.leader_a)  # leader_a lives in household 2 (index 1)
    row = declare(hh=1)
    row = dsvc.declaration_review(actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row)
    with pytest.raises(ValidationError, match="自己家"):
        dsvc.declaration_approve(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=row
        )
    assert Declaration._base_manager.get(pk=row.pk).status == Declaration.Status.REVIEWED
    flush_refusals()
    assert _denied("points.declaration.self_dealing_refused") == 1
    assert verify_chain().ok
