"""How it will be checked, in a real browser: a villager on a 390 px phone signs up for a shift,
opens the check-in URL (the poster's QR code), signs in and, an hour later, signs out; the
organiser (clerk) confirms the hours on the desk, leader_a approves them, and the villager sees
the approved hours. Time control: the shift is created around now and moved back an hour
between sign-in and sign-out. No inline script (CSP), no outside request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.volunteering.models import HoursEntry, Shift, Signup, Volunteer
from cunshe.volunteering.services import activities as act_svc

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
PASSWORD = "browser-test-password-1"
VILLAGE_A = "220182102200"


@pytest.fixture
def scene(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    regions = build_tree()
    users = {}
    for name, role, display in (("vol_villager", Role.VILLAGER, "刘桂兰"),
                                ("vol_clerk", Role.VILLAGE_CLERK, "李明"),
                                ("vol_leader", Role.VILLAGE_LEADER, "王书记")):  # fmt: skip
        users[name] = User.objects.create_user(username=name, password=PASSWORD,
                                               display_name=display)  # fmt: skip
        RoleAssignment.objects.create(user=users[name], role=role, region=regions[VILLAGE_A])
    j = RoleAssignment.objects.get(user=users["vol_clerk"]).jurisdiction()
    volunteer = Volunteer._base_manager.create(
        region=regions[VILLAGE_A], number="JL0000001", name="刘桂兰",
        id_number="220182196806010023", account=users["vol_villager"], verified_at=timezone.now(),
    )  # fmt: skip
    clerk = users["vol_clerk"]
    project = act_svc.project_create(actor=clerk, jurisdiction=j, region=regions[VILLAGE_A],
                                     name="敬老助老", category="elderly",
                                     starts_on=timezone.localdate())  # fmt: skip
    activity = act_svc.activity_create(actor=clerk, jurisdiction=j, project=project,
                                       title="重阳节义务理发", place="村委会活动室")  # fmt: skip
    start = timezone.now() + timedelta(minutes=10)
    shift = act_svc.shift_create(actor=clerk, jurisdiction=j, activity=activity, starts_at=start,
                                 ends_at=start + timedelta(hours=2), capacity=5)  # fmt: skip
    act_svc.activity_publish(actor=clerk, jurisdiction=j, activity=activity)
    return {"shift": shift, "volunteer": volunteer}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"volunteering_activities_{name}.png"),
                    full_page=True)  # fmt: skip


def _login(browser, server, username, viewport):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, watch, page


def test_villager_signs_up_signs_in_and_out_and_gets_hours_approved(browser, server, scene):
    shift = scene["shift"]
    context, watch, page = _login(browser, server, "vol_villager", PHONE)
    page.goto(server + "/vol/me/activities/")
    assert "重阳节义务理发" in page.content()
    _shot(page, "1_phone_activities")
    page.click(f"[data-signup='{shift.pk}']")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/vol/me/shifts/")
    _shot(page, "2_phone_my_shifts")
    page.click("[data-checkin-link]")
    page.wait_for_load_state("networkidle")
    assert f"/vol/checkin/{shift.checkin_token}/" in page.url
    _shot(page, "3_phone_checkin")
    page.click("[data-checkin]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-checked-in]").count() == 1
    # An hour passes: the shift began 60 minutes ago; she signed in 70 minutes ago.
    now = timezone.now()
    Shift._base_manager.filter(pk=shift.pk).update(
        starts_at=now - timedelta(minutes=60), ends_at=now + timedelta(minutes=60)
    )
    Signup._base_manager.filter(shift=shift).update(
        starts_at=now - timedelta(minutes=60), ends_at=now + timedelta(minutes=60),
        checked_in_at=now - timedelta(minutes=70),
    )  # fmt: skip
    page.reload()
    page.click("[data-checkout]")
    page.wait_for_load_state("networkidle")
    assert "服务时长 60 分钟" in page.locator("[data-done]").inner_text()
    _shot(page, "4_phone_checked_out")

    desk, desk_watch, clerk = _login(browser, server, "vol_clerk", DESK)
    clerk.goto(server + f"/vol/shifts/{shift.pk}/")
    assert "刘桂兰" in clerk.content()
    _shot(clerk, "5_desk_roster")
    clerk.goto(server + "/vol/hours/?status=recorded")
    _shot(clerk, "6_desk_hours")
    clerk.click("[data-entry] a")
    clerk.wait_for_load_state("networkidle")
    clerk.click("[data-confirm]")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-status]").get_attribute("data-status") == "confirmed"
    desk.close()

    lead, lead_watch, leader = _login(browser, server, "vol_leader", DESK)
    leader.goto(server + "/vol/hours/?status=confirmed")
    leader.click("[data-bulk=approve]")
    leader.wait_for_load_state("networkidle")
    _shot(leader, "7_desk_approved")
    lead.close()

    assert HoursEntry._base_manager.get().status == "approved"
    assert Volunteer._base_manager.get().approved_minutes == 60
    page.goto(server + "/vol/me/shifts/")
    mine = page.locator("[data-my-hours] [data-entry]")
    assert mine.get_attribute("data-status") == "approved" and "60" in mine.inner_text()
    _shot(page, "8_phone_hours_approved")
    for w in (watch, desk_watch, lead_watch):
        assert w.foreign() == []
        others = [m for m in w.csp_violations() if "Applying inline style" not in m]
        assert others == [], others
    context.close()
