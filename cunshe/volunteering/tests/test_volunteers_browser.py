"""How it will be checked, in a real browser: a villager registers as a volunteer on a 390 px
phone, hours are approved (inserted here as the activities part would), the clerk issues a
certificate on the desk, and the public page opened from the QR URL in the PDF says valid.
Screenshots in var/screenshots/volunteers_*.png. No inline script (CSP), no outside request."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.residents import idcard
from cunshe.residents import services as register
from cunshe.volunteering.models import Certificate, HoursEntry, Volunteer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
PASSWORD = "browser-test-password-1"
VILLAGE_A = "220182102200"


@pytest.fixture
def people(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    regions = build_tree()
    clerk = User.objects.create_user(username="clerk_vol", password=PASSWORD, display_name="李明")
    leader = User.objects.create_user(username="leader_vol", password=PASSWORD, display_name="王")
    villager = User.objects.create_user(username="zhang_vol", password=PASSWORD, display_name="张")
    j = RoleAssignment.objects.create(
        user=clerk, role=Role.VILLAGE_CLERK, region=regions[VILLAGE_A]
    ).jurisdiction()
    RoleAssignment.objects.create(user=villager, role=Role.VILLAGER, region=regions[VILLAGE_A])
    hh = register.household_create(
        actor=clerk, jurisdiction=j, region=regions[VILLAGE_A], number="V-1"
    )
    person = register.person_register(
        actor=clerk, jurisdiction=j, household=hh, relationship="02", name="张三丰",
        id_number=idcard.make("220182", date(1968, 5, 1), 1, "M"), since=date(2020, 1, 1),
    )  # fmt: skip
    person.account = villager
    person.save(update_fields=["account"])
    return {"clerk": clerk, "leader": leader, "region": regions[VILLAGE_A]}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"volunteers_{name}.png"), full_page=True)


def _login(context, server: str, username: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_villager_registers_clerk_issues_certificate_public_page_says_valid(
    browser, server, people
):
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(phone, server)
    page = _login(phone, server, "zhang_vol")
    page.goto(server + "/vol/me/record/")
    page.check("input[name=skills][value=haircut]")
    page.click("[data-slots=none]")
    page.check("input[name=availability][value='5-0']")
    page.check("input[name=availability][value='6-0']")
    page.check("input[name=public_consent]")
    _shot(page, "1_villager_register_phone")
    page.click("form[data-self-register] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "JLV-220182102200-00001" in page.content()
    with system_scope("browser test"):
        v = Volunteer.objects.get()
        assert v.availability == (1 << 15) | (1 << 18) and v.skills == ["haircut"]
        # Approved hours, as the activities part records them (organiser + another approver).
        HoursEntry.objects.create(
            region=people["region"], volunteer=v, kind="manual", minutes=150,
            service_date=timezone.localdate() - timedelta(days=3), status="approved",
            recorded_by=people["clerk"], confirmed_by=people["clerk"],
            decided_by=people["leader"], decided_at=timezone.now(),
        )  # fmt: skip
        Volunteer.objects.filter(pk=v.pk).update(approved_minutes=F("approved_minutes") + 150)
    page.reload()
    _shot(page, "2_villager_record_phone")

    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    watch_desk = Watch(desk, server)
    clerk = _login(desk, server, "clerk_vol")
    clerk.goto(server + "/vol/volunteers/")
    _shot(clerk, "3_desk_list")
    clerk.click(f"[data-volunteer='{v.pk}'] a")
    clerk.wait_for_load_state("networkidle")
    clerk.click("[data-action=certificate] summary")
    clerk.fill("[data-form=certificate] input[name=issuer_name]", "闵家村志愿服务站")
    clerk.click("[data-form=certificate] button[type=submit]")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-certificate]").count() == 1
    _shot(clerk, "4_desk_detail_certificate")

    with system_scope("browser test"):
        cert = Certificate.objects.get()
    from cunshe.volunteering.services.certificates import build_pdf

    qr = next(b for b in build_pdf(cert, base_url=server + "/").blocks if hasattr(b, "data"))
    public = browser.new_context(viewport=PHONE, locale="zh-CN")
    check = public.new_page()
    check.goto(qr.data)
    assert check.locator("[data-verdict]").get_attribute("data-verdict") == "valid"
    assert check.locator("[data-name]").inner_text() == "张*丰"
    _shot(check, "5_public_verify_phone")
    for ctx, w in ((phone, watch), (desk, watch_desk)):
        assert w.foreign() == []
        others = [m for m in w.csp_violations() if "Applying inline style" not in m]
        assert others == [], others
        ctx.close()
    public.close()
