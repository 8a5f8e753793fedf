"""Administrators' edits to the holiday calendar.

The calendar is one table for the whole platform (the State Council's notice applies
everywhere), so there is no region to check: the permission `core.calendar_edit` (held by the
system administrator) is the whole access rule. An edited day is marked source=admin and is
never overwritten by `workdays_seed` afterwards.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.calendar_seed import package_exception
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import CalendarDay

EDIT = "core.calendar_edit"
FIRST_YEAR, LAST_YEAR = 2000, 2099
NAME_MAX = CalendarDay._meta.get_field("name").max_length


def status_of(is_workday: bool | None) -> str:
    """The word the audit trail uses for a day's status."""
    return {True: "workday", False: "holiday", None: "default"}[is_workday]


@transaction.atomic
def calendar_day_set(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    date: date,
    is_workday: bool | None,
    name: str = "",
) -> CalendarDay | None:
    """Make `date` a holiday (is_workday=False), a working day (True) or bring it back to the
    Monday–Friday default (None). Returns the stored row, or None when none is needed.

    Back to default on a day the package lists (a seeded holiday, say) keeps an administrator's
    row with the default status, so that the next seed does not bring the holiday back.
    A change that changes nothing is refused.
    """
    if not jurisdiction.has_perm(EDIT):
        raise PermissionDenied(EDIT)
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise ValidationError(
            {"date": _("日期须在 %(a)s 至 %(b)s 年之间。") % {"a": FIRST_YEAR, "b": LAST_YEAR}}
        )
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("名称最多 %(n)s 个字。") % {"n": NAME_MAX}})
    default = date.weekday() < 5
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    was = row.is_workday if row is not None else default

    if is_workday is None:
        if row is None:
            raise ValidationError(
                {"is_workday": _("该日已按默认规则（周一至周五上班）计算，没有可恢复的改动。")}
            )
        if package_exception(date) is None:
            row.delete()
            row = None
        elif row.source == CalendarDay.Source.ADMIN and row.is_workday == default:
            raise ValidationError({"is_workday": _("该日已恢复为默认，没有变化。")})
        else:
            row.is_workday, row.name = default, name
    else:
        if row is None and is_workday == default:
            message = (
                _("该日是周一至周五，本来就是工作日，没有变化。")
                if default
                else _("该日是周末，本来就是休息日，没有变化。")
            )
            raise ValidationError({"is_workday": message})
        if row is not None and (row.is_workday, row.name) == (is_workday, name):
            raise ValidationError({"is_workday": _("该日已是这个状态和名称，没有变化。")})
        if is_workday != default and not name:
            raise ValidationError(
                {"name": _("请填写名称，例如“国庆节”（放假）或“调休上班”（周末上班）。")}
            )
        if row is None:
            row = CalendarDay(date=date)
        row.is_workday, row.name = is_workday, name

    if row is not None:
        row.source = CalendarDay.Source.ADMIN
        row.updated_by = actor
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin must not abort the caller
                row.save()
        except IntegrityError as exc:  # another administrator created the same day just now
            raise ValidationError({"date": _("该日刚被其他管理员修改，请刷新后再操作。")}) from exc
    audit(
        "core.calendar.changed",
        actor=actor,
        jurisdiction=jurisdiction,
        object_type=CalendarDay._meta.label_lower,
        object_id=date.isoformat(),
        detail={
            "date": date.isoformat(),
            "status": status_of(is_workday),
            "is_workday": row.is_workday if row is not None else default,
            "was_workday": was,
            "name": name,
        },
    )
    return row
