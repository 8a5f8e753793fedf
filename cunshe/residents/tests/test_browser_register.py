"""The resident register in a real browser (Debian's chromium driven by Playwright): a clerk
on a 360 px phone finds a person and reveals an ID number (audited), records an event while a
second clerk's stale edit is refused, dry-runs an import with mistakes; a villager sees only
their own household."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.models import AuditEvent
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.residents import idcard, services
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.models import Household, Person, ResidenceEvent
from cunshe.residents.tests.importdata import csv_bytes, family, person

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PASSWORD = "browser-test-password-1"
SHOTS = screenshots_dir()
VILLAGE_A = "220182102200"
CONFLICT = "该人员信息已被他人修改"


@pytest.fixture
def register(transactional_db, settings):  # type: ignore[no-untyped-def]
    """A clerk of village A, two households there (built through the services), and a
    villager linked to the head of the first."""
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser test would only test pyotp
    regions = build_tree()
    village = regions[VILLAGE_A]
    clerk = User.objects.create_user(username="clerk_reg", password=PASSWORD, display_name="李明")
    RoleAssignment.objects.create(user=clerk, role=Role.VILLAGE_CLERK, region=village)
    villager = User.objects.create_user(
        username="13900000002", password=PASSWORD, display_name="张伟国"
    )
    RoleAssignment.objects.create(user=villager, role=Role.VILLAGER, region=village)
    j = RoleAssignment.objects.active().get(user=clerk).jurisdiction()

    def household(number: str) -> Household:
        return services.household_create(
            actor=clerk, jurisdiction=j, region=village, number=number, address="闵家村一组"
        )

    def enter(hh: Household, name: str, born: date, seq: int, sex: str, rel: str) -> Person:
        return services.person_register(
            actor=clerk,
            jurisdiction=j,
            household=hh,
            relationship=rel,
            name=name,
            id_number=idcard.make("220182", born, seq, sex),
            since=date(2020, 1, 1),
        )

    home, other = household("A-001"), household("A-002")
    head = enter(home, "张伟国", date(1968, 4, 2), 11, "M", "02")
    wife = enter(home, "刘淑珍", date(1970, 8, 9), 12, "F", "10")
    neighbour = enter(other, "李红梅", date(1975, 1, 20), 13, "F", "02")
    # No register service links an account yet; the page tests set it the same way.
    Person._base_manager.filter(pk=head.pk).update(account=villager)
    return {"clerk": clerk, "villager": villager, "head": head, "wife": wife, "other": neighbour}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _clean(watch: Watch) -> None:
    assert not watch.foreign(), watch.foreign()
    assert not watch.csp_violations(), watch.csp_violations()


def test_clerk_finds_a_person_by_initials_and_reveals_the_id_in_place_audited(
    server, register, browser
):
    head = register["head"]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "clerk_reg")
    page.goto(server + "/residents/")
    assert page.locator("h1", has_text="实有人口").count() == 1
    page.fill("input[name=q]", "zwg")
    page.click("form[method=get] .input-group button[type=submit]")
    page.wait_for_load_state("networkidle")
    table = page.inner_text("table.rs-table tbody")
    assert "张伟国" in table and "李红梅" not in table and "刘淑珍" not in table
    assert head.id_number not in page.content()
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "register-list-360.png"), full_page=True)

    page.click("table.rs-table a:has-text('张伟国')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/residents/persons/{head.pk}/")
    assert page.inner_text("#clear-id_number") != head.id_number
    assert not AuditEvent.objects.filter(action="residents.person.unmasked").exists()
    before = page.url
    page.click("#clear-id_number + form button[data-unmask]")
    page.wait_for_function(
        "id => document.querySelector('#clear-id_number').textContent.includes(id)",
        arg=head.id_number,
    )
    assert page.url == before  # swapped in place by htmx, no navigation
    assert page.locator("#clear-id_number .cs-code").inner_text() == head.id_number
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "register-person-360.png"), full_page=True)

    reveals = AuditEvent.objects.filter(action="residents.person.unmasked")
    assert reveals.count() == 1
    event = reveals.get()
    assert event.actor_username == "clerk_reg" and event.object_id == str(head.pk)
    assert event.detail.get("field") == "id_number"
    _clean(watch)
    context.close()


def test_event_is_recorded_and_a_stale_edit_in_another_browser_is_refused(
    server, register, browser
):
    head = register["head"]
    url = f"{server}/residents/persons/{head.pk}/"
    stale_ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    stale_watch = Watch(stale_ctx, server)
    stale = stale_ctx.new_page()
    _login(stale, server, "clerk_reg")
    stale.goto(url)  # opened before the change below

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "clerk_reg")
    page.goto(url)
    form = page.locator("form[data-event-form]")
    form.locator("select[name=kind]").select_option("leave_work")
    form.locator("input[name=occurred_on]").fill("2024-03-01")
    form.locator("input[name=destination]").fill("长春市朝阳区")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.url == url
    facts = page.inner_text("dl.rs-facts")
    assert "外出务工" in facts and "长春市朝阳区" in facts and "2024-03-01" in facts
    assert "外出务工" in page.inner_text("ol.rs-timeline")
    assert _no_horizontal_scroll(page)

    edit = stale.locator("form[action$='/edit/']")
    edit.locator("input[name=name]").fill("张卫国")
    edit.locator("button[type=submit]").click()
    stale.wait_for_load_state("networkidle")
    assert CONFLICT in stale.inner_text("main")
    stale.screenshot(path=str(SHOTS / "register-conflict-360.png"), full_page=True)

    fresh = Person._base_manager.get(pk=head.pk)
    assert fresh.name == "张伟国"  # the stale edit changed nothing
    assert fresh.residence_status == ResidenceStatus.AWAY_FOR_WORK
    assert fresh.away_destination == "长春市朝阳区"
    assert ResidenceEvent._base_manager.filter(person=fresh, kind="leave_work").count() == 1
    assert not AuditEvent.objects.filter(action="residents.person.updated").exists()
    _clean(watch)
    _clean(stale_watch)
    context.close()
    stale_ctx.close()


def test_dry_run_import_reports_rows_and_reasons_and_writes_nothing(server, register, browser):
    persons_before = Person._base_manager.count()
    households_before = Household._base_manager.count()
    events_before = ResidenceEvent._base_manager.count()
    bad_id = person("H2", "02 户主", "赵大海", date(1960, 2, 2), 21, "M")
    digit = bad_id["身份证号"][-1]
    bad_id["身份证号"] = bad_id["身份证号"][:-1] + ("1" if digit != "1" else "2")
    rows = [
        *family("H1", seq=31),  # rows 2-4: fine
        bad_id,  # row 5: wrong check digit
        person("H3", "10 配偶", "孙丽", date(1980, 6, 6), 41, "F"),  # row 6: no head in H3
    ]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "clerk_reg")
    page.goto(server + "/residents/import/")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}],
    )
    page.check("input[name=mode][value=dry_run]")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/residents/import/jobs/" in page.url
    assert "试运行结果" in page.inner_text("h1")
    assert "没有写入任何数据" in page.inner_text("main")
    problems = [
        [cell.strip() for cell in tr.locator("td").all_inner_texts()]
        for tr in page.locator("table[data-problems] tbody tr").all()
    ]
    by_row: dict[str, list[str]] = {}
    for row, column, reason in problems:
        by_row.setdefault(row, []).append(f"{column} {reason}")
    assert set(by_row) == {"5", "6"}, problems
    assert any("身份证号" in r and "校验位" in r for r in by_row["5"]), by_row
    assert any("户主" in r and "H3" in r for r in by_row["6"]), by_row
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "register-import-report.png"), full_page=True)

    assert Person._base_manager.count() == persons_before
    assert Household._base_manager.count() == households_before
    assert ResidenceEvent._base_manager.count() == events_before
    assert not Person._base_manager.filter(name__in=["张三", "赵大海", "孙丽"]).exists()
    _clean(watch)
    context.close()


def test_villager_sees_only_their_own_household_and_is_refused_the_register(
    server, register, browser
):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "13900000002")
    page.goto(server + "/residents/mine/")
    assert page.locator("body.cs-villager").count() == 1
    assert page.inner_text("h1") == "我的家庭"
    names = [n.strip() for n in page.locator(".rs-v-member .rs-v-name").all_inner_texts()]
    assert sorted(n.replace("本人", "").strip() for n in names) == sorted(["张伟国", "刘淑珍"])
    body = page.inner_text("body")
    assert "李红梅" not in body and "A-002" not in body
    assert register["wife"].id_number[-4:] not in body  # only the villager's own, masked
    assert register["head"].id_number not in page.content()
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "register-villager-household-360.png"), full_page=True)

    response = page.goto(server + "/residents/")
    assert response is not None and response.status == 403
    assert "李红梅" not in page.inner_text("body")
    response = page.goto(f"{server}/residents/persons/{register['other'].pk}/")
    assert response is not None and response.status in (403, 404)
    _clean(watch)
    context.close()
