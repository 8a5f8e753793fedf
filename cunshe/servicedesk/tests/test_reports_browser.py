"""随手拍 in a real browser on a 360 px phone: the villager takes a photo, lets the page read the
phone's location (geolocation granted), submits; the village's public page shows the problem
without the reporter; the clerk resolves it on the desk. No inline script (CSP), no outside
request."""

from __future__ import annotations

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import build_tree
from cunshe.servicedesk.models import HandlingLevel, ProblemReport, ReportCategory
from cunshe.servicedesk.tests.reports_fixtures import JPEG

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PASSWORD = "browser-test-password-1"
VILLAGE_A = "220182102200"
NAME, PHONE_NUMBER = "王秀兰", "13904315678"


@pytest.fixture
def people(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    storages = dict(settings.STORAGES)
    storages["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")},
    }
    settings.STORAGES = storages
    regions = build_tree()
    village = regions[VILLAGE_A]
    villager = User.objects.create_user(
        username="13904315678", password=PASSWORD, display_name=NAME, phone=PHONE_NUMBER
    )
    RoleAssignment.objects.create(user=villager, role=Role.VILLAGER, region=village)
    clerk = User.objects.create_user(username="clerk_rep", password=PASSWORD, display_name="李明")
    RoleAssignment.objects.create(user=clerk, role=Role.VILLAGE_CLERK, region=village)
    ReportCategory.objects.create(
        code="rubbish", name="垃圾乱堆", group="环境卫生", level=HandlingLevel.VILLAGE
    )
    ReportCategory.objects.create(
        code="straw", name="焚烧秸秆", group="环境卫生", level=HandlingLevel.COUNTY,
        department=Department.ENVIRONMENT,
    )  # fmt: skip
    photo = tmp_path / "rubbish.jpg"
    try:
        from PIL import Image

        Image.new("RGB", (40, 30), (120, 160, 90)).save(photo, "JPEG")
    except ImportError:  # the check below then only sees the bytes, not a picture
        photo.write_bytes(JPEG)
    return {"villager": villager, "clerk": clerk, "photo": photo}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"reports_{name}.png"), full_page=True)


def test_villager_reports_with_photo_and_location_then_clerk_resolves(browser, server, people):
    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": 44.8261, "longitude": 126.5332},
        permissions=["geolocation"],
        locale="zh-CN",
    )
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, people["villager"].username)
    page.goto(server + "/desk/reports/new/")
    _shot(page, "1_new_empty")
    page.select_option("select[name=category]", label="环境卫生 · 垃圾乱堆")
    page.set_input_files("input[name=photo]", str(people["photo"]))
    page.click("[data-locate]")
    page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
    assert page.input_value("input[name=lat]") == "44.826100"
    page.fill("textarea[name=description]", "村口垃圾堆了三天没人清运")
    _shot(page, "2_new_filled")
    page.click("form[data-report-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已提交" in page.content()
    _shot(page, "3_submitted")
    with system_scope("browser test"):
        report = ProblemReport.objects.get()
    assert report.lat is not None and report.photo_type == "image/jpeg"

    page.goto(server + f"/desk/villages/{VILLAGE_A}/reports/")
    html = page.content()
    assert "村口垃圾堆了三天没人清运" in html
    assert NAME not in html and PHONE_NUMBER not in html
    _shot(page, "4_public")
    assert watch.foreign() == [] and watch.csp_violations() == []
    context.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    dwatch = Watch(desk, server)
    page = desk.new_page()
    _login(page, server, "clerk_rep")
    page.goto(server + "/desk/reports/")
    assert NAME in page.content()
    _shot(page, "5_desk_list")
    page.click(f"text={report.number}")
    page.wait_for_load_state("networkidle")
    # The photo comes through the access-checked view and renders (CSP allows 'self' images).
    page.wait_for_function("document.querySelector(\"img[alt='现场照片']\").complete")
    width = page.locator("img[alt='现场照片']").evaluate("i => i.naturalWidth")
    assert width in (0, 40) if people["photo"].read_bytes() == JPEG else width == 40
    page.fill("textarea[name=text]", "已安排保洁员清运")
    page.click("button[value=resolve]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-state]").get_attribute("data-state") == "resolved"
    _shot(page, "6_desk_resolved")
    assert dwatch.csp_violations() == []
    desk.close()


def test_county_officer_issues_an_open311_key(browser, server, people):
    officer = User.objects.create_user(
        username="county_env", password=PASSWORD, display_name="赵磊"
    )
    from cunshe.regions.models import Region

    RoleAssignment.objects.create(
        user=officer,
        role=Role.COUNTY_OFFICER,
        region=Region.objects.get(code="220182"),
        department=Department.ENVIRONMENT,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    _login(page, server, "county_env")
    page.goto(server + "/desk/open311/")
    page.fill("input[name=name]", "乡村随手拍小程序")
    page.select_option("select[name=region]", value=str(Region.objects.get(code=VILLAGE_A).pk))
    page.click("form button[type=submit]:has-text('生成密钥')")
    page.wait_for_load_state("networkidle")
    key = page.locator("[data-new-key] code").inner_text()
    assert key.startswith("o311_")
    _shot(page, "7_open311_key")
    # The key works for a client straight away.
    response = page.request.post(
        server + "/open311/v2/requests.json",
        form={"api_key": key, "service_code": "straw", "address_string": "村北玉米地"},
    )
    assert response.status == 200 and response.json()[0]["service_request_id"]
    assert watch.csp_violations() == []
    context.close()
