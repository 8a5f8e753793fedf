"""identify_persons and the profile lifecycle: new match → candidate; confirmed; parent
returns → closed with the reason in words; leaves again → reopened; dismissed stays dismissed
until the facts change; the register hook keeps it current."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cunshe.care.models import CareProfile, ProfileEvent
from cunshe.care.services import identification as svc
from cunshe.care.tests.identification_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.identification_fixtures import profile_of, profiles
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent
from cunshe.residents.services import ConcurrentEdit

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ON = date(2026, 11, 20)


def _ids(f):  # type: ignore[no-untyped-def]
    return [f.father.pk, f.mother.pk, f.child.pk, f.grandfather.pk, f.grandmother.pk]


def test_first_run_finds_the_woman_and_the_grandparents_not_the_child(family):  # type: ignore[no-untyped-def]
    f = family
    summary = svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    assert profiles() == {
        (f.mother.pk, "woman"): "candidate",
        (f.grandfather.pk, "elderly"): "candidate",
        (f.grandmother.pk, "elderly"): "candidate",
    }
    assert summary.identified == 3
    woman = profile_of(f.mother, "woman")
    assert woman.reason == [{"who": "husband", "status": "away_work", "since": "2024-03-01"}]
    assert woman.identified_on == ON
    assert woman.recheck_on == date(2044, 7, 9)  # her 56th birthday
    assert woman.region_code == f.mother.region_code
    assert ProfileEvent.objects.filter(profile=woman, kind="identified").count() == 1
    assert AuditEvent.objects.filter(action="care.identification.ran").count() == 1
    # Running again changes nothing.
    again = svc.identify_persons(_ids(f), ON, now=NOW)
    assert again.identified == again.updated == 0


def test_mother_leaves_child_appears_then_lifecycle(family, record, cast, clerk_j):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    record(f.mother, "leave_work", date(2026, 9, 1))
    child = profile_of(f.child, "child")
    assert child is not None and child.status == "candidate"
    with translation.override("zh-hans"):
        from cunshe.care.identification import describe

        assert describe(child.reason) == "父亲2024-03起在外务工，母亲2026-09起在外务工"
    # The mother is away herself now: her woman profile closes with a reason in words.
    woman = profile_of(f.mother, "woman")
    assert woman.status == "closed" and woman.status_reason == "本人已不在本村居住"

    svc.candidate_confirm(
        actor=cast.clerk_a, jurisdiction=clerk_j, profile=child, risk_level="high", note="核实"
    )
    child = profile_of(f.child, "child")
    assert child.status == "active" and child.next_visit_due is not None

    record(f.father, "return", date(2026, 11, 20))
    child = profile_of(f.child, "child")
    assert child.status == "closed"
    assert child.status_reason == "父亲2026-11-20返乡"
    assert child.next_visit_due is None
    assert child.history.filter(kind="closed").count() == 1

    record(f.father, "leave_work", date(2026, 11, 21) if date.today() > ON else ON)
    child = profile_of(f.child, "child")
    assert child.status == "active"  # confirmed before: reopened, not a candidate again
    assert child.major_change_at is not None
    assert child.history.filter(kind="reopened").count() == 1
    assert child.next_visit_due is not None


def test_reason_change_on_an_active_profile_is_a_major_change(family, record, cast, clerk_j):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    record(f.mother, "leave_work", date(2026, 9, 1))
    child = profile_of(f.child, "child")
    svc.candidate_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, profile=child,
                          risk_level="priority")  # fmt: skip
    # The mother is found unable to act as guardian, then comes back: still left behind, for
    # a new reason.
    from cunshe.residents import services as register

    mother = register.Person._base_manager.get(pk=f.mother.pk)
    register.person_update(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=mother,
        expected_version=mother.version,
        lacks_guardianship_capacity=True,
    )
    record(f.mother, "return", date(2026, 11, 1))
    child = profile_of(f.child, "child")
    assert child.status == "active"
    assert child.reason[1] == {"who": "mother", "fact": "no_capacity"}
    assert child.major_change_at is not None and child.major_change_at > NOW
    assert child.history.filter(kind="reason").exists()


def test_dismissed_stays_dismissed_until_the_facts_change(family, record, cast, clerk_j):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    woman = profile_of(f.mother, "woman")
    with pytest.raises(ValidationError) as err:
        svc.candidate_dismiss(actor=cast.clerk_a, jurisdiction=clerk_j, profile=woman, reason=" ")
    assert "reason" in err.value.message_dict
    svc.candidate_dismiss(actor=cast.clerk_a, jurisdiction=clerk_j, profile=woman,
                          reason="丈夫每周回家")  # fmt: skip
    svc.identify_persons(_ids(f), ON, now=NOW)
    assert profile_of(f.mother, "woman").status == "dismissed"
    # The husband returns and leaves again: new facts, a candidate again.
    record(f.father, "return", date(2026, 1, 10))
    assert profile_of(f.mother, "woman").status == "dismissed"
    record(f.father, "leave_work", date(2026, 2, 1))
    svc.identify_persons([f.father.pk], ON, now=NOW)
    woman = profile_of(f.mother, "woman")
    assert woman.status == "candidate"
    assert woman.reason[0]["since"] == "2026-02-01"


def test_confirm_refuses_stale_versions_and_non_candidates(family, cast, clerk_j):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    woman = profile_of(f.mother, "woman")
    with pytest.raises(ConcurrentEdit):
        svc.candidate_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, profile=woman,
                              risk_level="general", expected_version=woman.version + 1)  # fmt: skip
    with pytest.raises(ValidationError) as err:
        svc.candidate_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, profile=woman,
                              risk_level="extreme")  # fmt: skip
    assert "risk_level" in err.value.message_dict
    svc.candidate_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, profile=woman,
                          risk_level="general", expected_version=woman.version)  # fmt: skip
    with pytest.raises(ValidationError) as err:
        svc.candidate_dismiss(actor=cast.clerk_a, jurisdiction=clerk_j, profile=woman, reason="x")
    assert "status" in err.value.message_dict
    assert AuditEvent.objects.filter(action="care.candidate.confirmed").count() == 1


def test_hook_on_registration_of_a_newborn(family, register, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    with django_capture_on_commit_callbacks(execute=True):
        baby = register("张小丽", date(2025, 3, 3), "F", "30", seq=20,
                        since=date(2025, 3, 3))  # fmt: skip
    # The baby's parents are inferred at once (head and spouse); father away, mother here.
    with system_scope("test"):
        from cunshe.care.models import KinLink

        assert set(KinLink.objects.filter(person=baby).values_list("relative_id", flat=True)) == {
            f.father.pk,
            f.mother.pk,
        }
    assert profile_of(baby, "child") is None


def test_closed_unconfirmed_candidate_comes_back_as_candidate(family, record):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(_ids(f), ON, now=NOW, refresh_kin=True)
    record(f.mother, "leave_work", date(2026, 9, 1))
    assert profile_of(f.child, "child").status == "candidate"
    record(f.mother, "return", date(2026, 10, 1))
    assert profile_of(f.child, "child").status == "closed"
    record(f.mother, "leave_work", date(2026, 10, 5))
    child = profile_of(f.child, "child")
    assert child.status == "candidate"
    assert not child.history.filter(kind="reopened").exists()
    with system_scope("test"):
        assert CareProfile.objects.filter(person=f.child).count() == 1
