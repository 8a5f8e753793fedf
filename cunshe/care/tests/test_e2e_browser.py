"""The issue's "How it will be checked", end to end in a real browser, with the real local
Mosquitto: a clerk records a father leaving for work on the register page; his child (the mother
already works away) appears on /care/candidates/ and is confirmed; forty days pass without a
visit and the child is overdue on /care/visits/; the child's call terminal publishes a signed SOS
to the broker, the consumer (in-process) ingests it, the alert appears on the live board and
climbs its ladder as the job runs; the clerk acknowledges it; an outsider and a county justice
officer see nothing of it. Screenshots at each step: var/screenshots/care_e2e_*.png."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from cunshe.care.jobs.alerts import climb
from cunshe.care.models import Alert, AlertStep, CareProfile, TerminalEvent
from cunshe.care.services import profiles as profile_services
from cunshe.care.services.profiles import ContactIn
from cunshe.care.services.visits import plan_refresh
from cunshe.care.tests.mqtt_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.privacy_fixtures import *  # noqa: F403 (fixtures: readers)
from cunshe.care.tests.terminals_fixtures import message, raw
from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.browser import Watch, screenshots_dir
from cunshe.core.testing.cast import PASSWORD
from cunshe.residents import services as register_services

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
SERIAL = "E2E-CHILD-0001"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots_dir() / f"care_e2e_{name}.png"), full_page=True)


def _login(browser, server, username: str, password: str = PASSWORD, viewport=PHONE):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, watch, page


def _family(cast, clerk_j, register):  # type: ignore[no-untyped-def]
    """刘强 (head, at home), 陈芳 (his wife, away for work since June 2025), 刘小雨 (their
    daughter, 9) and 马秀珍 (his mother) in household A-001."""
    father = register("刘强", date(1986, 8, 8), "M", "02", seq=31, marital_status="20")
    mother = register("陈芳", date(1989, 2, 14), "F", "10", seq=32, marital_status="20")
    child = register("刘小雨", date(2017, 4, 1), "F", "30", seq=33)
    grandmother = register("马秀珍", date(1958, 9, 9), "F", "52", seq=34, marital_status="20")
    register_services.event_record(
        actor=cast.clerk_a, jurisdiction=clerk_j, person=mother, kind="leave_work",
        occurred_on=date(2025, 6, 1), destination="天津市",
    )  # fmt: skip
    return father, mother, child, grandmother


def test_the_issue_walk_from_register_to_acknowledged_sos(  # type: ignore[no-untyped-def]
    browser,
    server,
    broker,
    cast,
    clerk_j,
    register,
    readers,
    make_terminal,
    settings,
):
    settings.REQUIRE_STAFF_2FA = False
    father, _mother, child, _grandmother = _family(cast, clerk_j, register)
    with system_scope("test"):
        assert not CareProfile.objects.filter(person=child).exists()

    # 1. The clerk records the father leaving for work on his register page (a phone).
    context, watch, page = _login(browser, server, "clerk_a")
    page.goto(server + f"/residents/persons/{father.pk}/")
    form = page.locator("form[data-event-form]")
    form.locator("select[name=kind]").select_option("leave_work")
    form.locator("input[name=occurred_on]").fill(timezone.localdate().isoformat())
    form.locator("input[name=destination]").fill("长春市")
    _shot(page, "1_register_leave")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("text=已记录").count() >= 1

    # 2. The child appears as a candidate with the reason in words; the clerk confirms it.
    page.goto(server + "/care/candidates/")
    with system_scope("test"):
        profile = CareProfile.objects.get(person=child, kind="child")
    assert profile.status == "candidate"
    card = page.locator(f"#candidate-{profile.pk}")
    assert card.locator("text=刘小雨").count() == 1
    assert card.locator("text=母亲2025-06起在外务工").count() == 1
    _shot(page, "2_candidate")
    card.locator("select").select_option("priority")
    card.locator("button.btn-success").click()
    page.wait_for_load_state("networkidle")
    with system_scope("test"):
        profile.refresh_from_db()
    assert profile.status == "active" and profile.risk_level == "priority"
    assert profile.next_visit_due > timezone.now() + timedelta(days=29)

    # 3. Forty days pass without a visit (the profile's clock moved back): overdue.
    with system_scope("test"):
        CareProfile._base_manager.filter(pk=profile.pk).update(
            status_changed_at=profile.status_changed_at - timedelta(days=40)
        )
        profile.refresh_from_db()
        plan_refresh(profile)
    assert profile.next_visit_due < timezone.now()
    page.goto(server + "/care/visits/")
    assert page.locator("text=刘小雨").count() >= 1
    _shot(page, "3_overdue")

    # The family and the carer the ladder tells, and the child's call terminal.
    profile_services.profile_set_contacts(
        actor=cast.clerk_a, jurisdiction=clerk_j, profile=profile, expected_version=None,
        contacts=[ContactIn("陈芳", "母亲", "13900005555", True)],
    )  # fmt: skip
    profile_services.carer_assign(
        actor=cast.clerk_a, jurisdiction=clerk_j, profile=profile, expected_version=None,
        carer_type="cadre", user=cast.clerk_a,
    )  # fmt: skip
    make_terminal(child, serial=SERIAL, callback_phone="13900006666")

    # 4. An SOS published to the broker, ingested by the consumer in this process.
    consumer = broker.consumer("e2e")
    consumer.connect()
    assert consumer.subscribed.wait(5)
    broker.publish(SERIAL, raw(message(SERIAL, "sos", event_id="e2e-sos-1")))
    totals = consumer.run(threading.Event(), until=lambda t: t.received >= 1, timeout=10)
    assert totals.outcomes == {"accepted": 1}
    with system_scope("test"):
        assert TerminalEvent.objects.filter(terminal__serial=SERIAL, kind="sos").count() == 1
        alert = Alert.objects.get(terminal__serial=SERIAL)
    assert alert.status == "open" and alert.step == 1 and alert.profile_id == profile.pk

    board_ctx, board_watch, board = _login(browser, server, "clerk_a", viewport=DESK)
    board.goto(server + "/care/board/")
    row = board.locator("tr:has-text('刘小雨')")
    assert row.count() == 1 and row.locator("text=家属").count() >= 1
    _shot(board, "4_board_family")

    # 5. The ladder job runs: five minutes on, the carer; ten minutes on, the village leader.
    # (The SOS is moved eleven minutes into the past, so the job runs at times that have
    # passed and the acknowledgement below comes after the rungs, as it would.)
    back = timedelta(minutes=11)
    with system_scope("test"):
        Alert._base_manager.filter(pk=alert.pk).update(
            opened_at=F("opened_at") - back, step_due_at=F("step_due_at") - back
        )
        AlertStep.objects.filter(alert=alert).update(at=F("at") - back, due_at=F("due_at") - back)
        alert.refresh_from_db()
    rungs = []
    for label in ("关爱人员", "村两委"):
        climb(now=alert.step_due_at + timedelta(seconds=1))  # the job, when the rung is due
        assert alert.step_due_at < timezone.now()
        with system_scope("test"):
            alert.refresh_from_db()
        rungs.append(alert.step)
        board.reload()
        board.wait_for_load_state("networkidle")
        assert board.locator("tr:has-text('刘小雨')").locator(f"text={label}").count() >= 1
        _shot(board, f"5_board_step{alert.step}")
    assert rungs == [2, 3]
    with system_scope("test"):
        assert sorted(alert.steps.values_list("rung", flat=True)) == sorted(
            ["family", "carer", "leader"]
        )

    # 6. The clerk acknowledges it on the alert page (a phone): the ladder stops.
    page.goto(server + f"/care/alerts/{alert.pk}/")
    _shot(page, "6_alert_open")
    page.locator("form[data-ack-form] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    with system_scope("test"):
        alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by_id == cast.clerk_a.pk
    _shot(page, "6_alert_acknowledged")
    climb(now=alert.opened_at + timedelta(minutes=30))
    with system_scope("test"):
        alert.refresh_from_db()
    assert alert.step == 3  # no rung told after the acknowledgement
    for w in (watch, board_watch):
        assert w.foreign() == [] and w.csp_violations() == []
    context.close()
    board_ctx.close()

    # 7. An outsider and a county justice officer see nothing of it.
    out_ctx, _w, out = _login(browser, server, "outsider", viewport=DESK)
    out.goto(server + "/care/board/")
    assert "刘小雨" not in out.content()
    _shot(out, "7_outsider_board")
    response = out.goto(server + f"/care/alerts/{alert.pk}/")
    assert response.status == 404 and "刘小雨" not in out.content()
    response = out.goto(server + f"/care/profiles/{profile.pk}/")
    assert response.status == 404
    out_ctx.close()
    readers["county_justice"].set_password(PASSWORD)
    readers["county_justice"].save()
    sifa_ctx, _w, sifa = _login(browser, server, "county_justice", viewport=DESK)
    for url in ("/care/board/", f"/care/alerts/{alert.pk}/", "/care/", "/care/stats/"):
        response = sifa.goto(server + url)
        assert response.status == 403, url
        assert "刘小雨" not in sifa.content()
    _shot(sifa, "8_justice_refused")
    sifa_ctx.close()
    consumer.close()
