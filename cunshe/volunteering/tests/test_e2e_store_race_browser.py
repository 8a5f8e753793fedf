"""How it will be checked (3), in a real browser: two clerks redeeming at once cannot overdraw a
household's points. Two browser contexts (clerk_a and clerk_a2, both clerks of village A) open
the store counter for the same card (typing its token), each picks goods worth more than half
the balance, and both submit as nearly at once as the browser allows → one redemption succeeds,
the other page shows the insufficient-points message; the balance never goes negative and
verify_ledger() finds nothing. Run on SQLite and PostgreSQL.
Screenshots: var/screenshots/e2e_race_*.png."""

from __future__ import annotations

import pytest

from cunshe.volunteering.models import PointsAccount, Redemption
from cunshe.volunteering.services import ledger
from cunshe.volunteering.tests.e2e_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.e2e_fixtures import DESK, Shots, credit, login

pytestmark = pytest.mark.browser
OUTCOME = "[data-done], [data-counter-error]"


def test_two_clerks_redeeming_at_once_cannot_overdraw_the_balance(browser, server, world):
    shot = Shots("race")
    account = credit(world.household, 100)
    oil = world.goods["食用油"]  # 30 points: two of them (60) are more than half of 100
    pages = []
    contexts = []
    for who in ("clerk_a", "clerk_a2"):
        ctx = browser.new_context(viewport=DESK, locale="zh-CN")
        contexts.append(ctx)
        page = login(ctx, server, who)
        page.goto(server + f"/vol/store/{world.store.pk}/counter/")
        page.fill("#card-token", account.card_token)
        page.click("[data-scan-form] button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-balance]").inner_text().strip() == "100"
        page.fill(f"input[name=qty_{oil.pk}]", "2")
        assert page.locator("[data-total]").inner_text() == "60"
        pages.append(page)
    shot(pages[0], "counter_ready", both=False)

    # Both submit: neither click waits for its page to load before the other is made.
    for page in pages:
        page.click("[data-redeem]", no_wait_after=True)
    for page in pages:
        page.wait_for_selector(OUTCOME, timeout=30_000)
        page.wait_for_load_state("networkidle")

    done = [p for p in pages if p.locator("[data-done]").count()]
    refused = [p for p in pages if p.locator("[data-counter-error]").count()]
    texts = [p.locator("main, body").first.inner_text()[:400] for p in pages]
    assert len(done) == 1 and len(refused) == 1, texts
    message = refused[0].locator("[data-counter-error]").inner_text()
    assert "积分不足" in message and "余额 40" in message, message
    assert done[0].locator("[data-balance]").inner_text().strip() == "40"
    assert refused[0].locator("[data-balance]").inner_text().strip() == "40"
    shot(done[0], "one_succeeded", both=False)
    shot(refused[0], "other_refused_insufficient", both=False)

    account = PointsAccount._base_manager.get(pk=account.pk)
    oil.refresh_from_db()
    assert account.balance == 40 >= 0
    assert oil.stock == 18
    assert Redemption._base_manager.filter(account=account).count() == 1
    assert ledger.verify_ledger() == []
    print("desk pages too wide at 390 px:", shot.notes)
    assert shot.problems == [], shot.problems
    for ctx in contexts:
        ctx.close()
