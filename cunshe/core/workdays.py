"""Working days: Monday to Friday, except the public holidays and adjusted working days
(调休) recorded in `CalendarDay`.

Deadlines in the service desk, rectification periods and the like count working days. Each
call reads only the exceptions inside the range it needs (one query), so an administrator's
edit is seen at once by every process, with no cache to invalidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from cunshe.core.models import CalendarDay


def _exceptions(start: date, end: date) -> dict[date, bool]:
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end)
    return dict(rows.values_list("date", "is_workday"))


def _is_workday(day: date, exceptions: dict[date, bool]) -> bool:
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def is_workday(day: date) -> bool:
    """True when `day` is a working day."""
    return _is_workday(day, _exceptions(day, day))


def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start` (start itself not counted; n=0 gives the first
    working day on or after start). The calendar is read for 2n + 30 days at a time (China's
    longest break is 8 days), and again for the next stretch if an administrator entered a
    longer one."""
    if n < 0:
        raise ValueError("n must not be negative")
    window_end = start + timedelta(days=2 * n + 30)
    exceptions = _exceptions(start, window_end)

    def workday(day: date) -> bool:
        nonlocal window_end, exceptions
        if day > window_end:
            exceptions = _exceptions(day, day + timedelta(days=2 * n + 30))
            window_end = day + timedelta(days=2 * n + 30)
        return _is_workday(day, exceptions)

    day = start
    if n == 0:
        while not workday(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if workday(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: 0 when end <= start. Friday → next Monday is 1."""
    if end <= start:
        return 0
    exceptions = _exceptions(start + timedelta(days=1), end)
    days = (end - start).days
    return sum(1 for i in range(1, days + 1) if _is_workday(start + timedelta(days=i), exceptions))


def working_days_overdue(due_dates: Iterable[date | None], today: date) -> dict[date, int]:
    """Working days between each past due date and today ((due, today], as
    `workdays.working_days_between`), reading the calendar once for the whole span."""
    past = sorted({d for d in due_dates if d is not None and d < today})
    if not past:
        return {}
    # One read of the calendar for the whole span: a list of overdue rows costs one query.
    exceptions = _exceptions(past[0] + timedelta(days=1), today)
    out: dict[date, int] = {}
    count = 0
    day = today
    pending = list(reversed(past))
    while pending:
        if day <= pending[0]:
            out[pending.pop(0)] = count
            continue
        if _is_workday(day, exceptions):
            count += 1
        day -= timedelta(days=1)
    return out


def working_days_before(today: date, n: int) -> date:
    """The latest day d with at least `n` working days in (d, today]."""
    exceptions = _exceptions(today - timedelta(days=2 * n + 30), today)
    day, counted = today, 0
    while counted < n:
        if _is_workday(day, exceptions):
            counted += 1
        day -= timedelta(days=1)
    return day
