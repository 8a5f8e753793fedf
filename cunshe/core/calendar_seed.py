"""Seeding the holiday calendar (`CalendarDay`) from the `chinese-calendar` package, which
follows the State Council's yearly notice on public holidays (国务院办公厅关于部分节假日安排的通知).

Only the days whose status differs from the Monday–Friday default are stored: a public holiday
on a weekday, or a weekend day made a working day (调休). Seeding is idempotent, removes package
rows the package no longer lists, and never touches a row an administrator edited
(source=admin): their edit wins over every later reseed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as package_data
from django.db import transaction

from cunshe.core.audit import audit
from cunshe.core.models import CalendarDay

PACKAGE = "chinese-calendar"
# The package names holidays in English; the calendar shows the names of the State Council's
# notice.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
ADJUSTED_WORKDAY = "调休上班"


def package_version() -> str:
    return getattr(chinese_calendar, "__version__", "?")


def package_years() -> tuple[int, int]:
    """The first and last year the installed package has the State Council's notice for."""
    years = [d.year for d in package_data.holidays] + [d.year for d in package_data.workdays]
    return min(years), max(years)


def holiday_name(english: str | None) -> str:
    if not english:
        return ""
    return HOLIDAY_NAMES.get(english, english)


def package_exception(day: date) -> tuple[bool, str] | None:
    """(is_workday, Chinese name) when the package puts `day` apart from the Monday–Friday
    default; None when it does not, or when the package does not know the year."""
    first, last = package_years()
    if not first <= day.year <= last:
        return None
    rest, english = chinese_calendar.get_holiday_detail(day)
    is_workday = not rest
    if is_workday == (day.weekday() < 5):
        return None
    return is_workday, (ADJUSTED_WORKDAY if is_workday else holiday_name(english))


@dataclass
class SeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_admin: int = 0
    years: list[int] = field(default_factory=list)
    skipped_years: list[int] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


def seed_calendar(from_year: int, to_year: int) -> SeedCounts:
    """Write the package's holidays and adjusted working days for the years in
    [from_year, to_year] that it knows; skip (and report) the others."""
    if from_year > to_year:
        raise ValueError("from_year must not be after to_year")
    first, last = package_years()
    counts = SeedCounts()
    for year in range(from_year, to_year + 1):
        (counts.years if first <= year <= last else counts.skipped_years).append(year)
    if not counts.years:
        return counts
    start, end = date(counts.years[0], 1, 1), date(counts.years[-1], 12, 31)
    wanted: dict[date, tuple[bool, str]] = {}
    day = start
    while day <= end:
        exception = package_exception(day)
        if exception is not None:
            wanted[day] = exception
        day += timedelta(days=1)

    with transaction.atomic():
        existing = {
            row.date: row
            for row in CalendarDay.objects.select_for_update().filter(
                date__gte=start, date__lte=end
            )
        }
        create, update, remove = [], [], []
        for day, (is_workday, name) in wanted.items():
            row = existing.get(day)
            if row is None:
                create.append(
                    CalendarDay(
                        date=day,
                        is_workday=is_workday,
                        name=name,
                        source=CalendarDay.Source.PACKAGE,
                    )
                )
            elif row.source == CalendarDay.Source.ADMIN:
                counts.kept_admin += 1
            elif (row.is_workday, row.name) == (is_workday, name):
                counts.unchanged += 1
            else:
                row.is_workday, row.name = is_workday, name
                update.append(row)
        for day, row in existing.items():
            if day in wanted:
                continue
            if row.source == CalendarDay.Source.ADMIN:
                counts.kept_admin += 1
            else:
                remove.append(row.pk)  # the package no longer lists it
        CalendarDay.objects.bulk_create(create)
        CalendarDay.objects.bulk_update(update, ["is_workday", "name"])
        CalendarDay.objects.filter(pk__in=remove).delete()
        counts.created, counts.updated, counts.removed = len(create), len(update), len(remove)
        if counts.changed:
            audit(
                "core.calendar.seeded",
                detail={
                    "package": f"{PACKAGE} {package_version()}",
                    "years": [counts.years[0], counts.years[-1]],
                    "created": counts.created,
                    "updated": counts.updated,
                    "removed": counts.removed,
                    "kept_admin": counts.kept_admin,
                },
            )
    return counts
