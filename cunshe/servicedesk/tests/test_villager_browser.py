"""The villager's 办事 pages in a real browser (Debian's chromium driven by Playwright) on a
360 px phone, with the real catalogue: find an item, apply with a photo taken on the phone,
read the receipt number and the timeline, bring missing material after a return; the hub's
first load stays light; age-friendly mode still fits; nothing loads from outside, no CSP
violation."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.residents import idcard
from cunshe.residents import services as rsvc
from cunshe.residents.models import Person
from cunshe.servicedesk.models import Application, ServiceItem, Status
from cunshe.servicedesk.services import applications as svc
from cunshe.servicedesk.tests.factories import JPEG, PDF

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PASSWORD = "browser-test-password-1"
SHOTS = screenshots_dir()
VILLAGE_A = "220182102200"
BUDGET = 200 * 1024
ONLINE_ITEM = "JL-RS-001"  # 城乡居民基本养老保险参保登记: township, online
RETURN_ITEM = "JL-CW-002"  # 亲属关系证明开具: village, online


@pytest.fixture
def village(transactional_db, settings):  # type: ignore[no-untyped-def]
    """The seeded catalogue; a villager linked to the head of a two-person household; the
    village clerk (who handles village-level matters); one matter returned, one delivered."""
    settings.REQUIRE_STAFF_2FA = False
    regions = build_tree()
    call_command("servicedesk_seed", stdout=io.StringIO())
    a = regions[VILLAGE_A]
    villager = User.objects.create_user("13900000003", password=PASSWORD, display_name="王淑芬")
    RoleAssignment.objects.create(user=villager, role=Role.VILLAGER, region=a)
    clerk = User.objects.create_user("clerk_sd", password=PASSWORD, display_name="李明")
    RoleAssignment.objects.create(user=clerk, role=Role.VILLAGE_CLERK, region=a)

    def j(user):  # type: ignore[no-untyped-def]
        return RoleAssignment.objects.active().get(user=user).jurisdiction()

    home = rsvc.household_create(
        actor=clerk, jurisdiction=j(clerk), region=a, number="A-101", address="闵家村二组"
    )
    people = []
    for name, born, seq, sex, rel in (
        ("王淑芬", date(1962, 3, 9), 21, "F", "02"),
        ("刘长海", date(1960, 7, 1), 22, "M", "10"),
    ):
        people.append(
            rsvc.person_register(
                actor=clerk,
                jurisdiction=j(clerk),
                household=home,
                relationship=rel,
                name=name,
                id_number=idcard.make("220182", born, seq, sex),
                since=date(2020, 1, 1),
                phone="13900000003" if seq == 21 else "",
            )
        )
    Person._base_manager.filter(pk=people[0].pk).update(account=villager)
    me = Person._base_manager.select_related("region", "household").get(pk=people[0].pk)

    def submit(code: str, key: str) -> Application:
        return svc.application_submit(
            actor=villager, jurisdiction=j(villager), item=ServiceItem.objects.get(code=code),
            applicant=me, mode="online", idempotency_key=key,
        )  # fmt: skip

    def act(app: Application, action: str, user: User, **kw) -> Application:  # type: ignore[no-untyped-def]
        return svc.application_act(
            actor=user, jurisdiction=j(user), application=app, action=action, **kw
        )

    returned = submit(RETURN_ITEM, "r1")
    returned = act(returned, "accept", clerk)
    returned = act(returned, "return", clerk, reason="请补交户口簿本人页的照片")
    done = submit("JL-CW-001", "d1")
    for action in ("accept", "start", "approve", "deliver"):
        done = act(done, action, clerk)
    return {"villager": villager, "me": me, "returned": returned, "done": done}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"villager-desk-{name}-360.png"), full_page=True)


def test_villager_applies_tracks_and_brings_material_on_a_phone(server, village, browser, tmp_path):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "13900000003")

    page.goto(server + "/desk/")
    assert page.locator("h1", has_text="办事不出村").count() == 1
    assert page.locator(".sd-v-app").count() == 2  # the household's two matters
    assert _fits(page)
    _shot(page, "home")
    page.click("summary:has-text('社会保险')")
    _shot(page, "home-open")

    # Search the way villagers say it.
    page.fill("input[name=q]", "养老")
    page.click(".sd-v-search button[type=submit]")
    page.wait_for_load_state("networkidle")
    names = page.locator(".sd-v-item-name").all_inner_texts()
    assert names and all("养老" in n for n in names)
    _shot(page, "search")

    # Apply online: the guide, the household's members, a photo for one material.
    page.click(f"a[href='/desk/apply/{ONLINE_ITEM}/']")
    page.wait_for_load_state("networkidle")
    assert page.locator(".sd-v-member").all_inner_texts() == ["王淑芬", "刘长海"]
    assert village["me"].id_number not in page.content()
    assert _fits(page)
    _shot(page, "apply")
    item = ServiceItem.objects.get(code=ONLINE_ITEM)
    id_req = item.materials.get(doc_type="id_card")
    photo = tmp_path / "id.jpg"
    photo.write_bytes(JPEG)
    page.set_input_files(f"input[name=material_{id_req.pk}]", str(photo))
    page.fill("textarea[name=details]", "想参加城乡居民养老保险")
    page.click("button.sd-v-submit")
    page.wait_for_load_state("networkidle")
    app = Application._base_manager.get(item=item)
    assert page.url.endswith(f"/desk/my/{app.pk}/")
    assert app.number in page.inner_text(".cs-messages")
    assert "等待闵家镇受理" in page.inner_text(".sd-v-timeline")
    assert _fits(page)
    _shot(page, "my-application")

    # The returned matter: the reason, then the missing page upload.
    returned = village["returned"]
    page.goto(server + f"/desk/my/{returned.pk}/")
    assert "请补交户口簿本人页的照片" in page.inner_text(".sd-v-callout")
    _shot(page, "my-returned")
    hukou = returned.item.materials.get(doc_type="hukou_book")
    scan = tmp_path / "hukou.pdf"
    scan.write_bytes(PDF)
    page.set_input_files(f"input[name=resubmit-material_{hukou.pk}]", str(scan))
    page.click("form[action$='/resubmit/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Application._base_manager.get(pk=returned.pk).status == Status.ACCEPTED
    assert "材料已补交" in page.inner_text(".cs-messages")

    # A delivered matter offers the rating.
    page.goto(server + f"/desk/my/{village['done'].pk}/")
    assert page.locator("a[href$='/rate/']").count() == 1
    _shot(page, "my-delivered")

    # Age-friendly mode: bigger type, still fits 360 px.
    context.add_cookies([{"name": "cunshe_age_friendly", "value": "1", "url": server}])
    for path, name in (("/desk/", "home-age-friendly"),
                       (f"/desk/apply/{ONLINE_ITEM}/", "apply-age-friendly")):  # fmt: skip
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert "age-friendly" in (page.get_attribute("html", "class") or "")
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
        assert _fits(page)
        _shot(page, name)
    for button in page.locator("button, .btn, summary").all():
        box = button.bounding_box()
        if box is not None and box["height"] > 0:
            assert box["height"] >= 44, button.inner_text()

    assert not watch.foreign(), watch.foreign()
    assert not watch.csp_violations(), watch.csp_violations()
    context.close()


def test_the_hub_first_load_is_light(server, village, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, server, "13900000003")
    fresh = browser.new_context(viewport=PHONE, locale="zh-CN")
    fresh.add_cookies(context.cookies())
    watch = Watch(fresh, server)
    first = fresh.new_page()
    first.goto(server + "/desk/")
    first.wait_for_load_state("networkidle")
    transferred = 0
    for req in watch.requests:
        sizes = req.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    urls = [r.url.replace(server, "") for r in watch.requests]
    (SHOTS / "villager-desk-home-weight.txt").write_text(
        f"requests={len(urls)} transferred_bytes={transferred}\n" + "\n".join(urls) + "\n"
    )
    print(f"\n/desk/ first load: {len(urls)} requests, {transferred / 1024:.1f} KB")
    assert transferred <= BUDGET, f"{transferred} bytes > 200 KB"
    joined = " ".join(urls)
    assert "bootstrap-icons.woff" not in joined and "echarts" not in joined
    assert not watch.foreign() and not watch.csp_violations()
    context.close()
    fresh.close()
