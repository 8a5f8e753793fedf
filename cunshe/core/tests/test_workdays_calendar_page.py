"""The holiday calendar page /core/calendar/: the system administrator sees a year of month
grids and changes a day (audited, used by every deadline at once); everyone else gets 403, an
anonymous visitor the sign-in page; bad input shows a message and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.core.calendar_seed import seed_calendar
from cunshe.core.calendar_services import calendar_day_set
from cunshe.core.models import AuditEvent, CalendarDay
from cunshe.core.workdays import add_working_days

pytestmark = pytest.mark.django_db

URL = "/core/calendar/"
D = date.fromisoformat


@pytest.fixture
def seeded():  # type: ignore[no-untyped-def]
    return seed_calendar(2024, 2025)


def _state() -> list[tuple]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "is_workday", "name"))


def _changed() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="core.calendar.changed").order_by("id"))


def test_url_name():
    assert reverse("core:calendar") == URL


def test_anonymous_is_sent_to_sign_in():
    for response in (Client().get(URL), Client().post(URL, {"date": "2024-10-14"})):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "who", ["township_officer", "clerk_a", "county_civil", "security_admin", "audit_admin",
            "outsider", "villager"],
)  # fmt: skip
def test_everyone_but_the_system_admin_is_refused(client_as, seeded, who):
    before = _state()
    c = client_as(who)
    assert c.get(URL).status_code == 403
    post = c.post(URL, {"date": "2024-10-14", "status": "holiday", "name": "x"})
    assert post.status_code == 403
    assert _state() == before
    assert AuditEvent.objects.filter(
        action="core.permission.denied", actor_username=who, detail__permission="core.calendar_edit"
    ).exists()


def test_year_view_shows_holidays_and_adjusted_days(client_as, seeded):
    response = client_as("system_admin").get(URL, {"year": "2024"})
    assert response.status_code == 200
    assert response.context["year"] == 2024
    assert response.context["working_days"] == 251
    months = response.context["months"]
    assert [m.number for m in months] == list(range(1, 13))
    cells = {c.day: c for m in months for w in m.weeks for c in w if c is not None}
    assert len(cells) == 366
    assert cells[D("2024-10-01")].kind == "holiday"
    assert cells[D("2024-10-01")].name == "国庆节"
    assert cells[D("2024-10-05")].kind == "break"  # a Saturday inside the National Day week
    assert cells[D("2024-10-12")].kind == "adjusted"
    assert cells[D("2024-10-08")].kind == "workday"
    assert cells[D("2024-10-19")].kind == "weekend"
    # a weekend right after a Saturday worked is an ordinary weekend, not part of a break
    assert cells[D("2024-09-28")].kind == "weekend"
    body = response.content.decode()
    assert 'class="cs-cal-holiday"' in body
    assert 'class="cs-cal-adjusted"' in body
    assert "core/calendar.css" in body
    assert "国庆节" in body and "调休上班" in body
    assert " style=" not in body.split("<main", 1)[-1]


def test_break_across_the_year_end_is_drawn_whole(client_as, seeded):
    # 2024-12-30/31 are ordinary working days; 2025-01-01 (Wednesday) alone is off.
    response = client_as("system_admin").get(URL, {"year": "2025"})
    cells = {c.day: c for m in response.context["months"] for w in m.weeks for c in w if c}
    assert cells[D("2025-01-01")].kind == "holiday"
    assert response.context["working_days"] == 248


def test_bad_year_falls_back_to_this_year(client_as):
    from django.utils import timezone

    for raw in ("abc", "99999", "1800", ""):
        response = client_as("system_admin").get(URL, {"year": raw})
        assert response.status_code == 200
        assert response.context["year"] == timezone.localdate().year


def test_year_the_package_does_not_know_says_so(client_as):
    body = client_as("system_admin").get(URL, {"year": "2031"}).content.decode()
    assert "软件包尚未收录本年度的放假安排" in body


def test_clicking_a_day_fills_the_form(client_as, seeded):
    response = client_as("system_admin").get(URL, {"year": "2024", "date": "2024-10-12"})
    form = response.context["form"]
    assert form.initial == {"date": D("2024-10-12"), "name": "调休上班", "status": "workday"}


def test_system_admin_sets_a_holiday_audited_and_used_at_once(client_as, seeded):
    assert add_working_days(D("2024-10-11"), 1) == D("2024-10-12")
    c = client_as("system_admin")
    response = c.post(URL, {"date": "2024-10-14", "status": "holiday", "name": "地方节日"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?year=2024#m10"
    row = CalendarDay.objects.get(date=D("2024-10-14"))
    assert (row.is_workday, row.name, row.source) == (False, "地方节日", "admin")
    assert row.updated_by.username == "system_admin"
    [event] = _changed()
    assert event.actor_username == "system_admin"
    assert event.detail == {
        "date": "2024-10-14",
        "status": "holiday",
        "is_workday": False,
        "was_workday": True,
        "name": "地方节日",
    }
    assert event.object_id == "2024-10-14"
    # the deadline calculation sees it with no cache to clear
    assert add_working_days(D("2024-10-12"), 1) == D("2024-10-15")
    page = c.get(response["Location"])
    assert "已将 2024-10-14 设为" in page.content.decode()
    cells = {d.day: d for m in page.context["months"] for w in m.weeks for d in w if d}
    assert cells[D("2024-10-14")].kind == "holiday"
    assert cells[D("2024-10-14")].admin


def test_system_admin_makes_a_saturday_a_working_day_and_back(client_as, seeded):
    c = client_as("system_admin")
    saturday = D("2024-11-09")
    assert add_working_days(D("2024-11-08"), 1) == D("2024-11-11")
    c.post(URL, {"date": "2024-11-09", "status": "workday", "name": "调休上班"})
    assert add_working_days(D("2024-11-08"), 1) == saturday
    c.post(URL, {"date": "2024-11-09", "status": "default", "name": ""})
    assert not CalendarDay.objects.filter(date=saturday).exists()  # the package lists nothing
    assert add_working_days(D("2024-11-08"), 1) == D("2024-11-11")
    assert [e.detail["status"] for e in _changed()] == ["workday", "default"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2024-13-45", "status": "holiday", "name": "x"}, "date", ""),
        ({"date": "", "status": "holiday", "name": "x"}, "date", ""),
        ({"date": "1899-01-02", "status": "holiday", "name": "x"}, "date", "2000"),
        ({"date": "2024-10-14", "status": "maybe", "name": "x"}, "status", ""),
        ({"date": "2024-10-14", "status": "holiday", "name": ""}, "name", "请填写名称"),
        ({"date": "2024-10-14", "status": "holiday", "name": "长" * 61}, "name", ""),
        # no-op changes
        ({"date": "2024-10-14", "status": "workday", "name": ""}, "status", "本来就是工作日"),
        ({"date": "2024-10-19", "status": "holiday", "name": "x"}, "status", "本来就是休息日"),
        ({"date": "2024-10-14", "status": "default", "name": ""}, "status", "没有可恢复的改动"),
        ({"date": "2024-10-01", "status": "holiday", "name": "国庆节"}, "status", "没有变化"),
    ],
)
def test_bad_input_shows_a_message_and_changes_nothing(client_as, seeded, data, field, message):
    before = _state()
    response = client_as("system_admin").post(URL, data)
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field) or form.errors.get("__all__") or []
    assert errors, form.errors
    assert message in " ".join(errors)
    assert _state() == before
    assert _changed() == []


def test_renaming_a_day_is_a_change(client_as, seeded):
    response = client_as("system_admin").post(
        URL, {"date": "2024-10-01", "status": "holiday", "name": "国庆节（七十五周年）"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=D("2024-10-01")).source == "admin"


def test_service_refuses_without_the_permission(cast, seeded):
    from django.core.exceptions import PermissionDenied

    j = cast.township_officer.assignments.get().jurisdiction()
    with pytest.raises(PermissionDenied):
        calendar_day_set(
            actor=cast.township_officer, jurisdiction=j, date=D("2024-10-14"), is_workday=False,
            name="x",
        )  # fmt: skip
    assert not CalendarDay.objects.filter(date=D("2024-10-14")).exists()


def test_write_methods_other_than_post_are_refused(client_as):
    c = client_as("system_admin")
    for method in ("put", "patch", "delete"):
        assert getattr(c, method)(URL).status_code == 405


def test_query_count_is_constant(client_as, cast, seeded, django_assert_num_queries):
    c = client_as("system_admin")
    c.get(URL, {"year": "2024"})  # warm the session
    j = cast.system_admin.assignments.get().jurisdiction()
    for day in ("2024-03-04", "2024-03-05", "2024-03-06"):  # rows edited by an administrator
        calendar_day_set(
            actor=cast.system_admin, jurisdiction=j, date=D(day), is_workday=False, name="x"
        )
    # session, user, OTP device, assignments; the year's calendar rows with who edited them;
    # the session save (savepoint, update, release)
    with django_assert_num_queries(8):
        response = c.get(URL, {"year": "2024"})
    assert len(response.context["exceptions"]) == 27 + 3
    assert "system_admin" in response.content.decode()


def test_a_concurrent_twin_is_refused_with_a_message(client_as, cast, monkeypatch):
    """Two administrators create the same day at once: the second sees a message."""
    from django.core.exceptions import ValidationError

    j = cast.system_admin.assignments.get().jurisdiction()
    CalendarDay.objects.create(date=D("2024-10-14"), is_workday=False, name="甲", source="admin")
    # The row appears after this call read the date (as if committed by the other request).
    monkeypatch.setattr(
        CalendarDay.objects, "select_for_update", lambda: CalendarDay.objects.none()
    )
    with pytest.raises(ValidationError) as refused:
        calendar_day_set(
            actor=cast.system_admin, jurisdiction=j, date=D("2024-10-14"), is_workday=False,
            name="乙",
        )  # fmt: skip
    assert "其他管理员" in str(refused.value)
    assert CalendarDay.objects.get(date=D("2024-10-14")).name == "甲"
    assert _changed() == []
