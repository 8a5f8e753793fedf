"""Hours → points (`hours_declare_due`): hours older than DECLARATION_MAX_AGE_DAYS are skipped."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from cunshe.volunteering.models import Declaration, HoursEntry, Volunteer
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403 (fixtures)


def _approved(cast, person, days_ago, minutes=120, kind=HoursEntry.Kind.MANUAL):  # type: ignore[no-untyped-def]
    volunteer = Volunteer._base_manager.filter(person=person).first()
    if volunteer is None:
        volunteer = Volunteer._base_manager.create(
            region=person.region, number=f"P{person.pk:08d}", name=person.name,
            id_number=person.id_number, person=person, verified_at=timezone.now(),
        )  # fmt: skip
    return HoursEntry._base_manager.create(
        region=volunteer.region, volunteer=volunteer, kind=kind,
        service_date=timezone.localdate() - timedelta(days=days_ago), minutes=minutes,
        reason="补录", status=HoursEntry.Status.APPROVED, recorded_by=cast.clerk_a,
        confirmed_by=cast.clerk_a, decided_by=cast.leader_a, decided_at=timezone.now(),
    )  # fmt: skip


def test_hours_older_than_the_declaration_age_are_not_declared(cast, points):
    person = points.hamlet.heads[1]
    fresh = _approved(cast, person, days_ago=3)
    edge = _approved(cast, person, days_ago=60)  # the oldest a deed may be declared
    old = _approved(cast, person, days_ago=61)
    assert dsvc.hours_declare_due() == 2
    declared = set(Declaration._base_manager.values_list("hours_entry_id", flat=True))
    assert declared == {fresh.pk, edge.pk}
    assert old.pk not in declared
    # Idempotent, and the old entry stays undeclared.
    assert dsvc.hours_declare_due() == 0


def test_the_age_limit_follows_the_rule(cast, points):
    person = points.hamlet.heads[1]
    entry = _approved(cast, person, days_ago=20)
    with override_settings(VOLUNTEERING_RULES={"DECLARATION_MAX_AGE_DAYS": 10}):
        assert dsvc.hours_declare_due() == 0
    assert dsvc.hours_declare_due() == 1
    assert Declaration._base_manager.get().hours_entry_id == entry.pk
