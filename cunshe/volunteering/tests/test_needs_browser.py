"""How it will be checked, in a real browser: a clerk turns an elderly person's care need into
a volunteer need (desktop), asks for proposals, reads their explanations and confirms one; the
volunteer accepts on a 390 px phone; the care need page shows the need matched. No inline
script (CSP), no outside request. Screenshots var/screenshots/needs_*.png."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.care.models import CareNeed, CareProfile
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.residents import idcard
from cunshe.residents import services as register
from cunshe.volunteering.models import HamletLocation, Match, Need, Volunteer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
PASSWORD = "browser-test-password-1"
VILLAGE_A = "220182102200"


@pytest.fixture
def people(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    regions = build_tree()
    clerk = User.objects.create_user(username="clerk_need", password=PASSWORD, display_name="李明")
    j = RoleAssignment.objects.create(
        user=clerk, role=Role.VILLAGE_CLERK, region=regions[VILLAGE_A]
    ).jurisdiction()
    helper = User.objects.create_user(username="vol_wang", password=PASSWORD, display_name="王桂兰")
    RoleAssignment.objects.create(user=helper, role=Role.VILLAGER, region=regions[VILLAGE_A])
    hh = register.household_create(
        actor=clerk, jurisdiction=j, region=regions[VILLAGE_A], number="N-001"
    )
    elder = register.person_register(
        actor=clerk,
        jurisdiction=j,
        household=hh,
        relationship="02",
        name="孙长顺",
        id_number=idcard.make("220182", date(1944, 2, 3), 1, "M"),
        since=date(2020, 1, 1),
    )
    with system_scope("browser test set-up"):
        HamletLocation.objects.create(
            region=regions[VILLAGE_A], lat_micro=44_860_000, lon_micro=126_530_000
        )
        # Registering a lone 82-year-old may already have identified him (a candidate).
        profile, _ = CareProfile.objects.get_or_create(
            person=elder,
            kind="elderly",
            defaults={
                "region_id": elder.region_id,
                "status": "active",
                "risk_level": "general",
                "identified_on": date(2026, 1, 5),
                "reason": [],
            },
        )
        CareProfile.objects.filter(pk=profile.pk).update(status="active")
        care = CareNeed.objects.create(
            profile=profile,
            region_id=elder.region_id,
            category="daily_care",
            description="独居，需要有人帮忙打扫和陪伴",
            created_by=clerk,
        )
        for i, (name, skills, account, att, sig) in enumerate(
            (
                ("王桂兰", ["care", "company"], helper, 8, 9),
                ("赵德福", ["repair"], None, 1, 4),
            )
        ):
            Volunteer.objects.create(
                number=f"VB{i}",
                name=name,
                id_number=f"2201821980010100{i}X"[:18],
                region=regions[VILLAGE_A],
                skills=skills,
                account=account,
                verified_at=timezone.now(),
                shifts_attended=att,
                shifts_signed=sig,
                registered_by=clerk,
            )
    return {"care": care}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"needs_{name}.png"), full_page=True)


def _login(context, server, username):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_clerk_converts_care_need_confirms_and_volunteer_accepts(browser, server, people):
    care = people["care"]
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    watch = Watch(desk, server)
    page = _login(desk, server, "clerk_need")
    page.goto(f"{server}/care/needs/{care.pk}/")
    page.click("form[data-volunteer] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "open"
    page.click("[data-propose]")
    page.wait_for_load_state("networkidle")
    first = page.locator("[data-proposal]").first
    text = first.inner_text()
    assert "技能 1/1：生活照料" in text and "出勤 8/9" in text, text
    _shot(page, "1_proposals_desktop")
    first.locator("[data-confirm]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-match-status=confirmed]").count() == 1

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch_phone = Watch(phone, server)
    vp = _login(phone, server, "vol_wang")
    vp.goto(server + "/vol/me/matches/")
    assert vp.locator("[data-invitation]").count() == 1
    _shot(vp, "2_invitation_phone")
    vp.click("[data-accept]")
    vp.wait_for_load_state("networkidle")
    assert vp.locator("[data-answered][data-status=accepted]").count() == 1
    _shot(vp, "3_accepted_phone")

    page.goto(f"{server}/care/needs/{care.pk}/")
    assert (
        page.locator("[data-volunteer-status]").get_attribute("data-volunteer-status") == "matched"
    )
    _shot(page, "4_care_need_desktop")
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/vol/needs/")
    _shot(page, "5_needs_list_phone")
    with system_scope("browser test"):
        assert Need.objects.get().status == "matched"
        assert Match.objects.get(status="accepted").volunteer.name == "王桂兰"
    assert watch.foreign() == [] and watch_phone.foreign() == []
    others = [
        m
        for m in watch.csp_violations() + watch_phone.csp_violations()
        if "Applying inline style" not in m
    ]
    assert others == [], others
    desk.close()
    phone.close()
