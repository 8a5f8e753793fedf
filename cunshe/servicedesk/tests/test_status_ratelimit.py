"""Failed status lookups are limited per client address and per receipt number, so the 10 000
possible last-four digits cannot be tried; lockouts are audited; a locked lookup is not even
checked (a right guess then looks exactly like a wrong one)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from cunshe.core.models import AuditEvent

# The fixtures (accepted, submitted, person, item, fresh_cache) come with this import.
from cunshe.servicedesk.tests.status_fixtures import *  # noqa: F403
from cunshe.servicedesk.tests.status_fixtures import PHONE
from cunshe.servicedesk.views import status as status_view

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]
URL = "/desk/status/"
MISMATCH = "编号或手机号后四位不正确"
LOCKED = "查询失败次数太多"
RIGHT = PHONE[-4:]


def look_up(number: str, last4: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return Client(REMOTE_ADDR=ip).post(URL, {"number": number, "last4": last4})


def wrong_digits():  # type: ignore[no-untyped-def]
    return (f"{i:04d}" for i in range(10_000) if f"{i:04d}" != RIGHT)


def locks(scope: str) -> list[AuditEvent]:
    return [
        e
        for e in AuditEvent.objects.filter(action="servicedesk.status.locked")
        if e.detail["scope"] == scope
    ]


def test_the_default_limits():
    assert status_view.LIMITS == {
        "ip": ((15 * 60, 10),),
        "number": ((15 * 60, 10), (24 * 3600, 30)),
    }


def test_one_address_gets_ten_tries_then_even_the_right_digits_are_refused(accepted):
    digits = wrong_digits()
    for _ in range(10):
        response = look_up(accepted.number, next(digits))
        assert response.status_code == 200 and MISMATCH in response.content.decode()
    response = look_up(accepted.number, RIGHT)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "最低生活保障申请" not in html
    [event] = AuditEvent.objects.filter(action="servicedesk.status.locked").order_by("id")[:1]
    assert event.outcome == AuditEvent.Outcome.DENIED
    assert event.ip == "10.0.0.1"
    assert RIGHT not in str(event.detail) and PHONE not in str(event.detail)


def test_the_lock_is_per_address_for_other_numbers(accepted):
    digits = wrong_digits()
    for _ in range(10):
        look_up("ABCDEFGHJKMN", next(digits), ip="10.0.0.9")
    assert look_up(accepted.number, RIGHT, ip="10.0.0.9").status_code == 429
    ok = look_up(accepted.number, RIGHT, ip="10.0.0.10")
    assert ok.status_code == 200 and "最低生活保障申请" in ok.content.decode()
    assert len(locks("ip")) == 1
    assert [e.detail["receipt"] for e in locks("number")] == ["ABCDEFGHJKMN"]


def test_guesses_spread_over_many_addresses_lock_the_number(accepted):
    digits = wrong_digits()
    for i in range(10):
        assert look_up(accepted.number, next(digits), ip=f"10.1.0.{i}").status_code == 200
    # A fresh address, the right digits: refused, because this number is under attack.
    assert look_up(accepted.number, RIGHT, ip="10.2.0.1").status_code == 429
    [event] = locks("number")
    assert event.detail == {"scope": "number", "window_minutes": 15, "failures": 10,
                            "receipt": accepted.number}  # fmt: skip
    assert not locks("ip")


@override_settings(
    SERVICEDESK_STATUS_LIMITS={"ip": ((900, 1000),), "number": ((900, 1000), (86400, 3))}
)
def test_the_day_cap_per_number_holds_when_the_short_window_would_not(accepted):
    digits = wrong_digits()
    for i in range(3):
        look_up(accepted.number, next(digits), ip=f"10.3.0.{i}")
    assert look_up(accepted.number, RIGHT, ip="10.4.0.1").status_code == 429
    assert [e.detail["window_minutes"] for e in locks("number")] == [1440]


@override_settings(SERVICEDESK_STATUS_LIMITS={"ip": ((900, 3),), "number": ((900, 3),)})
def test_refused_tries_are_not_counted_and_locks_are_audited_once(accepted):
    digits = wrong_digits()
    for _ in range(3):
        look_up(accepted.number, next(digits))
    for _ in range(5):
        assert look_up(accepted.number, next(digits)).status_code == 429
    assert len(locks("ip")) == 1 and len(locks("number")) == 1


@override_settings(SERVICEDESK_STATUS_LIMITS={"ip": ((900, 2),), "number": ((900, 2),)})
def test_malformed_input_and_successes_do_not_count(accepted):
    for _ in range(5):
        look_up(accepted.number, "12a4")
        assert MISMATCH in look_up("SHORT", RIGHT).content.decode()  # cannot be anybody's
        assert MISMATCH in look_up(accepted.number + "X", RIGHT).content.decode()
        assert look_up(accepted.number, RIGHT).status_code == 200
    assert not AuditEvent.objects.filter(action="servicedesk.status.locked").exists()


def test_the_window_passes(accepted, fresh_cache):
    digits = wrong_digits()
    for _ in range(10):
        look_up(accepted.number, next(digits))
    assert look_up(accepted.number, RIGHT).status_code == 429
    fresh_cache.clear()  # what the cache does when the 15 minutes are over
    assert look_up(accepted.number, RIGHT).status_code == 200
