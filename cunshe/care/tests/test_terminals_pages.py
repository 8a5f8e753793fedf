"""The terminal register's pages: list, register (secret shown once), detail, edit,
deactivate, reset secret; refusals for the outsider and for roles without care.terminals."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cunshe.care import ingest
from cunshe.care.models import Terminal
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import message
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("care:terminals")
NEW = reverse("care:terminal_new")


def _form(person, **extra):  # type: ignore[no-untyped-def]
    return {
        "serial": "860000000000009",
        "person": person.pk,
        "model_name": "XY-1",
        "callback_phone": "13900001111",
        "checkin_start": "06:30",
        "checkin_end": "09:30",
        **extra,
    }


def test_the_list_shows_state_battery_and_last_checkin(client_as, terminal):
    ingest.ingest_batch([message(kind="checkin", battery=12)], "http")
    r = client_as("clerk_a").get(LIST)
    assert r.status_code == 200
    html = r.content.decode()
    assert "T-0001" in html and "王桂芝" in html
    assert "在线" in html and "12%" in html
    assert AuditEvent.objects.filter(action="care.terminals.viewed").exists()


def test_the_list_costs_the_same_queries_for_few_or_many(client_as, family, make_terminal):
    clerk = client_as("clerk_a")
    make_terminal(family.grandmother, serial="T-0001")
    clerk.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        clerk.get(LIST)
    few = len(ctx.captured_queries)
    for i in range(2, 15):
        make_terminal(family.grandfather, serial=f"T-{i:04d}")
    with CaptureQueriesContext(connection) as ctx:
        r = clerk.get(LIST)
    assert r.content.decode().count("data-serial=") == 14
    assert len(ctx.captured_queries) == few
    # session, user and role, the audit event (PostgreSQL adds the chain's advisory lock), and
    # the list itself: nothing per row
    assert few == 12 + (connection.vendor == "postgresql")


def test_registering_shows_the_secret_once(client_as, family, make_profile):
    make_profile(family.grandmother, "elderly")
    clerk = client_as("clerk_a")
    form_page = clerk.get(NEW)
    assert "王桂芝" in form_page.content.decode()  # open profiles are offered
    r = clerk.post(NEW, _form(family.grandmother))
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    t = Terminal._base_manager.get(serial="860000000000009")
    assert t.secret in r.content.decode()
    assert (t.checkin_start.isoformat(), t.checkin_end.isoformat()) == ("06:30:00", "09:30:00")
    detail = clerk.get(reverse("care:terminal", args=[t.pk])).content.decode()
    assert t.secret not in detail


def test_a_person_without_a_profile_can_be_chosen_by_link(client_as, family):
    clerk = client_as("clerk_a")
    page = clerk.get(NEW, {"person": family.grandfather.pk}).content.decode()
    assert "张大山" in page
    r = clerk.post(f"{NEW}?person={family.grandfather.pk}", _form(family.grandfather))
    assert r.status_code == 200
    assert Terminal._base_manager.filter(person=family.grandfather).exists()


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        ({"serial": "x"}, "序列号"),
        ({"callback_phone": "abc"}, "电话"),
        ({"checkin_start": "10:00", "checkin_end": "08:00"}, "签到截止时间须晚于开始时间"),
    ],
)
def test_bad_registrations_show_the_reason_and_change_nothing(
    client_as, family, make_profile, extra, text
):
    make_profile(family.grandmother, "elderly")
    r = client_as("clerk_a").post(NEW, _form(family.grandmother, **extra))
    assert r.status_code == 400
    assert text in r.content.decode()
    assert not Terminal._base_manager.exists()


def test_editing_changes_the_window_and_refuses_a_stale_form(client_as, family, terminal):
    clerk = client_as("clerk_a")
    url = reverse("care:terminal_edit", args=[terminal.pk])
    data = _form(family.grandmother, version=1, checkin_start="07:00", checkin_end="11:00")
    data.pop("serial")
    r = clerk.post(url, data)
    assert r.status_code == 302
    t = Terminal._base_manager.get(pk=terminal.pk)
    assert t.checkin_end.isoformat() == "11:00:00" and t.version == 2
    stale = clerk.post(url, {**data, "model_name": "Other"})
    assert stale.status_code == 400
    assert "已被他人修改" in stale.content.decode()
    assert Terminal._base_manager.get(pk=terminal.pk).model_name == "XY-1"


def test_deactivating_needs_a_reason(client_as, terminal):
    clerk = client_as("clerk_a")
    url = reverse("care:terminal", args=[terminal.pk])
    r = clerk.post(url, {"action": "deactivate", "reason": ""})
    assert r.status_code == 400
    assert Terminal._base_manager.get(pk=terminal.pk).active
    r = clerk.post(url, {"action": "deactivate", "reason": "设备丢失"})
    assert r.status_code == 302
    assert not Terminal._base_manager.get(pk=terminal.pk).active
    assert AuditEvent.objects.filter(action="care.terminal.deactivated").exists()
    clerk.post(url, {"action": "reactivate"})
    assert Terminal._base_manager.get(pk=terminal.pk).active


def test_resetting_the_secret_shows_the_new_one_once(client_as, terminal):
    r = client_as("clerk_a").post(
        reverse("care:terminal", args=[terminal.pk]), {"action": "reset_secret"}
    )
    new = Terminal._base_manager.get(pk=terminal.pk).secret
    assert new != "s3cret"
    assert re.search(new, r.content.decode())
    assert "no-store" in r["Cache-Control"]


def test_the_detail_lists_events_and_bad_signatures(client_as, terminal):
    ingest.ingest_batch([message(kind="sos"), message(secret="forged")], "http")
    html = client_as("clerk_a").get(reverse("care:terminal", args=[terminal.pk])).content.decode()
    assert "一键呼救" in html
    assert re.search(r"data-bad-signatures>1\b", html)


def test_refusals(client, client_as, terminal):
    detail = reverse("care:terminal", args=[terminal.pk])
    edit = reverse("care:terminal_edit", args=[terminal.pk])
    outsider = client_as("outsider")
    assert outsider.get(detail).status_code == 404
    assert outsider.get(edit).status_code == 404
    assert outsider.post(detail, {"action": "reset_secret"}).status_code == 404
    assert "T-0001" not in outsider.get(LIST).content.decode()
    township = client_as("township_officer")
    assert township.get(LIST).status_code == 403
    assert township.get(detail).status_code == 403
    assert client_as("villager").get(NEW).status_code == 403
    assert client.get(LIST).status_code == 302  # to sign-in
    assert Terminal._base_manager.get(pk=terminal.pk).secret == "s3cret"


def test_reactivation_is_refused_when_the_wearer_has_died(client_as, terminal):
    from datetime import date

    from cunshe.residents.models import Person

    clerk = client_as("clerk_a")
    url = reverse("care:terminal", args=[terminal.pk])
    clerk.post(url, {"action": "deactivate", "reason": "本人去世"})
    Person._base_manager.filter(pk=terminal.person_id).update(died_on=date(2026, 1, 2))
    r = clerk.post(url, {"action": "reactivate"})
    assert r.status_code == 400
    assert "已登记死亡" in r.content.decode()
    assert not Terminal._base_manager.get(pk=terminal.pk).active
