"""A carer records a visit on a 390 px phone in a real browser (Debian's chromium driven by
Playwright): the profile, the visit form (mode buttons, camera photo input), the saved visit
on the profile, the due list. No request leaves the server, nothing breaks the CSP.
Screenshots: var/screenshots/care_profiles_*.png."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cunshe.care.models import CareProfile, Visit
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD, build_cast
from cunshe.residents import idcard
from cunshe.residents import services as rsvc
from cunshe.residents.tests.conftest import jurisdiction_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def world(server, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    cast = build_cast()
    j = jurisdiction_of(cast.clerk_a)
    hh = rsvc.household_create(
        actor=cast.clerk_a, jurisdiction=j, region=cast.village_a, number="A-001",
        address="闵家村一组3号",
    )  # fmt: skip
    person = rsvc.person_register(
        actor=cast.clerk_a, jurisdiction=j, household=hh, relationship="02", name="王桂芝",
        id_number=idcard.make("220182", date(1944, 3, 3), 16, "F"), since=date(2020, 1, 1),
    )  # fmt: skip
    with system_scope("test set-up"):
        # Registering her may already have identified her as a candidate: make her active.
        profile, _created = CareProfile.objects.update_or_create(
            person=person, kind="elderly",
            defaults={
                "region_id": person.region_id, "status": "active", "risk_level": "priority",
                "risk_criteria": ["alone", "very_old"], "identified_on": date(2026, 1, 5),
                "status_changed_at": timezone.now() - timedelta(days=40),
                "next_visit_due": timezone.now() - timedelta(days=10),
            },
        )  # fmt: skip
        profile.carers.create(carer_type="cadre", user=cast.leader_a, name="leader_a")
    return {"cast": cast, "profile": profile, "origin": server}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_leader_records_a_visit_on_a_phone(browser, world):
    origin, profile = world["origin"], world["profile"]
    shots = screenshots_dir()
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    watch = Watch(context, origin)
    page = context.new_page()
    _login(page, origin, "leader_a")

    page.goto(origin + "/care/visits/")
    page.wait_for_selector("[data-due]")
    assert "王桂芝" in page.inner_text("[data-due]")
    page.screenshot(path=str(shots / "care_profiles_due_390.png"), full_page=True)

    page.goto(origin + f"/care/profiles/{profile.pk}/visits/new/")
    page.wait_for_selector("[data-visit-form]")
    assert page.get_attribute("input[name=photos]", "capture") == "environment"
    page.click("label[for=id_mode_1]")  # 电话探访
    page.fill("textarea[name=findings]", "电话问候，老人说腿脚不便，米面还够。")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "visit.jpg", "mimeType": "image/jpeg", "buffer": JPEG}],
    )
    # The form fits the phone's width: nothing scrolls sideways.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    page.screenshot(path=str(shots / "care_profiles_visit_form_390.png"), full_page=True)
    page.click("[data-visit-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-visit]")
    assert "电话问候" in page.inner_text("[data-visit]")
    page.screenshot(path=str(shots / "care_profiles_detail_390.png"), full_page=True)

    visit = Visit._base_manager.get()
    assert visit.mode == "phone" and visit.photos.count() == 1

    page.goto(origin + "/care/")
    page.wait_for_selector("[data-profiles]")
    page.screenshot(path=str(shots / "care_profiles_list_390.png"), full_page=True)
    assert watch.foreign() == []
    assert watch.csp_violations() == []
    context.close()
