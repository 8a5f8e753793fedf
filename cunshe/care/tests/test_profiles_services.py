"""Keeping a profile: guardian and agreement, school, assessment, contacts, carers, risk; each
version-checked, audited and in the history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from cunshe.care import risk
from cunshe.care.models import CareProfile, ProfileEvent
from cunshe.care.services import profiles as svc
from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import GIF, PDF
from cunshe.core.models import AuditEvent
from cunshe.residents.services import ConcurrentEdit


@pytest.fixture
def child(family, make_profile):  # type: ignore[no-untyped-def]
    return make_profile(family.child, "child")


def test_guardian_and_agreement_are_recorded_with_history_and_audit(
    cast, family, child, j_of, media
):
    p = svc.profile_set_guardian(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=child, expected_version=1,
        guardian_person=family.grandfather, guardian_relation="祖父",
        guardian_phone="139 0000 1111",
        agreement_signed_on=date(2026, 1, 10),
        agreement_file=SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
    )  # fmt: skip
    assert p.version == 2
    assert p.guardian_name == "张大山" and p.guardian_phone == "13900001111"
    assert p.agreement_content_type == "application/pdf"
    assert p.agreement_file.read() == PDF
    assert p.history.filter(kind=ProfileEvent.Kind.UPDATED).count() == 1
    assert AuditEvent.objects.filter(
        action="care.profile.guardian_set", object_id=str(p.pk)
    ).exists()


def test_agreement_that_is_not_a_pdf_or_image_by_content_is_refused(cast, child, j_of, media):
    with pytest.raises(ValidationError) as e:
        svc.profile_set_guardian(
            actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=child, expected_version=1,
            guardian_name="王某", guardian_relation="邻居", guardian_phone="13900001111",
            agreement_signed_on=date(2026, 1, 10),
            agreement_file=SimpleUploadedFile("a.pdf", GIF, "application/pdf"),
        )  # fmt: skip
    assert "agreement_file" in e.value.message_dict
    child.refresh_from_db()
    assert child.version == 1 and child.guardian_name == ""


def test_stale_version_is_a_concurrent_edit_and_changes_nothing(cast, child, j_of):
    svc.profile_set_school(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=child, expected_version=1,
        school="闵家小学", school_class="四年级二班",
    )  # fmt: skip
    with pytest.raises(ConcurrentEdit):
        svc.profile_set_school(
            actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=child, expected_version=1,
            school="别的学校",
        )  # fmt: skip
    child.refresh_from_db()
    assert child.school == "闵家小学" and child.version == 2


def test_leader_without_edit_is_refused_and_outsider_gets_404(cast, child, j_of):
    with pytest.raises(PermissionDenied):
        svc.profile_set_school(
            actor=cast.leader_a, jurisdiction=j_of("leader_a"), profile=child,
            expected_version=1, school="x",
        )  # fmt: skip
    with pytest.raises(Http404):
        svc.profile_set_school(
            actor=cast.outsider, jurisdiction=j_of("outsider"), profile=child,
            expected_version=1, school="x",
        )  # fmt: skip
    assert AuditEvent.objects.filter(
        action="care.permission.denied", outcome=AuditEvent.Outcome.DENIED
    ).exists()


def test_contacts_are_stored_family_first_in_given_order(cast, family, make_profile, j_of):
    p = make_profile(family.grandmother, "elderly")
    svc.profile_set_contacts(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=1,
        contacts=[
            svc.ContactIn("邻居老李", "邻居", "13900000003", is_family=False),
            svc.ContactIn("张伟", "儿子", "13900000001"),
            svc.ContactIn("李娜", "儿媳", "13900000002"),
        ],
    )  # fmt: skip
    rows = list(p.contacts.values_list("name", "is_family"))
    assert rows == [("张伟", True), ("李娜", True), ("邻居老李", False)]


def test_contact_with_a_bad_phone_is_refused_naming_the_row(cast, family, make_profile, j_of):
    p = make_profile(family.grandmother, "elderly")
    with pytest.raises(ValidationError) as e:
        svc.profile_set_contacts(
            actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=1,
            contacts=[svc.ContactIn("张伟", "儿子", "139"), ],
        )  # fmt: skip
    assert "第 1 位" in e.value.message_dict["contacts"][0]
    assert p.contacts.count() == 0


def test_carer_staff_of_the_village_or_named_person(cast, family, make_profile, j_of):
    p = make_profile(family.grandmother, "elderly")
    candidates = svc.carer_candidates(p)
    assert {u.username for u in candidates} == {"clerk_a", "leader_a", "township_officer"}
    c1 = svc.carer_assign(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=1,
        carer_type="cadre", user=cast.leader_a,
    )  # fmt: skip
    c2 = svc.carer_assign(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=2,
        carer_type="volunteer", name="志愿者小王", phone="13700000000",
    )  # fmt: skip
    assert c1.user == cast.leader_a and c2.user is None
    with pytest.raises(ValidationError):
        svc.carer_assign(
            actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=3,
            carer_type="cadre", user=cast.outsider,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # a named carer needs a phone
        svc.carer_assign(
            actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=3,
            carer_type="grid", name="网格员",
        )  # fmt: skip
    svc.carer_end(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=3, carer=c2
    )
    c2.refresh_from_db()
    assert not c2.active and c2.ended_at is not None
    assert p.history.filter(kind=ProfileEvent.Kind.CARER).count() == 3


def test_risk_level_is_the_highest_criterion_and_high_is_a_major_change(
    cast, family, make_profile, j_of
):
    p = make_profile(family.child, "child", status_changed_at=timezone.now() - timedelta(days=3))
    now = timezone.now()
    p = svc.profile_set_risk(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=1,
        criteria=["dropout", "psychological"], now=now,
    )  # fmt: skip
    assert p.risk_level == "priority" and p.major_change_at is None
    p = svc.profile_set_risk(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=2,
        criteria=["unsupported", "dropout"], now=now,
    )  # fmt: skip
    assert p.risk_level == "high"
    assert p.major_change_at == now
    assert p.next_visit_due == now + timedelta(hours=24)
    ev = p.history.filter(kind=ProfileEvent.Kind.RISK_CHANGED).last()
    assert ev.detail == {"from": "priority", "to": "high", "criteria": ["unsupported", "dropout"]}
    p = svc.profile_set_risk(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=3,
        criteria=[],
    )  # fmt: skip
    assert p.risk_level == "general"


def test_unknown_criterion_for_the_kind_is_refused(cast, family, make_profile, j_of):
    p = make_profile(family.mother, "woman")
    with pytest.raises(ValidationError):
        svc.profile_set_risk(
            actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=p, expected_version=1,
            criteria=["very_old"],
        )  # fmt: skip
    assert CareProfile.objects.within(j_of("clerk_a")).get(pk=p.pk).version == 1


def test_register_suggests_age_living_alone_and_disability(cast, family, register):
    # The grandparents live with the mother and the child: not alone; 张大山 is 76 in 2026.
    assert risk.suggest("elderly", family.grandfather, on=date(2026, 6, 1)) == []
    assert risk.suggest("elderly", family.grandfather, on=date(2030, 6, 1)) == ["very_old"]
    from cunshe.residents import services as rs

    hh = rs.household_create(
        actor=cast.clerk_a, jurisdiction=j_of_clerk(cast), region=cast.village_a, number="A-009"
    )
    alone = register("孤老", date(1940, 1, 1), "M", "02", seq=21, household=hh)
    assert risk.suggest("elderly", alone, on=date(2026, 6, 1)) == ["alone", "very_old"]


def j_of_clerk(cast):  # type: ignore[no-untyped-def]
    from cunshe.residents.tests.conftest import jurisdiction_of

    return jurisdiction_of(cast.clerk_a)


def test_level_for_table():
    assert risk.level_for("elderly", []) == "general"
    assert risk.level_for("elderly", ["alone"]) == "priority"
    assert risk.level_for("elderly", ["alone", "incapacitated"]) == "high"
    assert risk.level_for("woman", ["ill_or_disabled"]) == "priority"
    assert risk.level_for("child", ["ill_or_disabled"]) == "high"
