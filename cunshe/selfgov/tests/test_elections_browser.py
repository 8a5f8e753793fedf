"""The election roll in a real browser: the clerk generates the roll on a 390 px phone; it
lists the approved non-hukou resident and not the one who turns 18 the day after the vote; the
check says why. No inline script (CSP), no outside request. Screenshots:
selfgov_elections_*.png."""

# ruff: noqa: F811 - fixtures are imported by name
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.selfgov.services import elections as svc
from cunshe.selfgov.tests.elections_fixtures import make_decision, make_election  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"selfgov_elections_{name}.png"), full_page=True)


def test_roll_on_a_phone(browser, server, cast, clerk_j, register, make_election, settings):
    settings.REQUIRE_STAFF_2FA = False
    vote_on = timezone.localdate() + timedelta(days=40)
    election = make_election(vote_on)
    register("张大山", date(1980, 5, 1), seq=1)
    young = register(
        "张小川",
        vote_on.replace(year=vote_on.year - 18) + timedelta(days=1),
        relationship="20",
        seq=2,
    )
    newcomer = register(
        "李新来",
        date(1985, 3, 3),
        relationship="99",
        seq=4,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=vote_on - timedelta(days=400),
    )
    svc.approval_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=newcomer,
        applied_on=timezone.localdate() - timedelta(days=40),
        decision=make_decision(cast.village_a, cast.clerk_a),
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "clerk_a")
    page.goto(f"{server}/gov/elections/{election.pk}/")
    _shot(page, "1_election")
    page.click("text=生成选民名单")
    page.wait_for_load_state("networkidle")
    assert "已生成选民名单" in page.content()
    _shot(page, "2_generated")
    page.goto(f"{server}/gov/elections/{election.pk}/roll/")
    roll = page.inner_text("#roll")
    assert "李新来" in roll and "张大山" in roll and "张小川" not in roll
    page.fill("form:has(input[value=check]) input[name=id_number]", young.id_number)
    page.click("form:has(input[value=check]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "未满18周岁" in page.content()
    _shot(page, "3_roll_check")
    page.goto(f"{server}/gov/elections/{election.pk}/print/roll/")
    _shot(page, "4_print")
    assert watch.foreign() == [] and watch.csp_violations() == []
