"""How it will be checked (1), as a new user would, in a real browser: a villager with a
register entry and an account registers as a volunteer on a 390 px phone, signs up for an open
shift, opens the check-in URL that the clerk's QR poster encodes, signs in and (an activity's
two hours later) out; the organiser (clerk_a) confirms the hours, leader_a approves them; the
clerk issues a certificate; its QR URL opened without signing in says 有效 with the hours.
Screenshots: var/screenshots/e2e_volunteer_*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.core.testing.browser import Watch
from cunshe.volunteering.models import Certificate, HoursEntry, Shift, Signup, Volunteer
from cunshe.volunteering.tests.e2e_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.e2e_fixtures import DESK, PHONE, Shots, login

pytestmark = pytest.mark.browser


def _move_time(shift: Shift, signup_pk: int) -> None:
    """Two hours pass: the shift started two hours ago and the volunteer signed in then."""
    start = timezone.now() - timedelta(hours=2)
    end = start + timedelta(hours=2, minutes=10)
    Shift._base_manager.filter(pk=shift.pk).update(starts_at=start, ends_at=end)
    Signup._base_manager.filter(pk=signup_pk).update(
        starts_at=start, ends_at=end, checked_in_at=start
    )


def test_volunteer_signs_up_signs_in_by_qr_hours_approved_certificate_verifies(
    browser, server, world
):
    shot = Shots("volunteer")
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    pwatch = Watch(phone, server)
    me = login(phone, server, "villager")

    # The villager's hub, then registering as a volunteer.
    me.goto(server + "/vol/me/")
    shot(me, "hub")
    me.goto(server + "/vol/me/record/")
    shot(me, "register_form")
    me.check("input[name=skills][value=haircut]")
    me.check("input[name=public_consent]")
    me.click("form[data-self-register] button[type=submit]")
    me.wait_for_load_state("networkidle")
    v = Volunteer._base_manager.get(person=world.head)
    assert v.number in me.content()
    shot(me, "registered_record")

    # Signing up for the open shift.
    me.goto(server + "/vol/me/activities/")
    shot(me, "activities")
    me.click(f"[data-signup='{world.shift.pk}']")
    me.wait_for_load_state("networkidle")
    assert me.url.endswith("/vol/me/shifts/"), me.url
    assert "重阳节义务理发" in me.locator("body").inner_text()
    shot(me, "my_shifts_signed_up")

    # The clerk opens the shift's poster and reads the check-in URL the QR code encodes.
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    dwatch = Watch(desk, server)
    clerk = login(desk, server, "clerk_a")
    clerk.goto(server + "/vol/activities/")
    shot(clerk, "desk_activities")
    clerk.click("text=重阳节义务理发")
    clerk.wait_for_load_state("networkidle")
    shot(clerk, "desk_activity")
    clerk.goto(server + f"/vol/shifts/{world.shift.pk}/")
    assert clerk.locator("[data-signup]").count() == 1
    shot(clerk, "desk_shift_roster")
    clerk.click("text=打印签到二维码")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-qr]").count() == 1
    checkin_url = clerk.locator("[data-poster] .cs-code").inner_text().strip()
    assert f"/vol/checkin/{world.shift.checkin_token}/" in checkin_url
    shot(clerk, "desk_shift_poster")

    # On the phone: the QR code's URL → 签到.
    me.goto(checkin_url)
    shot(me, "checkin_page")
    me.click("[data-checkin]")
    me.wait_for_load_state("networkidle")
    assert me.locator("[data-checked-in]").count() == 1, me.locator("body").inner_text()
    shot(me, "checked_in")
    signup = Signup._base_manager.get(shift=world.shift, volunteer=v)
    assert signup.checkin_method == "qr"

    _move_time(world.shift, signup.pk)
    me.reload()
    me.click("[data-checkout]")
    me.wait_for_load_state("networkidle")
    done = me.locator("[data-done]").inner_text()
    assert "120 分钟" in done, done
    shot(me, "checked_out")
    entry = HoursEntry._base_manager.get(signup=signup)
    assert (entry.minutes, entry.status) == (120, "recorded")

    # The organiser confirms the hours.
    clerk.goto(server + "/vol/hours/")
    shot(clerk, "desk_hours_recorded")
    clerk.click(f"[data-entry='{entry.pk}'] a")
    clerk.wait_for_load_state("networkidle")
    shot(clerk, "desk_hours_entry")
    clerk.click("[data-confirm]")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-status]").first.get_attribute("data-status") == "confirmed"

    # leader_a (村两委) approves them.
    lead_ctx = browser.new_context(viewport=DESK, locale="zh-CN")
    lwatch = Watch(lead_ctx, server)
    leader = login(lead_ctx, server, "leader_a")
    leader.goto(server + "/vol/hours/?status=confirmed")
    shot(leader, "leader_hours_confirmed")
    leader.click(f"[data-entry='{entry.pk}'] a")
    leader.wait_for_load_state("networkidle")
    leader.click("[data-approve]")
    leader.wait_for_load_state("networkidle")
    assert leader.locator("[data-status]").first.get_attribute("data-status") == "approved"
    shot(leader, "leader_hours_approved")
    v.refresh_from_db()
    assert v.approved_minutes == 120

    # The clerk issues a certificate on the volunteer's page.
    clerk.goto(server + "/vol/volunteers/")
    shot(clerk, "desk_volunteers")
    clerk.click(f"[data-volunteer='{v.pk}'] a")
    clerk.wait_for_load_state("networkidle")
    clerk.click("[data-action=certificate] summary")
    clerk.fill("[data-form=certificate] input[name=issuer_name]", "闵家村志愿服务站")
    clerk.click("[data-form=certificate] button[type=submit]")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-certificate]").count() == 1
    shot(clerk, "desk_volunteer_certificate")
    cert = Certificate._base_manager.get(volunteer=v)
    assert cert.minutes == 120
    pdf = desk.request.get(server + f"/vol/certificates/{cert.pk}/pdf/")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    verify_href = clerk.locator(f"[data-certificate='{cert.pk}'] a:has-text('核验页')")
    verify_url = server + verify_href.get_attribute("href")

    # Anyone, not signed in, opens the certificate's QR URL.
    public = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    check = public.new_page()
    check.goto(verify_url)
    assert check.locator("[data-verdict]").get_attribute("data-verdict") == "valid"
    body = check.locator("body").inner_text()
    assert "有效" in body and "2 小时" in check.locator("[data-hours]").inner_text()
    assert "张三丰" not in body  # masked
    shot(check, "public_certificate_valid")

    # The villager sees the hours and the certificate on the phone.
    me.goto(server + "/vol/me/record/")
    assert me.locator("[data-my-hours]").inner_text().startswith("2")
    assert me.locator(f"[data-certificate='{cert.pk}']").count() == 1
    shot(me, "record_with_certificate")
    me.goto(server + "/vol/me/shifts/")
    shot(me, "my_shifts_after")

    for w in (pwatch, dwatch, lwatch):
        assert w.foreign() == []
        assert [m for m in w.csp_violations() if "inline style" not in m] == []
    print("desk pages too wide at 390 px:", shot.notes)
    assert shot.problems == [], shot.problems
    for ctx in (phone, desk, lead_ctx, public):
        ctx.close()
