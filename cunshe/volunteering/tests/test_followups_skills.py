"""Required skills at sign-up: a volunteer lacking any skill the shift asks for is refused with
the missing skills named; the clerk's roster sign-up may override with a reason (audited)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Shift, Signup, Volunteer
from cunshe.volunteering.services import shifts as svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import reload

P = "/api/v1/volunteering/activities/"


def _needs(shift, *skills):  # type: ignore[no-untyped-def]
    Shift._base_manager.filter(pk=shift.pk).update(required_skills=list(skills))
    return reload(shift)


def _state():  # type: ignore[no-untyped-def]
    return (
        list(Signup._base_manager.values_list("pk", "status")),
        list(Volunteer._base_manager.values_list("pk", "shifts_signed")),
        AuditEvent.objects.filter(action="volunteering.signup.created").count(),
    )


def test_villager_lacking_a_required_skill_is_refused_with_its_name(cast, jurisdictions, me,
                                                                    activity_maker):  # fmt: skip
    Volunteer._base_manager.filter(pk=me.pk).update(skills=["haircut"])
    shift = _needs(activity_maker().first_shift, "haircut", "medical")
    before = _state()
    with pytest.raises(ValidationError) as info:
        svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"], shift=shift)
    text = " ".join(info.value.messages)
    assert "医疗护理" in text and "理发" not in text
    assert _state() == before
    # A villager cannot override it, reason or not.
    with pytest.raises(ValidationError):
        svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"],
                          shift=shift, skills_override_reason="我会")  # fmt: skip
    assert _state() == before


def test_volunteer_with_every_required_skill_signs_up(cast, jurisdictions, me, activity_maker):
    Volunteer._base_manager.filter(pk=me.pk).update(skills=["medical", "haircut", "company"])
    shift = _needs(activity_maker().first_shift, "haircut", "medical")
    s = svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"], shift=shift)
    assert s.status == Signup.Status.SIGNED_UP
    event = AuditEvent.objects.get(action="volunteering.signup.created")
    assert "skills_missing" not in event.detail


def test_clerk_without_a_reason_is_refused_and_with_one_overrides(cast, jurisdictions, vol,
                                                                  activity_maker):  # fmt: skip
    j = jurisdictions["clerk_a"]
    v = vol("赵铁柱", skills=["farming"])
    shift = _needs(activity_maker().first_shift, "repair", "driving")
    before = _state()
    with pytest.raises(ValidationError) as info:
        svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift, volunteer=v)
    text = " ".join(info.value.messages)
    assert "家电水电维修" in text and "驾驶接送" in text and "原因" in text
    with pytest.raises(ValidationError):
        svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift, volunteer=v,
                          skills_override_reason="   ")  # fmt: skip
    assert _state() == before
    s = svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift, volunteer=v,
                          skills_override_reason="跟随电工师傅打下手")  # fmt: skip
    assert s.volunteer == v and reload(v).shifts_signed == 1
    event = AuditEvent.objects.get(action="volunteering.signup.created")
    assert event.detail["skills_missing"] == ["repair", "driving"]
    assert event.detail["skills_override_reason"] == "跟随电工师傅打下手"


def test_roster_page_override_and_refusal(client_as, cast, vol, activity_maker):
    v = vol("钱多多")
    shift = _needs(activity_maker().first_shift, "haircut")
    c = client_as("clerk_a")
    r = c.post(f"/vol/shifts/{shift.pk}/", {"action": "signup", "volunteer": v.pk})
    assert r.status_code == 400 and "理发" in r.content.decode()
    assert not Signup._base_manager.exists()
    assert "缺少所需技能时的安排原因" in c.get(f"/vol/shifts/{shift.pk}/").content.decode()
    r = c.post(
        f"/vol/shifts/{shift.pk}/",
        {"action": "signup", "volunteer": v.pk, "skills_override_reason": "帮忙维持秩序"},
    )
    assert r.status_code == 302 and Signup._base_manager.get().volunteer == v


def test_api_signup_refusal_and_clerk_override(client_as, cast, me, vol, activity_maker):
    shift = _needs(activity_maker(capacity=2).first_shift, "digital")
    villager, clerk = client_as("villager"), client_as("clerk_a")
    r = villager.post(f"{P}shifts/{shift.pk}/signups", {}, content_type="application/json")
    assert r.status_code == 400 and "智能手机教学" in str(r.json())
    v = vol("孙老师")
    r = clerk.post(f"{P}shifts/{shift.pk}/signups", {"volunteer_id": v.pk},
                   content_type="application/json")  # fmt: skip
    assert r.status_code == 400
    assert not Signup._base_manager.exists()
    r = clerk.post(f"{P}shifts/{shift.pk}/signups",
                   {"volunteer_id": v.pk, "skills_override_reason": "协助老师发放材料"},
                   content_type="application/json")  # fmt: skip
    assert r.status_code == 201
