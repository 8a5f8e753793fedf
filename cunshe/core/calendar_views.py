"""The holiday calendar page (system administrator): a year of month grids showing working
days, weekends, public holidays and adjusted working days (调休), and a form to change one day.
Parse → access → selector/service → render."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cunshe.core.access import require_perm
from cunshe.core.calendar_seed import PACKAGE, package_version, package_years
from cunshe.core.calendar_services import EDIT, FIRST_YEAR, LAST_YEAR, NAME_MAX, calendar_day_set
from cunshe.core.models import CalendarDay
from cunshe.web.forms import call_into_form

STATUS_CHOICES = [
    ("holiday", gettext_lazy("放假（休息日）")),
    ("workday", gettext_lazy("上班（工作日）")),
    ("default", gettext_lazy("恢复默认（周一至周五上班）")),
]
_STATUS_VALUE = {"holiday": False, "workday": True, "default": None}


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=gettext_lazy("设为"), choices=STATUS_CHOICES)
    name = forms.CharField(
        label=gettext_lazy("名称"),
        required=False,
        max_length=NAME_MAX,
        help_text=gettext_lazy("如“国庆节”“调休上班”；放假或周末上班时必填。"),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs["class"] = (
                "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            )


@dataclass
class Cell:
    day: date
    kind: str  # workday, weekend, holiday, adjusted, break (a weekend inside a holiday break)
    name: str = ""
    admin: bool = False
    today: bool = False


@dataclass
class Month:
    number: int
    weeks: list[list[Cell | None]]


def _year(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) == 4 and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return timezone.localdate().year


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None


def year_view(year: int, rows: list[CalendarDay]) -> tuple[list[Month], int]:
    """Twelve month grids (weeks from Monday) and the number of working days in the year.

    `rows` are the calendar's exceptions from a week before the year to a week after it, so
    that a holiday break crossing the year end is drawn whole."""
    by_date = {r.date: r for r in rows}
    start, end = date(year, 1, 1) - timedelta(days=7), date(year, 12, 31) + timedelta(days=7)
    kinds: dict[date, tuple[str, str]] = {}
    day = start
    while day <= end:
        default = day.weekday() < 5
        row = by_date.get(day)
        workday = row.is_workday if row is not None else default
        if workday:
            kind = "workday" if default else "adjusted"
        else:
            kind = "holiday" if default else "weekend"
        kinds[day] = (kind, row.name if row is not None else "")
        day += timedelta(days=1)
    # A weekend next to a holiday (through other rest days) belongs to the break: 10-05 and
    # 10-06 of the National Day week are shown as 国庆节 although they need no row.
    for day, (kind, name) in list(kinds.items()):
        if kind != "holiday":
            continue
        for step in (timedelta(days=-1), timedelta(days=1)):
            other = day + step
            while other in kinds and kinds[other][0] in ("weekend", "break"):
                if kinds[other][0] == "weekend":
                    kinds[other] = ("break", name)
                other += step
    today = timezone.localdate()
    months = []
    cal = pycalendar.Calendar(firstweekday=0)
    for number in range(1, 13):
        weeks: list[list[Cell | None]] = []
        for week in cal.monthdatescalendar(year, number):
            cells: list[Cell | None] = []
            for d in week:
                if d.month != number:
                    cells.append(None)
                    continue
                kind, name = kinds[d]
                row = by_date.get(d)
                admin = row is not None and row.source == CalendarDay.Source.ADMIN
                cells.append(Cell(d, kind, name, admin, d == today))
            weeks.append(cells)
        months.append(Month(number, weeks))
    working = sum(
        1
        for d, (kind, _name) in kinds.items()
        if d.year == year and kind in ("workday", "adjusted")
    )
    return months, working


def _page(
    request: HttpRequest, year: int, form: CalendarDayForm, *, status: int = 200
) -> HttpResponse:
    rows = list(
        CalendarDay.objects.filter(
            date__gte=date(year, 1, 1) - timedelta(days=7),
            date__lte=date(year, 12, 31) + timedelta(days=7),
        ).select_related("updated_by")
    )
    months, working = year_view(year, rows)
    first, last = package_years()
    return render(
        request,
        "core/calendar.html",
        {
            "year": year,
            "previous": year - 1 if year > FIRST_YEAR else None,
            "next": year + 1 if year < LAST_YEAR else None,
            "months": months,
            "working_days": working,
            "exceptions": [r for r in rows if r.date.year == year],
            "form": form,
            "package": f"{PACKAGE} {package_version()}",
            "package_first": first,
            "package_last": last,
            "package_knows_year": first <= year <= last,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, EDIT)  # type: ignore[attr-defined]
    year = _year(request.GET.get("year"))
    if request.method == "GET":
        picked = _parse_date(request.GET.get("date"))
        initial = {"date": picked} if picked else {}
        if picked:
            row = CalendarDay.objects.filter(date=picked).first()
            if row is not None:
                initial["name"] = row.name
                initial["status"] = "workday" if row.is_workday else "holiday"
            else:
                initial["status"] = "holiday" if picked.weekday() < 5 else "workday"
        return _page(request, year, CalendarDayForm(initial=initial))

    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["date"]
        status = form.cleaned_data["status"]
        call_into_form(
            form,
            calendar_day_set,
            actor=request.user,
            jurisdiction=j,
            date=day,
            is_workday=_STATUS_VALUE[status],
            name=form.cleaned_data["name"],
        )
        if FIRST_YEAR <= day.year <= LAST_YEAR:
            year = day.year
        if not form.errors:
            label = dict(STATUS_CHOICES)[status]
            messages.success(
                request,
                _("已将 %(date)s 设为：%(status)s。") % {"date": day.isoformat(), "status": label},
            )
            return redirect(f"{reverse('core:calendar')}?year={day.year}#m{day.month}")
    return _page(request, year, form, status=400)
