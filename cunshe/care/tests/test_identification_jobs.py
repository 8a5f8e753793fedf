"""Keeping identification current without a clerk: the daily job (birthdays, six-month marks,
profiles whose recheck date has come), the command, the bulk-import hook, and the property
that incremental identification equals a from-scratch recomputation."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cunshe.care.jobs.identification import due_person_ids, identify_due
from cunshe.care.models import CareProfile
from cunshe.care.services import identification as svc
from cunshe.care.tests.identification_fixtures import profile_of, profiles
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent
from cunshe.residents import services as register_services
from cunshe.residents.codes import EventKind
from cunshe.residents.models import Person


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(2, 0)))


def test_daily_job_finds_the_wife_when_the_six_month_mark_is_reached(family, cast, clerk_j):  # type: ignore[no-untyped-def]
    f = family
    register_services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=f.father,
        kind=EventKind.RETURN,
        occurred_on=date(2026, 1, 1),
    )
    register_services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=f.father,
        kind=EventKind.LEAVE_FOR_WORK,
        occurred_on=date(2026, 3, 31),
        destination="长春市",
    )
    ids = [f.father.pk, f.mother.pk, f.child.pk, f.grandfather.pk, f.grandmother.pk]
    svc.identify_persons(ids, date(2026, 9, 29), now=_at(date(2026, 9, 29)), refresh_kin=True)
    assert profile_of(f.mother, "woman") is None  # 5 months 29 days
    # 31 March + 6 months = 1 October (30 September has no 31st).
    assert f.father.pk in due_person_ids(date(2026, 10, 1))
    assert f.father.pk not in due_person_ids(date(2026, 9, 30))
    identify_due(now=_at(date(2026, 10, 1)))
    woman = profile_of(f.mother, "woman")
    assert woman is not None and woman.status == "candidate"
    assert woman.identified_on == date(2026, 10, 1)


def test_daily_job_closes_a_child_profile_on_the_16th_birthday(family, make_profile):  # type: ignore[no-untyped-def]
    f = family
    profile = make_profile(
        f.child,
        "child",
        status="active",
        recheck_on=date(2032, 5, 10),
        reason=[{"who": "father", "status": "away_work", "since": "2024-03-01"}],
    )
    assert f.child.pk in due_person_ids(date(2032, 5, 10))
    identify_due(now=_at(date(2032, 5, 10)))
    with system_scope("test"):
        profile.refresh_from_db()
    assert profile.status == "closed"
    assert profile.status_reason == "已满16周岁"
    assert profile.recheck_on is None


def test_daily_job_catches_up_a_missed_week(family, make_profile):  # type: ignore[no-untyped-def]
    f = family
    assert f.child.pk in due_person_ids(date(2032, 5, 16))  # birthday six days ago
    assert f.child.pk not in due_person_ids(date(2032, 5, 17))


def test_command_runs_from_scratch_and_is_audited(family):  # type: ignore[no-untyped-def]
    call_command("care_identify", "--village", "220182102200")
    assert set(profiles().values()) == {"candidate"} and len(profiles()) == 3
    assert AuditEvent.objects.filter(action="care.identification.ran").exists()
    assert AuditEvent.objects.filter(action="core.system_scope.entered").exists()
    before = profiles()
    call_command("care_identify", "--all")
    assert profiles() == before
    with pytest.raises(CommandError):
        call_command("care_identify")
    with pytest.raises(CommandError):
        call_command("care_identify", "--village", "12345")


def test_bulk_import_identifies_the_villages_touched(
    cast, clerk_j, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from cunshe.residents import importing
    from cunshe.residents.idcard import make

    head = make("220182", date(1950, 5, 5), 3, "M")
    rows = [
        ["村/组代码", "户号", "与户主关系", "姓名", "身份证号", "居住状态"],
        ["220182102200", "B-900", "02 户主", "孙长顺", head, "在本村"],
    ]
    table = importing.table_from_grid(rows)
    with django_capture_on_commit_callbacks(execute=True):
        plan, result = importing.commit(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            table=table,
            mode=importing.Mode.ALL_OR_NOTHING,
            bulk=True,
        )
    assert not plan.problems, plan.problems
    assert result.created_persons == 1
    with system_scope("test"):
        elder = CareProfile.objects.get(person__name="孙长顺")
    assert elder.kind == "elderly" and elder.reason == [{"fact": "no_children"}]


# --- incremental equals from scratch --------------------------------------------------------

EVENTS = ("leave_work", "return", "death", "move_out", "leave_work", "return")


def _snapshot() -> dict[tuple[int, str], tuple[str, str, date | None]]:
    with system_scope("test"):
        return {
            (p.person_id, p.kind): (str(p.reason), p.status, p.recheck_on)
            for p in CareProfile.objects.filter(matches_now=True)
        }


def _expected(on: date) -> dict[tuple[int, str], tuple[str, date | None]]:
    ids = list(Person._base_manager.values_list("id", flat=True))
    out = svc.expected_outcomes(ids, on)
    return {k: (str(o.reason), o.recheck_on) for k, o in out.items() if o.matches}


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_identification_equals_a_from_scratch_run(
    seed, family, cast, clerk_j, register, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    f = family
    extra = [
        register("周桂兰", date(1958, 8, 31), "F", "99", seq=60, marital_status="30"),
        register("张小红", date(2012, 2, 29), "F", "30", seq=61),
    ]
    people = [f.father, f.mother, f.child, f.grandfather, f.grandmother, *extra]
    svc.identify_persons([p.pk for p in people], refresh_kin=True)
    day = date(2025, 1, 1)
    for _ in range(14):
        p = rng.choice(people)
        day += timedelta(days=rng.randint(1, 40))
        current = Person._base_manager.get(pk=p.pk)
        kind = rng.choice(EVENTS)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                register_services.event_record(
                    actor=cast.clerk_a,
                    jurisdiction=clerk_j,
                    person=current,
                    kind=kind,
                    occurred_on=min(day, date.today()),
                    destination="外地",
                )
        except ValidationError:  # an event not allowed from this state: skip it
            continue
    today = timezone.localdate()
    got = _snapshot()
    want = _expected(today)
    assert {k: (r, d) for k, (r, _s, d) in got.items()} == want
    # And a from-scratch run over everything changes nothing.
    summary = svc.identify_region("", today)
    assert summary.identified == summary.closed == summary.reopened == 0
    assert _snapshot() == got
