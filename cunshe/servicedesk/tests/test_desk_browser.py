"""The staff pages of applications in a real browser (Debian's chromium driven by Playwright) at
1280 px: the clerk takes a 代办 case in (search by initials, choose the item, upload the signed
委托书), the list shows it, the township officer accepts it on the detail page. No request leaves
the server, nothing breaks the CSP. Screenshots go to $DESK_SHOTS (default var/screenshots/desk)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD, build_cast
from cunshe.residents import idcard
from cunshe.residents import services as rsvc
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application, Status
from cunshe.servicedesk.tests.factories import PDF, PNG, act, make_item, submit, villager_person

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}


def _shots() -> Path:
    path = Path(os.environ.get("DESK_SHOTS") or screenshots_dir() / "desk")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def world(server, settings, tmp_path):  # type: ignore[no-untyped-def]
    """The cast, a villager in the register with an application in progress, three items."""
    settings.REQUIRE_STAFF_2FA = False  # TOTP in a browser would only test pyotp
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    cast = build_cast()
    j = jurisdiction_of(cast.clerk_a)
    household = rsvc.household_create(
        actor=cast.clerk_a, jurisdiction=j, region=cast.village_a, number="A-001",
        address="闵家村一组3号",
    )  # fmt: skip

    def register(name, born, sex="M", relationship="02", seq=1, **kw):  # type: ignore[no-untyped-def]
        return rsvc.person_register(
            actor=cast.clerk_a, jurisdiction=j, household=household, relationship=relationship,
            name=name, id_number=idcard.make("220182", born, seq, sex),
            since=date(2020, 1, 1), **kw,
        )  # fmt: skip

    person = villager_person(cast, register)
    item = make_item()
    make_item("T-002", name="残疾人两项补贴", level="county", department="disabled_federation")
    elderly = make_item("T-003", name="高龄津贴申领", level="township")
    id_req = item.materials.get(doc_type="id_card")
    earlier = submit(cast, person, elderly, mode="lingban")
    act(cast, earlier, "accept")
    act(cast, earlier, "start")
    submit(cast, person, item, uploads={id_req.pk: SimpleUploadedFile("id.png", PNG, "image/png")})
    return {"cast": cast, "person": person, "item": item, "origin": server}


def _login(page, origin: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_clerk_takes_a_daiban_case_in_and_the_township_accepts_it(browser, world):
    origin, person, item = world["origin"], world["person"], world["item"]
    shots = _shots()
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    watch = Watch(context, origin)
    page = context.new_page()
    _login(page, origin, "clerk_a")

    page.goto(origin + "/desk/intake/")
    page.fill("input[name=q]", "zgl")
    page.click("form[data-search] button[type=submit]")
    page.wait_for_selector("[data-results]")
    assert "张桂兰" in page.inner_text("[data-results]")
    page.screenshot(path=str(shots / "intake-1-search.png"), full_page=True)
    page.click("[data-choose-person]")
    page.wait_for_selector("[data-items]")
    page.screenshot(path=str(shots / "intake-2-items.png"), full_page=True)
    page.click(f"[data-choose-item='{item.code}']")
    page.wait_for_selector("[data-intake-form]")
    # Only the chosen mode's box shows (代办 is preselected).
    assert page.is_visible("[data-for-mode=daiban]")
    assert not page.is_visible("[data-for-mode=lingban]")
    page.check("input[name=mode][value=lingban]")
    assert page.is_visible("[data-for-mode=lingban]")
    page.check("input[name=mode][value=daiban]")
    # Submitted without the signed 委托书: a message, the form again, nothing created.
    page.click("[data-submit]")
    page.wait_for_selector(".cs-messages .alert-danger")
    assert "代办须上传村民签字的委托书" in page.inner_text("[data-intake-form]")
    assert Application._base_manager.filter(mode="daiban").count() == 1  # the earlier one
    page.screenshot(path=str(shots / "intake-4-refused.png"), full_page=True)
    page.fill("input[name=authorised_on]", timezone.localdate().isoformat())
    page.set_input_files(
        "input[name=authorisation]",
        files=[{"name": "weituo.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    hukou = item.materials.get(doc_type="hukou_book")
    page.set_input_files(
        f"input[name=material_{hukou.pk}]",
        files=[{"name": "hukou.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.fill("textarea[name=details]", "家庭人均收入低于低保标准")
    page.screenshot(path=str(shots / "intake-3-form.png"), full_page=True)
    page.click("[data-submit]")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-number]")
    number = page.inner_text("[data-number]").strip()
    app = Application._base_manager.get(number=number)
    assert app.mode == "daiban" and app.applicant_id == person.pk
    assert f"受理编号 {number}" in page.inner_text(".cs-messages")
    page.screenshot(path=str(shots / "detail-clerk.png"), full_page=True)

    page.goto(origin + "/desk/applications/")
    page.wait_for_selector("[data-applications]")
    assert number in page.inner_text("[data-applications]")
    page.screenshot(path=str(shots / "list-clerk.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport=DESK, locale="zh-CN")
    watch2 = Watch(context, origin)
    page = context.new_page()
    _login(page, origin, "township_officer")
    page.goto(origin + "/desk/applications/")
    page.wait_for_selector("[data-applications]")
    assert "张桂兰" not in page.inner_text("[data-applications]")  # masked for the township
    page.screenshot(path=str(shots / "list-township.png"), full_page=True)
    page.goto(origin + f"/desk/applications/{app.pk}/")
    page.click("[data-action=accept] button[type=submit]")
    page.wait_for_selector("[data-status=accepted]")
    page.screenshot(path=str(shots / "detail-township-accepted.png"), full_page=True)
    assert Application._base_manager.get(pk=app.pk).status == Status.ACCEPTED
    for w in (watch, watch2):
        assert w.foreign() == []
        assert w.csp_violations() == []
    context.close()
