"""The public status page /desk/status/: no sign-in, receipt number + the phone's last four
digits by POST, what it shows (and never shows), one message for every kind of mismatch."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.tests.factories import act

# The fixtures (accepted, submitted, person, item, fresh_cache) come with this import.
from cunshe.servicedesk.tests.status_fixtures import *  # noqa: F403
from cunshe.servicedesk.tests.status_fixtures import PHONE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]
URL = "/desk/status/"
MISMATCH = "编号或手机号后四位不正确"


def look_up(client: Client, number: str, last4: str, **extra):  # type: ignore[no-untyped-def]
    return client.post(URL, {"number": number, "last4": last4}, **extra)


def test_the_url_name():
    assert reverse("servicedesk:status") == URL


def test_anyone_can_open_the_form_without_signing_in():
    response = Client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html and 'name="number"' in html and 'name="last4"' in html
    assert 'inputmode="numeric"' in html
    assert response["Referrer-Policy"] == "same-origin"  # ?n= never goes to another site
    assert "no-store" in response["Cache-Control"]


def test_the_qr_link_fills_in_the_number_and_nothing_else(accepted):
    html = Client().get(URL, {"n": accepted.number.lower()}).content.decode()
    assert f'value="{accepted.number}"' in html
    junk = Client().get(URL, {"n": '"><script>x</script>'}).content.decode()
    assert "<script>x" not in junk and "&lt;script&gt;" not in junk


def test_a_match_shows_item_status_due_date_and_timeline_but_nobody(accepted, person):
    response = look_up(Client(), accepted.number, PHONE[-4:])
    assert response.status_code == 200
    html = response.content.decode()
    assert "最低生活保障申请" in html
    assert "已受理" in html and "已提交" in html  # current status and the timeline
    assert "闵家镇已受理" in html  # the plain-language text of the acceptance
    due = accepted.due_on
    assert f"{due.year}年{due.month}月{due.day}日" in html
    assert MISMATCH not in html
    for secret in (person.name, person.id_number, PHONE, PHONE[-4:], "township_officer",
                   "clerk_a", person.id_number[-4:]):  # fmt: skip
        assert secret not in html, secret


def test_the_number_is_forgiving_about_case_spaces_and_dashes(accepted):
    n = accepted.number.lower()
    spaced = f" {n[:4]}-{n[4:8]} {n[8:]} "
    assert "最低生活保障申请" in look_up(Client(), spaced, PHONE[-4:]).content.decode()


@pytest.mark.parametrize("wrong", ["last4", "number", "both", "unknown_number"], ids=lambda w: w)
def test_every_mismatch_gets_the_same_message(accepted, wrong):
    number, last4 = accepted.number, PHONE[-4:]
    if wrong in ("last4", "both"):
        last4 = "0000"
    if wrong in ("number", "both"):
        number = ("Z" if number[0] != "Z" else "Y") + number[1:]
    if wrong == "unknown_number":
        number = "ABCDEFGHJKMN"
    response = look_up(Client(), number, last4)
    assert response.status_code == 200
    html = response.content.decode()
    assert MISMATCH in html
    assert "最低生活保障申请" not in html and "已受理" not in html
    assert 'value="0000"' not in html and f'value="{PHONE[-4:]}"' not in html  # not echoed


def test_malformed_digits_are_a_field_error_not_a_lookup(accepted):
    html = look_up(Client(), accepted.number, "12a4").content.decode()
    assert "请输入4位数字。" in html and MISMATCH not in html


def test_a_returned_matter_says_material_is_awaited_and_shows_no_due_date(cast, accepted):
    act(cast, accepted, "return", by="township_officer", reason="缺少收入证明")
    html = look_up(Client(), accepted.number, PHONE[-4:]).content.decode()
    assert "待补正" in html and "补齐前办理时限暂停" in html
    assert "本环节期限" not in html


def test_lookups_never_put_the_digits_in_a_url(accepted):
    response = look_up(Client(), accepted.number, PHONE[-4:])
    assert response.request["QUERY_STRING"] == ""
    html = response.content.decode()
    assert f"last4={PHONE[-4:]}" not in html and "?n=" not in html


def test_a_successful_lookup_takes_two_queries(accepted, django_assert_num_queries):
    client = Client()
    client.get(URL)
    # The application with its item and applicant, then its timeline (the texts are stored
    # with the events). No session is read or written for an anonymous visitor.
    with django_assert_num_queries(2):
        response = look_up(client, accepted.number, PHONE[-4:])
    assert "最低生活保障申请" in response.content.decode()


def test_signed_in_people_see_the_same_page(client_as, accepted):
    html = look_up(client_as("outsider"), accepted.number, PHONE[-4:]).content.decode()
    assert "最低生活保障申请" in html and "张桂兰" not in html
    assert not AuditEvent.objects.filter(action="servicedesk.status.locked").exists()
