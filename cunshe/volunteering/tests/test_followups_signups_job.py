"""The daily sweep of sign-ups left open after their shift (jobs/activities.py): no-shows,
sign-ins never signed out, the reliability counts, idempotence and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.core.scheduling import registered_jobs
from cunshe.volunteering.jobs.activities import activities_daily
from cunshe.volunteering.models import HoursEntry, Signup
from cunshe.volunteering.services import hours as hours_svc
from cunshe.volunteering.services import shifts as svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import move_shift, reload


def _signed(cast, jurisdictions, vol, activity_maker, n=1):  # type: ignore[no-untyped-def]
    j = jurisdictions["clerk_a"]
    shift = activity_maker(capacity=max(n, 1)).first_shift
    rows = [
        svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift, volunteer=vol())
        for _ in range(n)
    ]
    return shift, rows


def test_job_is_registered_with_a_namespaced_name():
    names = {job.name for job in registered_jobs()}
    assert "volunteering.activities.daily" in names


def test_no_show_after_the_shift_ended_keeps_the_counts(cast, jurisdictions, vol,
                                                        activity_maker):  # fmt: skip
    shift, (a, b) = _signed(cast, jurisdictions, vol, activity_maker, n=2)
    assert activities_daily() == {"no_show": 0, "closed_without_sign_out": 0}  # not yet
    move_shift(shift, -timedelta(hours=3), hours=2)
    assert activities_daily() == {"no_show": 2, "closed_without_sign_out": 0}
    for s in (a, b):
        s = reload(s)
        assert s.status == Signup.Status.NO_SHOW
        # Signed up and not attended: reliability = 0/1 for this shift.
        assert (s.volunteer.shifts_signed, s.volunteer.shifts_attended) == (1, 0)
    events = AuditEvent.objects.filter(action="volunteering.signup.no_show")
    assert sorted(events.values_list("object_id", flat=True)) == sorted([str(a.pk), str(b.pk)])
    # Idempotent: a second run changes nothing and writes no event.
    assert activities_daily() == {"no_show": 0, "closed_without_sign_out": 0}
    assert events.count() == 2


def test_a_running_shift_and_a_withdrawal_are_left_alone(cast, jurisdictions, vol, me,
                                                         activity_maker):  # fmt: skip
    shift, (a,) = _signed(cast, jurisdictions, vol, activity_maker)
    j = jurisdictions["villager"]
    other = activity_maker(starts_in=timedelta(days=3)).first_shift
    w = svc.signup_create(actor=cast.villager, jurisdiction=j, shift=other)
    assert reload(me).shifts_signed == 1
    svc.signup_withdraw(actor=cast.villager, jurisdiction=j, signup=w)
    # A withdrawal does change the count (the sign-up no longer counts as made).
    assert reload(me).shifts_signed == 0
    move_shift(shift, -timedelta(minutes=30), hours=2)  # under way
    move_shift(other, -timedelta(hours=5), hours=2)
    assert activities_daily() == {"no_show": 0, "closed_without_sign_out": 0}
    assert reload(a).status == Signup.Status.SIGNED_UP
    assert reload(w).status == Signup.Status.WITHDRAWN


def test_sign_in_never_signed_out_is_closed_after_the_grace_days(cast, jurisdictions, vol,
                                                                 activity_maker):  # fmt: skip
    j = jurisdictions["clerk_a"]
    shift, (a, b) = _signed(cast, jurisdictions, vol, activity_maker, n=2)
    shift = move_shift(shift, -timedelta(hours=3), hours=2)
    for s in (a, b):
        svc.signup_check_in(actor=cast.clerk_a, jurisdiction=j, signup=reload(s),
                            at=shift.starts_at + timedelta(minutes=5))  # fmt: skip
    # Within the grace days: left for the organiser to record the sign-out.
    move_shift(shift, -timedelta(days=2), hours=2)
    assert activities_daily() == {"no_show": 0, "closed_without_sign_out": 0}
    move_shift(shift, -timedelta(days=3, hours=3), hours=2)
    assert activities_daily() == {"no_show": 0, "closed_without_sign_out": 2}
    for s in (a, b):
        s = reload(s)
        assert (s.status, s.checked_out_at) == (Signup.Status.ATTENDED, None)
        assert (s.volunteer.shifts_signed, s.volunteer.shifts_attended) == (1, 1)
    assert not HoursEntry._base_manager.filter(signup__in=[a, b]).exists()
    events = AuditEvent.objects.filter(action="volunteering.signup.closed_unsigned_out")
    assert events.count() == 2 and events.first().detail["minutes"] == 0
    assert activities_daily() == {"no_show": 0, "closed_without_sign_out": 0}
    assert reload(a).volunteer.shifts_attended == 1
    # The clerk can no longer sign them out, but may still record the hours by hand (补录).
    with pytest.raises(ValidationError):
        svc.signup_check_out(actor=cast.clerk_a, jurisdiction=j, signup=reload(a))
    entry = hours_svc.hours_record_manual(
        actor=cast.clerk_a, jurisdiction=j, volunteer=reload(a).volunteer, minutes=90,
        service_date=timezone.localdate(shift.starts_at), reason="忘记签退，组织者补录",
        activity=shift.activity,
    )  # fmt: skip
    assert entry.kind == HoursEntry.Kind.MANUAL


def test_one_volunteer_closed_on_two_shifts_counts_two(cast, jurisdictions, vol, activity_maker):
    j = jurisdictions["clerk_a"]
    v = vol()
    s1 = activity_maker(starts_in=timedelta(days=1)).first_shift
    s2 = activity_maker(starts_in=timedelta(days=2)).first_shift
    a = svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=s1, volunteer=v)
    b = svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=s2, volunteer=v)
    for shift, s in ((s1, a), (s2, b)):
        shift = move_shift(shift, -timedelta(hours=3), hours=2)
        svc.signup_check_in(actor=cast.clerk_a, jurisdiction=j, signup=reload(s),
                            at=shift.starts_at)  # fmt: skip
    move_shift(s1, -timedelta(days=5), hours=2)
    move_shift(s2, -timedelta(days=4), hours=2)
    assert activities_daily()["closed_without_sign_out"] == 2
    assert (reload(v).shifts_signed, reload(v).shifts_attended) == (2, 2)


def test_sweep_is_set_based(cast, jurisdictions, vol, activity_maker):
    shift, _rows = _signed(cast, jurisdictions, vol, activity_maker, n=6)
    move_shift(shift, -timedelta(hours=3), hours=2)
    with CaptureQueriesContext(connection) as few:
        activities_daily()
    assert Signup._base_manager.filter(status=Signup.Status.NO_SHOW).count() == 6
    shift2, _rows2 = _signed(cast, jurisdictions, vol, activity_maker, n=1)
    move_shift(shift2, -timedelta(hours=3), hours=2)
    with CaptureQueriesContext(connection) as one:
        activities_daily()
    # Six no-shows cost no more queries than one: no per-row loop.
    assert len(few) == len(one)


def test_clerk_may_record_the_sign_in_of_a_no_show_within_the_grace_days(
    cast, jurisdictions, vol, activity_maker
):
    j = jurisdictions["clerk_a"]
    shift, (a,) = _signed(cast, jurisdictions, vol, activity_maker)
    shift = move_shift(shift, -timedelta(hours=3), hours=2)
    activities_daily()
    assert reload(a).status == Signup.Status.NO_SHOW
    s = svc.signup_check_in(actor=cast.clerk_a, jurisdiction=j, signup=reload(a),
                            at=shift.starts_at + timedelta(minutes=10))  # fmt: skip
    assert s.status == Signup.Status.SIGNED_UP
    s = svc.signup_check_out(actor=cast.clerk_a, jurisdiction=j, signup=reload(a),
                             at=shift.ends_at)  # fmt: skip
    assert s.status == Signup.Status.ATTENDED
    assert (s.volunteer.shifts_signed, reload(s.volunteer).shifts_attended) == (1, 1)
    # After the grace days a no-show stays a no-show.
    shift2, (b,) = _signed(cast, jurisdictions, vol, activity_maker)
    shift2 = move_shift(shift2, -timedelta(days=4), hours=2)
    activities_daily()
    with pytest.raises(ValidationError):
        svc.signup_check_in(actor=cast.clerk_a, jurisdiction=j, signup=reload(b),
                            at=shift2.starts_at)  # fmt: skip
    assert reload(b).status == Signup.Status.NO_SHOW
