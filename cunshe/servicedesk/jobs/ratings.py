"""Jobs: a daily reminder to each unit of its rectifications (差评整改) that are overdue or due
today, so that no real-name bad rating goes without a call-back."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_tasks import task

from cunshe.core.jurisdiction import system_scope
from cunshe.core.scheduling import periodic
from cunshe.servicedesk.models import Rectification
from cunshe.servicedesk.selectors.deadlines import unit_users
from cunshe.servicedesk.services.ratings import _tell

_SUBJECT = gettext_lazy("差评整改提醒：%(count)s件")
_BODY = gettext_lazy("本单位有%(count)s件差评整改今天到期或已超期，请尽快回访并办结。")


def remind_rectifications(today=None) -> int:  # type: ignore[no-untyped-def]
    """Tell each unit how many of its open rectifications are due today or overdue."""
    today = today or timezone.localdate()
    with system_scope("servicedesk: daily rectification reminders") as j:
        rows = (
            Rectification.objects.within(j)
            .filter(closed_at__isnull=True, due_on__lte=today)
            .values_list("handler_code", "handler_department")
        )
        units: dict[tuple[str, str], int] = {}
        for code, department in rows:
            units[(code, department)] = units.get((code, department), 0) + 1
        for (code, department), count in units.items():
            _tell(unit_users(code, department), _SUBJECT, _BODY, {"count": count},
                  "/desk/rectifications/?show=overdue")  # fmt: skip
    return len(units)


@periodic(every=timedelta(days=1), name="servicedesk.rectifications.remind")
@task()
def remind_rectifications_task() -> int:
    return remind_rectifications()
