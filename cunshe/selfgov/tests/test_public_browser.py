"""四议两公开 to the public page in a real browser: the clerk publishes a decided matter's decision
and its result from the matter's page (desk, 1280 px); anyone opens the village's public page on
a 390 px phone, without signing in, and sees the matter's six steps done and the items; the page
in age-friendly mode; a villager asks a question on an item. No inline script (CSP), no outside
request. Screenshots: var/screenshots/selfgov_disclosure_*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.selfgov.models import AgendaItem, Decision, DisclosureQuestion, Meeting, MeetingKind
from cunshe.selfgov.services import matters as matter_services

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "browser-test-password-1"
A = "220182102200"
TITLE = "村道硬化工程筹资筹劳方案"


@pytest.fixture
def village(transactional_db, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    regions = build_tree()
    place = regions[A]
    clerk = User.objects.create_user(username="clerk_sg", password=PASSWORD, display_name="李明")
    assignment = RoleAssignment.objects.create(user=clerk, role=Role.VILLAGE_CLERK, region=place)
    villager = User.objects.create_user(
        username="13904310001", password=PASSWORD, display_name="王秀兰", phone="13904310001"
    )
    RoleAssignment.objects.create(user=villager, role=Role.VILLAGER, region=place)
    j = assignment.jurisdiction()
    matter = matter_services.matter_create(
        actor=clerk, jurisdiction=j, village=place, title=TITLE, category="public_welfare",
        description="硬化二组至三组村道1.2公里，每户筹资200元。",
    )  # fmt: skip
    start = timezone.now() - timedelta(days=40)
    kinds = [MeetingKind.BRANCH, MeetingKind.JOINT, MeetingKind.PARTY_MEMBERS]
    for step, kind in enumerate(kinds, start=1):
        with system_scope("browser test set-up"):
            meeting = Meeting.objects.create(
                region=place, kind=kind, title=f"{MeetingKind(kind).label}（{TITLE}）",
                notice_on=timezone.localdate(start), scheduled_at=start + timedelta(days=step * 5),
                place="村部", status=Meeting.Status.CLOSED, convened_by=clerk,
            )  # fmt: skip
        matter_services.matter_advance(
            actor=clerk, jurisdiction=j, matter=matter, step=step, meeting=meeting
        )
    with system_scope("browser test set-up"):
        deciding = Meeting.objects.create(
            region=place, kind=MeetingKind.REPRESENTATIVES, title="第三次村民代表会议",
            notice_on=timezone.localdate(start), scheduled_at=start + timedelta(days=20),
            place="村部", status=Meeting.Status.CLOSED, convened_by=clerk,
        )  # fmt: skip
        item = AgendaItem.objects.create(meeting=deciding, title=TITLE, matter=matter)
        decision = Decision.objects.create(
            agenda_item=item, text="同意", present=25, votes_for=21, votes_against=2,
            abstentions=2, passed=True, recorded_by=clerk,
        )  # fmt: skip
    matter_services.matter_advance(
        actor=clerk, jurisdiction=j, matter=matter, step=4, decision=decision
    )
    return {"matter": matter, "clerk": clerk, "villager": villager}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"selfgov_disclosure_{name}.png"), full_page=True)


def _publish_from_matter(page, origin, matter, body: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + f"/gov/matters/{matter.pk}/")
    page.click("text=发布公开")
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=body]", body)
    page.click("form button[type=submit]:has-text('公开')")
    page.wait_for_load_state("networkidle")


def test_a_matter_reaches_the_public_page_on_a_phone(browser, server, village):
    matter = village["matter"]
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    dwatch = Watch(desk, server)
    page = desk.new_page()
    _login(page, server, "clerk_sg")
    page.goto(server + f"/gov/matters/{matter.pk}/")
    assert page.locator("[data-step-state=done]").count() == 4
    _shot(page, "1_matter_decided")
    _publish_from_matter(page, server, matter, "经第三次村民代表会议表决通过：每户筹资200元。")
    assert "已公开" in page.content()
    assert page.locator("[data-step-state=done]").count() == 5
    _publish_from_matter(page, server, matter, "村道已于本月完工，共支出24万元，明细见附表。")
    assert page.locator("[data-step-state=done]").count() == 6
    _shot(page, "2_matter_all_six")
    assert dwatch.csp_violations() == [] and dwatch.foreign() == []
    desk.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    watch = Watch(phone, server)
    page = phone.new_page()
    page.goto(server + f"/gov/villages/{A}/disclosures/")
    html = page.content()
    assert TITLE in html and "实施结果公开" in html
    matter_box = page.locator(f"[data-public-matters] [data-matter='{matter.pk}']")
    assert matter_box.locator("[data-step-state=done]").count() == 6
    assert "李明" not in html and "clerk_sg" not in html
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "3_public_phone")
    page.click(f"[data-public-matters] a:has-text('{TITLE}')")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-step-state=done]").count() == 6
    _shot(page, "4_public_matter_phone")
    page.go_back()
    page.click("[data-public-disclosures] a >> nth=0")
    page.wait_for_load_state("networkidle")
    assert "村道已于本月完工" in page.content()
    _shot(page, "5_public_item_phone")
    assert watch.csp_violations() == [] and watch.foreign() == []
    phone.close()

    large = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    large.add_cookies([{"name": "cunshe_age_friendly", "value": "1", "url": server}])
    page = large.new_page()
    page.goto(server + f"/gov/villages/{A}/disclosures/")
    assert page.evaluate("document.documentElement.classList.contains('age-friendly')")
    size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert size == "20px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "6_public_age_friendly")
    large.close()

    mine = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = mine.new_page()
    _login(page, server, "13904310001")
    page.goto(server + "/gov/disclosures/")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/gov/villages/{A}/disclosures/")
    page.click("[data-public-disclosures] a >> nth=0")
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=question]", "24万元里筹资款是多少？")
    page.click("[data-ask-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "24万元里筹资款是多少" in page.content() and "王秀兰" not in page.content()
    _shot(page, "7_villager_asked")
    with system_scope("browser test"):
        question = DisclosureQuestion.objects.select_related("disclosure").get()
    assert question.asked_by == village["villager"]
    item_url = page.url

    # The clerk answers on the desk; the answer shows on the villager's page, without names.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = desk.new_page()
    _login(staff, server, "clerk_sg")
    staff.goto(server + f"/gov/disclosures/{question.disclosure_id}/")
    assert "王秀兰" in staff.content()  # staff see who asked
    staff.fill(f"#answer-{question.pk}", "筹资款共4.8万元，其余为上级补助。")
    staff.click(f"[data-question='{question.pk}'] button:has-text('公开答复')")
    staff.wait_for_load_state("networkidle")
    _shot(staff, "8_desk_answered")
    desk.close()
    page.goto(item_url)
    assert "筹资款共4.8万元" in page.content() and "王秀兰" not in page.content()
    _shot(page, "9_villager_sees_answer")
    mine.close()


def test_the_township_sees_overdue_disclosures(browser, server, village):
    from cunshe.regions.models import Region
    from cunshe.selfgov.jobs.disclosure import disclosure_daily
    from cunshe.selfgov.tests.matters_fixtures import aware

    officer = User.objects.create_user(username="town_sg", password=PASSWORD, display_name="赵刚")
    RoleAssignment.objects.create(
        user=officer, role=Role.TOWNSHIP_OFFICER, region=Region.objects.get(code="220182102")
    )
    disclosure_daily(now=aware(2026, 1, 5))
    disclosure_daily()  # alerts the township of the overdue ones
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "town_sg")
    page.goto(server + "/gov/disclosures/overdue/")
    assert page.locator("[data-overdue]").count() == 4  # villages A and B, finance and general
    _shot(page, "10_township_overdue_phone")
    assert watch.csp_violations() == []
    context.close()
