"""How it will be checked (4), in a real browser: an outsider sees nothing that is not public.
The outsider (clerk of village C, another county) signs in and opens every /vol/ desk page of
village A's records (404), the desk lists (nothing of village A) and the API's lists and
records (empty or 404); the public pages of village A, opened without signing in, show no
personal data: no full name of a volunteer who did not consent, household heads masked, no ID
or phone number. Screenshots: var/screenshots/e2e_outsider_*.png."""

from __future__ import annotations

import re

import pytest

from cunshe.volunteering.models import EarningRule
from cunshe.volunteering.tests.e2e_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.e2e_fixtures import DESK, PHONE, VILLAGE_A, Shots, login

pytestmark = pytest.mark.browser

VILLAGE_A_WORDS = ("张三丰", "王秀英", "重阳节义务理发", "闵家村爱心超市", "帮王奶奶买药", "E-001")
ID_OR_PHONE = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


def _desk_urls(world, populated) -> list[str]:  # type: ignore[no-untyped-def]
    rule = EarningRule._base_manager.filter(region=world.cast.village_a).first()
    soap = world.goods["肥皂"]
    return [
        f"/vol/volunteers/{populated.zhang.pk}/",
        f"/vol/volunteers/{populated.wang.pk}/",
        f"/vol/activities/{world.activity.pk}/",
        f"/vol/shifts/{world.shift.pk}/",
        f"/vol/shifts/{world.shift.pk}/poster/",
        f"/vol/hours/{populated.hours[0].pk}/",
        f"/vol/certificates/{populated.cert.pk}/pdf/",
        f"/vol/needs/{populated.need.pk}/",
        f"/vol/points/declarations/{populated.declaration.pk}/",
        f"/vol/points/accounts/{populated.account.pk}/",
        f"/vol/points/rules/{rule.pk}/",
        f"/vol/store/{world.store.pk}/",
        f"/vol/store/{world.store.pk}/counter/",
        f"/vol/store/{world.store.pk}/counter/?account={populated.account.pk}",
        f"/vol/store/{world.store.pk}/statement/",
        f"/vol/store/items/{soap.pk}/",
        f"/vol/store/redemptions/{populated.redemption.pk}/",
        f"/vol/store/accounts/{populated.account.pk}/statement/",
        f"/vol/checkin/{world.shift.checkin_token}/",
    ]


DESK_LISTS = [
    "/vol/volunteers/",
    "/vol/stations/",
    "/vol/organisations/",
    "/vol/activities/",
    "/vol/projects/",
    "/vol/hours/?status=all",
    "/vol/needs/",
    "/vol/points/declarations/",
    "/vol/points/accounts/",
    "/vol/points/rules/",
    "/vol/store/",
    "/vol/store/donors/",
    "/vol/reports/",
]


def _api_urls(world, populated) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    base = "/api/v1/volunteering"
    lists = [
        f"{base}/volunteers/",
        f"{base}/activities/",
        f"{base}/activities/hours/",
        f"{base}/needs/",
        f"{base}/points/rules",
        f"{base}/points/declarations",
        f"{base}/points/accounts",
        f"{base}/reports/",
    ]
    records = [
        f"{base}/volunteers/{populated.zhang.pk}",
        f"{base}/volunteers/{populated.wang.pk}/record",
        f"{base}/records/volunteers/{populated.wang.pk}/certificates",
        f"{base}/activities/{world.activity.pk}",
        f"{base}/activities/shifts/{world.shift.pk}",
        f"{base}/activities/hours/{populated.hours[0].pk}",
        f"{base}/needs/{populated.need.pk}",
        f"{base}/points/declarations/{populated.declaration.pk}",
        f"{base}/points/accounts/{populated.account.pk}/movements",
        f"{base}/reports/?region={VILLAGE_A}",
    ]
    return lists, records


def test_outsider_sees_nothing_of_village_a_and_public_pages_show_no_personal_data(
    browser, server, world, populated
):
    shot = Shots("outsider")
    ctx = browser.new_context(viewport=DESK, locale="zh-CN")
    page = login(ctx, server, "outsider")
    leaks: list[str] = []

    for url in _desk_urls(world, populated):
        response = page.goto(server + url)
        if response.status != 404:
            leaks.append(f"desk {url}: {response.status}")
    shot(page, "desk_404")

    for url in DESK_LISTS:
        response = page.goto(server + url)
        text = page.locator("body").inner_text()
        if response.status >= 500:
            leaks.append(f"desk list {url}: {response.status}")
        found = [w for w in VILLAGE_A_WORDS if w in text]
        if found:
            leaks.append(f"desk list {url} shows {found}")
        shot(page, "list_" + url.strip("/").replace("/", "_").split("?")[0])

    lists, records = _api_urls(world, populated)
    for url in lists:
        response = ctx.request.get(server + url)
        body = response.text()
        if response.status != 200:
            leaks.append(f"api list {url}: {response.status} {body[:120]}")
            continue
        data = response.json()
        items = data.get("items", data) if isinstance(data, dict) else data
        if isinstance(items, list) and items and "reports" not in url:
            leaks.append(f"api list {url}: {len(items)} rows")
        found = [w for w in (*VILLAGE_A_WORDS, "闵家村") if w in body]
        if found:
            leaks.append(f"api list {url} shows {found}")
    for url in records:
        response = ctx.request.get(server + url)
        if response.status != 404:
            leaks.append(f"api record {url}: {response.status} {response.text()[:120]}")
    assert leaks == [], "\n".join(leaks)
    ctx.close()

    # The public pages of village A, nobody signed in, on a phone.
    public = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    anon = public.new_page()
    exposed: list[str] = []
    for sub in ("", "points/", "store/", "volunteers/", "activities/"):
        url = f"/vol/public/{VILLAGE_A}/{sub}"
        response = anon.goto(server + url)
        assert response.status == 200, url
        text = anon.locator("body").inner_text()
        html = anon.content()
        # 张三丰 consented to be shown among the top volunteers; 王秀英 did not.
        words = ("王秀英", "王*英", "13900001111") + (() if sub == "volunteers/" else ("张三丰",))
        for word in words:
            if word in text or word in html:
                exposed.append(f"{url}: {word}")
        if ID_OR_PHONE.search(text) or ID_OR_PHONE.search(html):
            exposed.append(f"{url}: {ID_OR_PHONE.search(html) or ID_OR_PHONE.search(text)}")
        shot(anon, "public_" + (sub.strip("/") or "home"))
    anon.goto(server + f"/vol/public/{VILLAGE_A}/points/")
    assert "张*丰" in anon.locator("[data-public-posted]").inner_text()
    anon.goto(server + f"/vol/public/{VILLAGE_A}/volunteers/")
    assert "张三丰" in anon.locator("body").inner_text()  # with consent, though fewer hours
    anon.goto(server + f"/vol/public/{VILLAGE_A}/activities/")
    assert "重阳节义务理发" in anon.locator("body").inner_text()
    # A certificate checked publicly names its holder masked only.
    anon.goto(server + f"/vol/cert/{populated.cert.token}/")
    assert anon.locator("[data-name]").inner_text() == "王*英"
    shot(anon, "public_certificate")
    assert exposed == [], exposed
    # Signed out, the desk and the API answer nothing.
    for url in ("/vol/volunteers/", f"/vol/points/accounts/{populated.account.pk}/"):
        anon.goto(server + url)
        assert "/accounts/login/" in anon.url, url
    response = public.request.get(server + "/api/v1/volunteering/volunteers/")
    assert response.status == 401
    print("desk pages too wide at 390 px:", shot.notes)
    assert shot.problems == [], shot.problems
    public.close()
