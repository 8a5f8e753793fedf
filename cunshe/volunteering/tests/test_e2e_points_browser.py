"""How it will be checked (2), as a new user would, in a real browser: a household earns points
through the whole declare → review → approve → post flow and spends them in the store. The
villager declares on a 390 px phone; clerk_a reviews (for the group); leader_a approves → the
public page /vol/public/<village>/points/ shows it posted under a masked name; the crediting job
run the day after the posting ends credits it; the villager sees the balance and the card's QR
code; clerk_a at the store counter enters the card's token and redeems goods; the villager's
balance drops. Screenshots: var/screenshots/e2e_points_*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
import segno
from django.utils import timezone

from cunshe.core.testing.browser import Watch
from cunshe.volunteering.jobs.points import points_daily
from cunshe.volunteering.models import Declaration, EarningRule
from cunshe.volunteering.services import ledger
from cunshe.volunteering.tests.e2e_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.e2e_fixtures import DESK, PHONE, VILLAGE_A, Shots, login

pytestmark = pytest.mark.browser


def test_household_declares_earns_posted_credited_points_and_spends_them_in_the_store(
    browser, server, world
):
    shot = Shots("points")
    rule = EarningRule._base_manager.get(code="elder-care", valid_to__isnull=True)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    pwatch = Watch(phone, server)
    me = login(phone, server, "villager")
    me.goto(server + "/vol/me/points/")
    assert me.locator("#my-balance").inner_text().strip() == "0"
    shot(me, "my_points_empty")
    me.select_option("#declare-form select[name=earning_rule]", str(rule.pk))
    me.fill("#declare-form input[name=quantity]", "1")
    me.fill("#declare-form input[name=deed_date]", timezone.localdate().isoformat())
    me.fill("#declare-form textarea[name=description]", "照顾卧床的老母亲一个月")
    me.click("#declare-form button[type=submit]")
    me.wait_for_load_state("networkidle")
    assert "已申报" in me.locator("#my-pending").inner_text()
    shot(me, "declared")
    d = Declaration._base_manager.get(household=world.household)
    points = d.points
    assert points > 0

    # clerk_a reviews for the group.
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    dwatch = Watch(desk, server)
    clerk = login(desk, server, "clerk_a")
    clerk.goto(server + "/vol/points/declarations/")
    shot(clerk, "desk_declarations")
    clerk.click(f"[data-declaration='{d.pk}'] a")
    clerk.wait_for_load_state("networkidle")
    shot(clerk, "desk_declaration")
    clerk.click("button:has-text('组长审核通过')")
    clerk.wait_for_load_state("networkidle")
    assert "组长已审" in clerk.locator("#declaration-status").inner_text()

    # leader_a (两委) approves: it is posted.
    lctx = browser.new_context(viewport=DESK, locale="zh-CN")
    lwatch = Watch(lctx, server)
    leader = login(lctx, server, "leader_a")
    leader.goto(server + f"/vol/points/declarations/{d.pk}/")
    leader.click("button:has-text('两委审批并公示')")
    leader.wait_for_load_state("networkidle")
    assert "公示中" in leader.locator("#declaration-status").inner_text()
    shot(leader, "leader_posted")

    # The public page (nobody signed in) shows it posted, under a masked name.
    public = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    anon = public.new_page()
    anon.goto(server + f"/vol/public/{VILLAGE_A}/")
    shot(anon, "public_home")
    anon.goto(server + f"/vol/public/{VILLAGE_A}/points/")
    row = anon.locator(f"[data-declaration='{d.pk}']")
    assert row.count() == 1
    text = anon.locator("body").inner_text()
    assert "张*丰" in row.inner_text() and "张三丰" not in text, row.inner_text()
    assert str(points) in row.locator("[data-points]").inner_text()
    shot(anon, "public_points_posted")

    me.reload()
    assert "公示中" in me.locator("#my-pending").inner_text()
    shot(me, "posted_on_phone")

    # Time passes: the crediting job runs the day after the posting ends.
    d.refresh_from_db()
    assert points_daily(today=d.posting_ends_on + timedelta(days=1))["credited"] == 1
    me.reload()
    assert me.locator("#my-balance").inner_text().strip() == str(points)
    assert rule.name in me.locator("#my-movements").inner_text()
    account = ledger.household_account(world.household)
    qr = me.locator("img.cs-points-qr").get_attribute("src")
    assert qr == segno.make(account.card_token, error="m").svg_data_uri(scale=6)
    shot(me, "credited_balance_and_card")
    me.goto(server + "/vol/me/store/")
    assert me.locator("[data-balance]").inner_text().strip() == str(points)
    shot(me, "my_store_before")

    # The store counter: the clerk types the card's token (what a scanner types), redeems.
    clerk.goto(server + "/vol/store/")
    shot(clerk, "desk_store")
    clerk.click(f"[data-store='{world.store.pk}'] a:has-text('柜台兑换')")
    clerk.wait_for_load_state("networkidle")
    shot(clerk, "desk_counter_empty")
    clerk.fill("#card-token", account.card_token)
    clerk.click("[data-scan-form] button[type=submit]")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-balance]").inner_text().strip() == str(points)
    soap = world.goods["肥皂"]
    clerk.fill(f"input[name=qty_{soap.pk}]", "2")
    assert clerk.locator("[data-total]").inner_text() == "20"
    shot(clerk, "desk_counter_picked")
    clerk.click("[data-redeem]")
    clerk.wait_for_load_state("networkidle")
    assert clerk.locator("[data-done]").count() == 1, clerk.locator("body").inner_text()
    assert clerk.locator("[data-balance]").inner_text().strip() == str(points - 20)
    shot(clerk, "desk_counter_redeemed")
    soap.refresh_from_db()
    assert soap.stock == 48

    # The villager's balance dropped.
    me.goto(server + "/vol/me/points/")
    assert me.locator("#my-balance").inner_text().strip() == str(points - 20)
    shot(me, "balance_after_redemption")
    me.goto(server + "/vol/me/store/")
    assert me.locator("[data-balance]").inner_text().strip() == str(points - 20)
    shot(me, "my_store_after")
    me.goto(server + "/vol/me/store/statement/")
    shot(me, "my_store_statement")
    assert ledger.verify_ledger() == []

    # The store's own page (goods, stock, redemptions) after the redemption.
    response = clerk.goto(server + f"/vol/store/{world.store.pk}/")
    shot(clerk, "desk_store_detail")
    assert response.status == 200, f"/vol/store/{world.store.pk}/ answered {response.status}"

    for w in (pwatch, dwatch, lwatch):
        assert w.foreign() == []
        assert [m for m in w.csp_violations() if "inline style" not in m] == []
    print("desk pages too wide at 390 px:", shot.notes)
    assert shot.problems == [], shot.problems
    for ctx in (phone, desk, lctx, public):
        ctx.close()
