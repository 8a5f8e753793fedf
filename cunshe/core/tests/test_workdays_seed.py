"""Seeding the holiday calendar from chinese-calendar: only exceptions to Monday–Friday are
stored, reseeding changes nothing, an administrator's edit survives every reseed, rows the
package no longer lists go away, and years the package does not know are skipped loudly."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cunshe.core.calendar_seed import package_exception, package_years, seed_calendar
from cunshe.core.calendar_services import calendar_day_set
from cunshe.core.models import AuditEvent, CalendarDay
from cunshe.core.workdays import add_working_days, is_workday

pytestmark = pytest.mark.django_db

D = date.fromisoformat
ADMIN = CalendarDay.Source.ADMIN
PACKAGE = CalendarDay.Source.PACKAGE


def _rows() -> dict[date, tuple[bool, str, str]]:
    return {r.date: (r.is_workday, r.name, r.source) for r in CalendarDay.objects.all()}


def test_only_exceptions_to_monday_to_friday_are_stored():
    seed_calendar(2024, 2024)
    rows = _rows()
    assert rows[D("2024-10-01")] == (False, "国庆节", PACKAGE)  # a Tuesday off
    assert rows[D("2024-10-12")] == (True, "调休上班", PACKAGE)  # a Saturday worked
    assert D("2024-10-05") not in rows  # a Saturday inside the break: off anyway
    assert D("2024-10-08") not in rows  # an ordinary Tuesday
    for day, (workday, _name, _source) in rows.items():
        assert workday != (day.weekday() < 5), day
    # 19 weekday holidays and 8 worked weekends in 2024
    assert sum(1 for w, _n, _s in rows.values() if not w) == 19
    assert sum(1 for w, _n, _s in rows.values() if w) == 8


def test_reseeding_is_idempotent():
    first = seed_calendar(2023, 2025)
    assert first.created > 0
    assert (first.updated, first.removed, first.unchanged) == (0, 0, 0)
    before = _rows()
    again = seed_calendar(2023, 2025)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == first.created
    assert _rows() == before
    # one audit event for the run that changed something, none for the one that did not
    assert AuditEvent.objects.filter(action="core.calendar.seeded").count() == 1


def test_admin_edit_survives_reseeding(cast):
    seed_calendar(2024, 2024)
    j = cast.system_admin.assignments.get().jurisdiction()
    # The province declares a local holiday on a Monday and cancels a worked Saturday.
    calendar_day_set(
        actor=cast.system_admin, jurisdiction=j, date=D("2024-10-14"), is_workday=False,
        name="地方节日",
    )  # fmt: skip
    calendar_day_set(
        actor=cast.system_admin, jurisdiction=j, date=D("2024-10-12"), is_workday=False, name=""
    )
    counts = seed_calendar(2024, 2024)
    assert counts.kept_admin == 2
    assert (counts.created, counts.updated, counts.removed) == (0, 0, 0)
    rows = _rows()
    assert rows[D("2024-10-14")] == (False, "地方节日", ADMIN)
    assert rows[D("2024-10-12")] == (False, "", ADMIN)
    assert not is_workday(D("2024-10-12"))
    assert add_working_days(D("2024-10-11"), 1) == D("2024-10-15")


def test_back_to_default_on_a_package_holiday_survives_reseeding(cast):
    seed_calendar(2024, 2024)
    j = cast.system_admin.assignments.get().jurisdiction()
    calendar_day_set(
        actor=cast.system_admin, jurisdiction=j, date=D("2024-10-07"), is_workday=None, name=""
    )
    assert is_workday(D("2024-10-07"))
    seed_calendar(2024, 2024)
    assert is_workday(D("2024-10-07"))
    assert CalendarDay.objects.get(date=D("2024-10-07")).source == ADMIN


def test_package_rows_the_package_no_longer_lists_are_removed():
    CalendarDay.objects.create(
        date=D("2024-03-05"), is_workday=False, name="旧数据", source=PACKAGE
    )
    CalendarDay.objects.create(date=D("2024-10-01"), is_workday=False, name="旧名", source=PACKAGE)
    counts = seed_calendar(2024, 2024)
    assert counts.removed == 1
    assert counts.updated == 1
    assert not CalendarDay.objects.filter(date=D("2024-03-05")).exists()
    assert CalendarDay.objects.get(date=D("2024-10-01")).name == "国庆节"


def test_seeding_one_year_leaves_other_years_alone():
    seed_calendar(2024, 2024)
    CalendarDay.objects.create(date=D("2019-03-05"), is_workday=False, name="x", source=PACKAGE)
    seed_calendar(2024, 2024)
    assert CalendarDay.objects.filter(date=D("2019-03-05")).exists()


def test_years_the_package_does_not_know_are_skipped():
    first, last = package_years()
    counts = seed_calendar(last, last + 2)
    assert counts.years == [last]
    assert counts.skipped_years == [last + 1, last + 2]
    assert not CalendarDay.objects.filter(date__year__gt=last).exists()
    assert package_exception(date(last + 1, 1, 1)) is None
    nothing = seed_calendar(first - 3, first - 1)
    assert nothing.years == [] and nothing.changed == 0


def test_from_after_to_is_refused():
    with pytest.raises(ValueError):
        seed_calendar(2025, 2024)


def test_command_defaults_to_2020_through_the_packages_last_year():
    out, err = StringIO(), StringIO()
    call_command("workdays_seed", stdout=out, stderr=err)
    _first, last = package_years()
    assert f"2020–{last}" in out.getvalue()
    assert err.getvalue() == ""
    assert CalendarDay.objects.filter(date__year=2020).exists()
    assert not CalendarDay.objects.filter(date__year=2019).exists()
    assert CalendarDay.objects.filter(date__year=last).exists()


def test_command_reports_kept_admin_rows_and_skipped_years(cast):
    call_command("workdays_seed", "--from-year", "2024", "--to-year", "2024", stdout=StringIO())
    j = cast.system_admin.assignments.get().jurisdiction()
    calendar_day_set(
        actor=cast.system_admin, jurisdiction=j, date=D("2024-10-01"), is_workday=False,
        name="国庆节（省定）",
    )  # fmt: skip
    _first, last = package_years()
    out, err = StringIO(), StringIO()
    call_command(
        "workdays_seed", "--from-year", "2024", "--to-year", str(last + 1), stdout=out, stderr=err
    )
    assert "1 kept" in out.getvalue()
    assert f"Skipped {last + 1}" in err.getvalue()
    assert CalendarDay.objects.get(date=D("2024-10-01")).name == "国庆节（省定）"


def test_command_refuses_reversed_years():
    with pytest.raises(CommandError):
        call_command("workdays_seed", "--from-year", "2025", "--to-year", "2024")
