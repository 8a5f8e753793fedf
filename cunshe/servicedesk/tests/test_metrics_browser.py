"""The metrics and deadlines pages in a real browser: the charts draw (ECharts from our own
static files, no inline script, no CSP violation, nothing fetched from elsewhere), drill-down
works, the page fits a phone, and the deadlines page shows an escalated matter. Screenshots go
to var/screenshots/ (and /tmp/shots/metrics/ when that folder exists)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD, build_cast
from cunshe.servicedesk.jobs.escalation import escalate_overdue
from cunshe.servicedesk.tests.factories import act, make_item, submit
from cunshe.servicedesk.tests.metrics_fixtures import EXTRA, add_user, adjust, made, person_in, rate

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = screenshots_dir()
EXTRA_SHOTS = Path("/tmp/shots/metrics")  # noqa: S108 - copies for a reviewer, if wanted


@pytest.fixture
def desk(transactional_db, settings):  # type: ignore[no-untyped-def]
    """Half a year of matters in villages A, B (闵家镇) and C (another county)."""
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser test would only test pyotp
    cast = build_cast()
    for name, (role, code, dept) in EXTRA.items():
        add_user(cast, name, role, code, dept)
    town = make_item("B-TWN", name="最低生活保障申请", level="township")
    county = make_item("B-CTY", name="残疾人两项补贴", level="county")
    village = make_item("B-VIL", name="村级证明", level="village")
    people = {
        "A": (person_in(cast.village_a, "张桂兰"), "clerk_a"),
        "B": (person_in(cast.village_b, "李春梅"), "clerk_b"),
        "C": (person_in(cast.village_c, "赵大山"), "outsider"),
    }
    today = timezone.localdate()
    modes = ("daiban", "online", "daiban", "lingban", "appointment", "daiban")
    n = 0
    for months_ago in range(5, -1, -1):
        for key, (person, clerk) in people.items():
            for k in range(3 if key != "C" else 1):
                n += 1
                day = today - timedelta(days=30 * months_ago + 3 * k + 2)
                item = (town, county, village)[n % 3]
                mode = modes[n % len(modes)]
                finished = months_ago > 0 or k == 0
                app = made(
                    cast, person, item, by=clerk, mode=mode, submitted=day,
                    **({"decided_days": 2 + n % 9, "on_time": n % 5 != 0, "status": "closed"}
                       if finished else {}),
                )  # fmt: skip
                if finished and n % 2 == 0:
                    rate(app, 5 - n % 4, min(day + timedelta(days=12), today))
    late = act(cast, submit(cast, people["A"][0], town), "accept")
    adjust(late, due_on=today - timedelta(days=9))
    soon = act(cast, submit(cast, people["A"][0], town), "accept")
    adjust(soon, due_on=today + timedelta(days=1))
    escalate_overdue(today)
    return cast


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    if EXTRA_SHOTS.is_dir():
        shutil.copy(path, EXTRA_SHOTS / name)


def _clean(watch: Watch) -> None:
    assert not watch.foreign(), watch.foreign()
    assert not watch.csp_violations(), watch.csp_violations()
    errors = [m for m in watch.console if m.startswith("error")]
    assert not errors, errors


def test_charts_draw_and_drill_down_for_the_township(server, desk, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "township_officer")
    page.goto(f"{server}/desk/metrics/")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1", has_text="办事统计").count() == 1
    assert page.locator("[data-chart] canvas").count() >= 3  # units, trend, modes
    assert page.locator("table a", has_text="闵家村委会").count() == 1
    assert page.locator("td", has_text="最低生活保障申请").count() == 1  # by item
    _shot(page, "metrics-township-1280.png")
    page.click("table a:has-text('闵家村委会')")
    page.wait_for_load_state("networkidle")
    assert page.locator(".breadcrumb-item.active", has_text="闵家村委会").count() == 1
    assert page.locator("[data-chart=trend] canvas").count() == 1
    _shot(page, "metrics-village-1280.png")
    _clean(watch)


def test_the_province_sees_its_cities_and_the_page_fits_a_phone(server, desk, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "province_official")
    start = (date.today().replace(day=1) - timedelta(days=180)).isoformat()
    page.goto(f"{server}/desk/metrics/?region=22&from={start}&to={date.today().isoformat()}")
    page.wait_for_load_state("networkidle")
    assert page.locator("table a", has_text="长春市").count() == 1
    assert page.locator("table a", has_text="四平市").count() == 1
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    _shot(page, "metrics-province-360.png")
    _clean(watch)


def test_the_deadlines_page_shows_the_escalated_matter(server, desk, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "township_officer")
    page.goto(f"{server}/desk/deadlines/")
    page.wait_for_load_state("networkidle")
    assert page.locator("h2", has_text="我的办件").count() == 1
    assert page.locator("h2", has_text="辖区超期").count() == 1
    assert page.locator(".badge", has_text="第1级").count() >= 1
    _shot(page, "deadlines-township-1280.png")
    _clean(watch)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "city_cc")
    page.goto(f"{server}/desk/deadlines/")
    page.wait_for_load_state("networkidle")
    assert page.locator("h2", has_text="辖区超期").count() == 1
    _shot(page, "deadlines-city-1280.png")
    _clean(watch)
