"""Notifications: volunteers of a cancelled shift or activity are told; the household whose
declaration is credited (by the crediting job, batched) or rejected is told — in the
recipient's language, in-app to accounts and by text to the register's phone otherwise."""

from __future__ import annotations

from django.utils import translation

from cunshe.accounts.models import User
from cunshe.core.models import Notification
from cunshe.residents.models import Person
from cunshe.volunteering.services import activities as act_svc
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import notices
from cunshe.volunteering.services import shifts as svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.points_fixtures import j, later


def _inbox(user):  # type: ignore[no-untyped-def]
    return list(
        Notification.objects.filter(recipient=user, channel="in_app").values_list(
            "subject", "body", "link"
        )
    )


def test_cancelled_activity_tells_its_volunteers(cast, jurisdictions, me, vol, activity_maker):
    activity = activity_maker(title="重阳节理发")
    shift = activity.first_shift
    svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"], shift=shift)
    phone_only = vol("电话志愿者", phone="13900001111")
    nobody = vol("无联系方式")
    for v in (phone_only, nobody):
        svc.signup_create(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], shift=shift,
                          volunteer=v)  # fmt: skip
    act_svc.activity_cancel(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"],
                            activity=activity, reason="天气原因")  # fmt: skip
    [(subject, body, link)] = _inbox(cast.villager)
    assert subject == "志愿服务班次已取消"
    assert "重阳节理发" in body and "天气原因" in body and link == "/vol/me/shifts/"
    sms = Notification.objects.filter(recipient=None, channel="sms")
    assert sms.count() == 1 and sms.get().phone == "13900001111"
    # Someone never signed up is not told; the one without account or phone cannot be.
    assert Notification.objects.filter(recipient=cast.clerk_a).count() == 0


def test_cancelled_shift_tells_its_volunteers(cast, jurisdictions, me, activity_maker):
    shift = activity_maker(title="清雪保畅通").first_shift
    svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"], shift=shift)
    act_svc.shift_cancel(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], shift=shift)
    [(_subject, body, _link)] = _inbox(cast.villager)
    assert "清雪保畅通" in body and "原因" not in body


def test_no_sign_ups_no_messages(cast, jurisdictions, activity_maker):
    activity = activity_maker()
    act_svc.activity_cancel(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"],
                            activity=activity, reason="场地冲突")  # fmt: skip
    assert Notification.objects.count() == 0


def test_messages_are_rendered_in_the_recipients_language(cast, jurisdictions, me,
                                                          activity_maker, monkeypatch):  # fmt: skip
    User.objects.filter(pk=cast.villager.pk).update(language="en")
    seen = []
    real = translation.override

    def spy(language, *a, **kw):  # type: ignore[no-untyped-def]
        seen.append(language)
        return real(language, *a, **kw)

    monkeypatch.setattr(notices.translation, "override", spy)
    shift = activity_maker().first_shift
    svc.signup_create(actor=cast.villager, jurisdiction=jurisdictions["villager"], shift=shift)
    act_svc.shift_cancel(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], shift=shift)
    assert seen == ["en"]


def test_rejected_declaration_tells_the_household(cast, villager_person, declare):
    row = declare(hh=0)
    dsvc.declaration_reject(actor=cast.leader_a, jurisdiction=j(cast.leader_a),
                            declaration=row, reason="证明材料不足")  # fmt: skip
    [(subject, body, link)] = _inbox(cast.villager)
    assert subject == "积分申报未通过" and "证明材料不足" in body
    assert link == "/vol/me/points/"


def test_household_without_accounts_is_told_by_text_to_the_head(cast, points, declare):
    row = declare(hh=2)
    head = Person._base_manager.get(pk=points.hamlet.heads[2].pk)
    head.phone = "13800002222"
    head.save()
    assert head.household_id == row.household_id
    assert not Person._base_manager.filter(household_id=row.household_id, account__isnull=False)
    dsvc.declaration_reject(actor=cast.leader_a, jurisdiction=j(cast.leader_a),
                            declaration=row, reason="重复申报")  # fmt: skip
    sms = Notification.objects.get(channel="sms", recipient=None)
    assert sms.phone == head.phone and "重复申报" in sms.body


def test_crediting_job_tells_each_household_in_a_batch(cast, points, villager_person, posted):
    a = posted(hh=0)
    b = posted(hh=0, quantity=1)
    c = posted(hh=3)
    head = Person._base_manager.get(pk=points.hamlet.heads[3].pk)
    head.phone = "13800003333"
    head.save()
    assert dsvc.credit_due(today=later(a)) == 3
    inbox = _inbox(cast.villager)
    assert [s for s, _b, _l in inbox] == ["积分已入账", "积分已入账"]
    assert any(str(b.points) in body for _s, body, _l in inbox)
    # Household 3 has no account: its head gets a text (when the register has a phone).
    assert Notification.objects.get(channel="sms", recipient=None).phone == "13800003333"
    assert c.household_id != a.household_id
    # Credited again: nothing new.
    before = Notification.objects.count()
    assert dsvc.credit_due(today=later(a)) == 0
    assert Notification.objects.count() == before
