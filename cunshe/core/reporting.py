"""What every statistics page shares: the reporting period (the last twelve months by default,
at most five years), the filter form that reads it from ?region=&from=&to= as the APIs do, and
the region the figures are for (the caller's own root by default; 404 outside the
jurisdiction). The service desk's metrics and care statistics use these; later dashboards too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.jurisdiction import Jurisdiction

MAX_PERIOD_DAYS = 366 * 5


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    today = today or timezone.localdate()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def check_period(start: date, end: date) -> None:
    """ValidationError (naming the field) for a period that is backwards or too long."""
    if end < start:
        raise ValidationError({"to": _("结束日期不能早于开始日期。")})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"from": _("统计区间最长五年。")})


class PeriodFilter(forms.Form):
    """?region=<code>&from=<date>&to=<date>, as the APIs take them; blank dates mean the last
    twelve months."""

    region = forms.CharField(required=False, max_length=15, widget=forms.HiddenInput)
    # "from" is a keyword in Python, not in forms: the fields are added under these names.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (("from", gettext_lazy("开始日期")), ("to", gettext_lazy("结束日期"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(
                    attrs={"type": "date", "class": "form-control form-control-sm"}
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        start, end = default_period()
        data["from"] = data.get("from") or start
        data["to"] = data.get("to") or end
        try:
            check_period(data["from"], data["to"])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data


def region_for(j: Jurisdiction, code: str):  # type: ignore[no-untyped-def]
    """The chosen region (default: the caller's own root); 404 outside the jurisdiction."""
    from cunshe.regions import selectors as region_selectors

    if not code:
        roots = region_selectors.region_roots(j)
        if not roots:
            raise Http404
        return roots[0]
    return region_selectors.get_region_for(j, code)
