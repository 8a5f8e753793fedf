"""Working days against the published 2024–2026 holiday arrangements (国务院办公厅通知), after
seeding the calendar from chinese-calendar: public holidays, adjusted working weekends (调休),
n = 0, the edges of working_days_between and a break across the year end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cunshe.core.calendar_seed import seed_calendar
from cunshe.core.models import CalendarDay
from cunshe.core.workdays import add_working_days, is_workday, working_days_between

pytestmark = pytest.mark.django_db

D = date.fromisoformat


@pytest.fixture
def seeded():  # type: ignore[no-untyped-def]
    return seed_calendar(2023, 2026)


def test_without_a_calendar_only_weekends_are_off():
    assert is_workday(D("2024-10-01"))  # a Tuesday; nothing seeded
    assert not is_workday(D("2024-09-29"))  # a Sunday
    assert add_working_days(D("2024-09-27"), 1) == D("2024-09-30")


def test_national_day_2024(seeded):
    for day in range(1, 8):
        assert not is_workday(date(2024, 10, day)), f"2024-10-0{day}"
    assert is_workday(D("2024-09-29"))  # Sunday worked for 国庆节
    assert is_workday(D("2024-10-12"))  # Saturday worked for 国庆节
    assert is_workday(D("2024-10-08"))
    assert not is_workday(D("2024-10-13"))  # an ordinary Sunday


def test_seeded_names_are_chinese(seeded):
    names = dict(
        CalendarDay.objects.filter(
            date__in=[D("2024-10-01"), D("2024-09-29"), D("2025-01-28")]
        ).values_list("date", "name")
    )
    assert names == {
        D("2024-10-01"): "国庆节",
        D("2024-09-29"): "调休上班",
        D("2025-01-28"): "春节",
    }
    assert set(CalendarDay.objects.filter(is_workday=False).values_list("name", flat=True)) == {
        "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节",
    }  # fmt: skip


def test_spring_festival_2025(seeded):
    assert is_workday(D("2025-01-26"))  # Sunday worked for 春节
    assert is_workday(D("2025-02-08"))  # Saturday worked for 春节
    for day in (D("2025-01-28") + timedelta(days=i) for i in range(8)):  # 01-28 .. 02-04
        assert not is_workday(day), day
    assert is_workday(D("2025-02-05"))


def test_friday_plus_one_working_day_is_the_adjusted_sunday(seeded):
    assert add_working_days(D("2024-09-27"), 1) == D("2024-09-29")
    assert add_working_days(D("2024-09-27"), 2) == D("2024-09-30")
    # 09-29, 09-30, then the National Day week is skipped: 10-08 is the third.
    assert add_working_days(D("2024-09-27"), 3) == D("2024-10-08")


def test_ten_working_days_across_national_day(seeded):
    # 09-30 (1), 10-08..10-12 (2..6, 10-12 a Saturday worked), 10-14..10-17 (7..10)
    assert add_working_days(D("2024-09-29"), 10) == D("2024-10-17")


def test_n_zero_is_the_first_working_day_on_or_after_start(seeded):
    assert add_working_days(D("2024-10-08"), 0) == D("2024-10-08")  # a working Tuesday
    assert add_working_days(D("2024-10-01"), 0) == D("2024-10-08")  # inside the holiday
    assert add_working_days(D("2024-09-29"), 0) == D("2024-09-29")  # a worked Sunday
    assert add_working_days(D("2024-10-13"), 0) == D("2024-10-14")  # an ordinary Sunday


def test_negative_n_is_refused():
    with pytest.raises(ValueError):
        add_working_days(D("2024-10-08"), -1)


def test_working_days_between_edges(seeded):
    monday = D("2024-10-14")
    assert working_days_between(monday, monday) == 0
    assert working_days_between(monday, monday - timedelta(days=1)) == 0  # end before start
    assert working_days_between(D("2024-10-18"), D("2024-10-21")) == 1  # Friday → Monday
    # (start, end]: start excluded, end included
    assert working_days_between(D("2024-09-30"), D("2024-10-08")) == 1
    assert working_days_between(D("2024-09-27"), D("2024-09-29")) == 1  # the worked Sunday
    assert working_days_between(D("2024-09-30"), D("2024-10-07")) == 0  # all holiday


def test_between_is_the_inverse_of_add(seeded):
    start = D("2024-09-20")
    for n in range(0, 40):
        end = add_working_days(start, n)
        assert working_days_between(start, end) == n


def test_holiday_across_the_year_end(seeded):
    # 2023-12-30 (Sat) .. 2024-01-01 (Mon) is the New Year break.
    assert not is_workday(D("2024-01-01"))
    assert add_working_days(D("2023-12-29"), 1) == D("2024-01-02")
    assert working_days_between(D("2023-12-29"), D("2024-01-02")) == 1
    # 2026-01-01 .. 01-03 are off and Sunday 2026-01-04 is worked for 元旦.
    assert add_working_days(D("2025-12-31"), 1) == D("2026-01-04")
    assert working_days_between(D("2025-12-31"), D("2026-01-05")) == 2


def test_working_days_in_a_year(seeded):
    def count(year: int) -> int:
        return working_days_between(date(year - 1, 12, 31), date(year, 12, 31))

    # 262 weekdays − 19 weekday holidays + 8 worked weekends
    assert count(2024) == 251
    # 261 weekdays − 18 weekday holidays (元旦 1, 春节 6, 清明 1, 劳动 3, 端午 1, 国庆中秋 6)
    # + 5 worked weekends (01-26, 02-08, 04-27, 09-28, 10-11)
    assert count(2025) == 248


@pytest.mark.django_db
def test_a_break_longer_than_the_reading_window_is_still_counted():
    from datetime import date, timedelta

    from cunshe.core.models import CalendarDay
    from cunshe.core.workdays import add_working_days

    start = date(2030, 3, 1)  # a Friday; 40 days of closure entered by an administrator
    for i in range(1, 41):
        CalendarDay.objects.create(
            date=start + timedelta(days=i), is_workday=False, name="停办", source="admin"
        )
    assert add_working_days(start, 1) == date(2030, 4, 11)  # the first Thursday after it
