"""Sign-up, withdrawal and QR/clerk sign-in/out: the happy path and every refusal, each of which
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import HoursEntry, Match, Need, Signup, Volunteer
from cunshe.volunteering.services import activities as act_svc
from cunshe.volunteering.services import shifts as svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import move_shift, reload


def _state():  # type: ignore[no-untyped-def]
    return (
        list(Signup._base_manager.values_list("pk", "status", "checked_in_at", "checked_out_at")),
        list(Volunteer._base_manager.values_list("pk", "shifts_signed", "shifts_attended")),
        HoursEntry._base_manager.count(),
    )


def refused(fn, match, **kw):  # type: ignore[no-untyped-def]
    before = _state()
    with pytest.raises((ValidationError, PermissionDenied)) as info:
        fn(**kw)
    assert match in " ".join(getattr(info.value, "messages", [str(info.value)]))
    assert _state() == before
    return info


def test_villager_signs_up_and_withdraws_with_counts_in_step(cast, jurisdictions, me,
                                                             activity_maker):  # fmt: skip
    shift = activity_maker().first_shift
    j = jurisdictions["villager"]
    signup = svc.signup_create(actor=cast.villager, jurisdiction=j, shift=shift)
    assert (signup.volunteer, signup.starts_at, signup.ends_at) == (me, shift.starts_at,
                                                                    shift.ends_at)  # fmt: skip
    assert reload(me).shifts_signed == 1
    assert AuditEvent.objects.filter(action="volunteering.signup.created").count() == 1
    svc.signup_withdraw(actor=cast.villager, jurisdiction=j, signup=signup)
    assert reload(signup).status == Signup.Status.WITHDRAWN and reload(me).shifts_signed == 0
    # Withdrawn: may sign up again.
    svc.signup_create(actor=cast.villager, jurisdiction=j, shift=shift)
    assert reload(me).shifts_signed == 1


def test_clerk_signs_up_a_volunteer(cast, jurisdictions, vol, activity_maker):
    v = vol("李大娘")
    shift = activity_maker().first_shift
    s = svc.signup_create(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], shift=shift,
                          volunteer=v)  # fmt: skip
    assert s.volunteer == v
    event = AuditEvent.objects.get(action="volunteering.signup.created")
    assert event.detail["by"] == "clerk"


def test_full_shift_is_refused(cast, jurisdictions, vol, me, activity_maker):
    shift = activity_maker(capacity=1).first_shift
    svc.signup_create(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], shift=shift,
                      volunteer=vol())  # fmt: skip
    refused(svc.signup_create, "已满", actor=cast.villager, jurisdiction=jurisdictions["villager"],
            shift=shift)  # fmt: skip


def test_overlapping_shift_is_refused_naming_the_other(cast, jurisdictions, me, activity_maker):
    a = activity_maker(title="上午理发").first_shift
    b = activity_maker(title="打扫卫生", starts_in=timedelta(days=1, hours=1)).first_shift
    j = jurisdictions["villager"]
    svc.signup_create(actor=cast.villager, jurisdiction=j, shift=a)
    info = refused(svc.signup_create, "时间冲突", actor=cast.villager, jurisdiction=j, shift=b)
    text = " ".join(info.value.messages)
    assert "上午理发" in text and timezone.localtime(a.starts_at).strftime("%H:%M") in text


def test_held_match_blocks_an_overlapping_shift(cast, jurisdictions, me, activity_maker):
    shift = activity_maker().first_shift
    need = Need._base_manager.create(
        region=cast.village_a, title="陪老人看病", category="elderly", starts_at=shift.starts_at,
        ends_at=shift.ends_at, source="clerk", posted_by=cast.clerk_a,
    )  # fmt: skip
    Match._base_manager.create(region=cast.village_a, need=need, volunteer=me, score=1,
                               starts_at=need.starts_at, ends_at=need.ends_at,
                               status=Match.Status.ACCEPTED)  # fmt: skip
    refused(svc.signup_create, "陪老人看病", actor=cast.villager,
            jurisdiction=jurisdictions["villager"], shift=shift)  # fmt: skip


def test_unverified_inactive_started_cancelled_draft_and_duplicate_are_refused(
    cast, jurisdictions, vol, activity_maker
):
    j = jurisdictions["clerk_a"]
    shift = activity_maker().first_shift
    refused(svc.signup_create, "尚未核验", actor=cast.clerk_a, jurisdiction=j, shift=shift,
            volunteer=vol(verified_at=None))  # fmt: skip
    refused(svc.signup_create, "不在册", actor=cast.clerk_a, jurisdiction=j, shift=shift,
            volunteer=vol(status=Volunteer.Status.SUSPENDED))  # fmt: skip
    v = vol()
    svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift, volunteer=v)
    refused(svc.signup_create, "已经报名", actor=cast.clerk_a, jurisdiction=j, shift=shift,
            volunteer=v)  # fmt: skip
    draft = activity_maker(publish=False, starts_in=timedelta(days=3)).first_shift
    refused(svc.signup_create, "不在报名中", actor=cast.clerk_a, jurisdiction=j, shift=draft,
            volunteer=vol())  # fmt: skip
    started = move_shift(activity_maker(starts_in=timedelta(days=5)).first_shift,
                         -timedelta(minutes=5))  # fmt: skip
    refused(svc.signup_create, "已经开始", actor=cast.clerk_a, jurisdiction=j, shift=started,
            volunteer=vol())  # fmt: skip
    other = activity_maker(starts_in=timedelta(days=7)).first_shift
    act_svc.shift_cancel(actor=cast.clerk_a, jurisdiction=j, shift=other)
    refused(svc.signup_create, "已取消", actor=cast.clerk_a, jurisdiction=j, shift=reload(other),
            volunteer=vol())  # fmt: skip


def test_villager_without_volunteer_record_and_outsider_are_refused(cast, jurisdictions, vol,
                                                                   activity_maker):  # fmt: skip
    shift = activity_maker().first_shift
    refused(svc.signup_create, "还没有登记", actor=cast.villager,
            jurisdiction=jurisdictions["villager"], shift=shift)  # fmt: skip
    refused(svc.signup_create, "管辖范围", actor=cast.outsider,
            jurisdiction=jurisdictions["outsider"], shift=shift, volunteer=vol())  # fmt: skip
    # A villager cannot sign someone else up.
    with pytest.raises(PermissionDenied):
        svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"],
                          shift=shift, volunteer=vol())  # fmt: skip


def test_withdraw_after_start_is_refused(cast, jurisdictions, me, activity_maker):
    shift = activity_maker().first_shift
    j = jurisdictions["villager"]
    signup = svc.signup_create(actor=cast.villager, jurisdiction=j, shift=shift)
    move_shift(shift, -timedelta(minutes=1))
    refused(svc.signup_withdraw, "已经开始", actor=cast.villager, jurisdiction=j,
            signup=reload(signup))  # fmt: skip


def test_qr_check_in_window_and_check_out_writes_hours(cast, jurisdictions, me, activity_maker):
    shift = activity_maker().first_shift
    j = jurisdictions["villager"]
    svc.signup_create(actor=cast.villager, jurisdiction=j, shift=shift)
    move_shift(shift, timedelta(minutes=45))
    refused(svc.signup_check_in, "还没到签到时间", actor=cast.villager, jurisdiction=j,
            shift=reload(shift))  # fmt: skip
    move_shift(shift, timedelta(minutes=20))  # within the 30 minutes before the start
    s = svc.signup_check_in(actor=cast.villager, jurisdiction=j, shift=reload(shift))
    assert s.checkin_method == "qr" and s.checked_in_at
    refused(svc.signup_check_in, "已于", actor=cast.villager, jurisdiction=j, shift=reload(shift))
    # The clock runs: the shift began 100 minutes ago, signed in 120 minutes ago.
    Signup._base_manager.filter(pk=s.pk).update(
        checked_in_at=timezone.now() - timedelta(minutes=120)
    )
    move_shift(shift, -timedelta(minutes=100), hours=2)
    s = svc.signup_check_out(actor=cast.villager, jurisdiction=j, shift=reload(shift))
    assert s.status == Signup.Status.ATTENDED
    entry = HoursEntry._base_manager.get(signup=s)
    # Counted from the shift's start (not the early sign-in): 100 min, rounded down to 15 → 90.
    assert (entry.raw_minutes, entry.minutes, entry.status) == (100, 90, "recorded")
    assert reload(me).shifts_attended == 1
    refused(svc.signup_check_out, "已经签退", actor=cast.villager, jurisdiction=j,
            shift=reload(shift))  # fmt: skip


def test_check_in_refusals_not_signed_up_and_after_end(cast, jurisdictions, me, vol,
                                                       activity_maker):  # fmt: skip
    shift = activity_maker().first_shift
    j = jurisdictions["villager"]
    move_shift(shift, -timedelta(minutes=10))
    refused(svc.signup_check_in, "没有报名", actor=cast.villager, jurisdiction=j,
            shift=reload(shift))  # fmt: skip
    refused(svc.signup_check_out, "没有报名", actor=cast.villager, jurisdiction=j,
            shift=reload(shift))  # fmt: skip
    other = activity_maker(starts_in=timedelta(days=2)).first_shift
    svc.signup_create(actor=cast.villager, jurisdiction=j, shift=other)
    move_shift(other, -timedelta(hours=3), hours=2)
    refused(svc.signup_check_in, "已经结束", actor=cast.villager, jurisdiction=j,
            shift=reload(other))  # fmt: skip
    refused(svc.signup_check_out, "还没有签到", actor=cast.villager, jurisdiction=j,
            shift=reload(other))  # fmt: skip


def test_clerk_signs_in_and_out_on_the_roster_with_times(cast, jurisdictions, vol,
                                                         activity_maker):  # fmt: skip
    j = jurisdictions["clerk_a"]
    shift = activity_maker().first_shift
    signup = svc.signup_create(actor=cast.clerk_a, jurisdiction=j, shift=shift, volunteer=vol())
    shift = move_shift(shift, -timedelta(hours=3), hours=2)
    start = shift.starts_at
    svc.signup_check_in(actor=cast.clerk_a, jurisdiction=j, signup=reload(signup),
                        at=start + timedelta(minutes=7))  # fmt: skip
    refused(svc.signup_check_out, "早于签到", actor=cast.clerk_a, jurisdiction=j,
            signup=reload(signup), at=start)  # fmt: skip
    s = svc.signup_check_out(actor=cast.clerk_a, jurisdiction=j, signup=reload(signup),
                             at=start + timedelta(minutes=97))  # fmt: skip
    assert (s.checkin_method, s.checkout_method) == ("clerk", "clerk")
    assert HoursEntry._base_manager.get(signup=s).minutes == 90
    # The villager (no manage) cannot sign anyone in on the roster.
    with pytest.raises(PermissionDenied):
        svc.signup_check_in(actor=cast.villager, jurisdiction=jurisdictions["villager"],
                            signup=reload(signup))  # fmt: skip


def test_qr_check_out_after_overtime_is_refused(cast, jurisdictions, me, activity_maker):
    shift = activity_maker().first_shift
    j = jurisdictions["villager"]
    signup = svc.signup_create(actor=cast.villager, jurisdiction=j, shift=shift)
    move_shift(shift, -timedelta(minutes=10))
    svc.signup_check_in(actor=cast.villager, jurisdiction=j, shift=reload(shift))
    move_shift(shift, -timedelta(hours=4), hours=2)
    Signup._base_manager.filter(pk=signup.pk).update(
        checked_in_at=timezone.now() - timedelta(hours=4)
    )
    refused(svc.signup_check_out, "联系组织者", actor=cast.villager, jurisdiction=j,
            shift=reload(shift))  # fmt: skip
