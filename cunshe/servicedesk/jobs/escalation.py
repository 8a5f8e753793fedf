"""Escalation of overdue applications (超期督办), run hourly by the scheduler.

An application with its clock running and its due date past is escalated once, then again every
ESCALATE_EVERY_WORKING_DAYS working days while it stays overdue. Each escalation raises
`escalation_level` by one and tells, in each person's own language: the assignee, the handling
unit's officers (at the first level) and the supervisors `level` rungs above the unit (see
`selectors.deadlines.supervisors_for`). A row is claimed by a conditional UPDATE, so two runs
at the same time escalate it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from cunshe.accounts.models import User
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.models import Notification
from cunshe.core.notifications import notify
from cunshe.core.scheduling import periodic
from cunshe.core.workdays import working_days_before, working_days_overdue
from cunshe.servicedesk.models import CLOCK_RUNNING, Application, ApplicationEvent
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.selectors import deadlines

logger = logging.getLogger(__name__)

# Sent to the assignee and the handling unit.
UNIT_SUBJECT = gettext_lazy("办件超期：%(item)s")
UNIT_BODY = gettext_lazy(
    "办件%(number)s（%(item)s）已超过办理期限%(days)s个工作日，已提请%(supervisor)s督办，"
    "请尽快办理。"
)
# Sent to the supervisors.
SUPERVISOR_SUBJECT = gettext_lazy("超期督办：%(item)s")
SUPERVISOR_BODY = gettext_lazy(
    "%(unit)s办理的办件%(number)s（%(item)s）已超过办理期限%(days)s个工作日"
    "（第%(level)s次督办），请督促办理。"
)


@dataclass(frozen=True)
class _Recipient:
    user: User
    supervisor: bool


def _link(application: Application) -> str:
    try:
        return reverse("servicedesk:application", args=[application.pk])
    except NoReverseMatch:  # the desk's detail page is not mounted: the deadline list is
        return reverse("servicedesk:deadlines")


def _recipients(application: Application, level: int) -> list[_Recipient]:
    supervisors = deadlines.supervisors_for(application, level)
    seen = {u.pk for u in supervisors}
    out = [_Recipient(u, True) for u in supervisors]
    # The people who must act: the assignee every time, the whole unit at the first level.
    own: list[User] = []
    if application.assignee_id is not None and application.assignee is not None:
        own.append(application.assignee)
    if level == 1:
        own.extend(deadlines.unit_officers(application))
    for user in own:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            out.append(_Recipient(user, False))
    return out


def _unit_text(code: str, department: str, names: dict[str, str]) -> str:
    # Called under the recipient's language, so the department's name is translated.
    return deadlines.unit_label(code, department, names)


def _tell(
    application: Application,
    recipient: _Recipient,
    *,
    level: int,
    days: int,
    supervisor_unit: deadlines.Unit,
    names: dict[str, str],
    link: str,
) -> None:
    user = recipient.user
    with translation.override(user.language or "zh-hans"):
        values = {
            "number": application.number,
            "item": application.item.name,
            "days": days,
            "level": level,
            "unit": _unit_text(application.handler_code, application.handler_department, names),
            "supervisor": _unit_text(supervisor_unit.code, supervisor_unit.department, names),
        }
        subject, body = (
            (SUPERVISOR_SUBJECT, SUPERVISOR_BODY)
            if recipient.supervisor
            else (UNIT_SUBJECT, UNIT_BODY)
        )
        subject_text, body_text = str(subject) % values, str(body) % values
    channels = [Notification.Channel.IN_APP]
    if user.phone:
        channels.append(Notification.Channel.SMS)
    notify(recipient=user, subject=subject_text, body=body_text, link=link, channels=channels)


def _claim(j: Jurisdiction, application: Application, today: date, due_again: date) -> bool:
    """Raise the level by one if nobody else has since: True when this run won the row."""
    claimed = (
        Application.objects.within(j)
        .filter(
            pk=application.pk,
            escalation_level=application.escalation_level,
            status__in=CLOCK_RUNNING,
            due_on__lt=today,
        )
        .filter(Q(escalated_on__isnull=True) | Q(escalated_on__lte=due_again))
        # The version is left alone: an escalation does not conflict with an officer's edit.
        .update(
            escalation_level=F("escalation_level") + 1,
            escalated_on=today,
            updated_at=timezone.now(),
        )
    )
    return claimed == 1


def escalate_one(
    application: Application, *, jurisdiction: Jurisdiction, today: date, due_again: date
) -> bool:
    """Escalate one application (already loaded) if still due; False when another run has."""
    with transaction.atomic():
        if not _claim(jurisdiction, application, today, due_again):
            return False
        level = application.escalation_level + 1
        application.escalation_level = level
        application.escalated_on = today
        days = working_days_overdue([application.due_on], today).get(application.due_on, 0)
        unit = deadlines.supervising_unit(application, level)
        recipients = _recipients(application, level)
        names = deadlines.region_names([application.handler_code, unit.code])
        ApplicationEvent.objects.create(
            application=application,
            kind=ApplicationEvent.Kind.ESCALATE,
            at=timezone.now(),
            actor=None,
            actor_role=jurisdiction.role,
            public_text=_("已超期，已提请上级督办"),
            detail={
                "level": level,
                "supervisor": unit.code,
                "department": unit.department,
                "working_days_overdue": days,
                "notified": len(recipients),
            },
        )
        audit(
            "servicedesk.application.escalated",
            jurisdiction=jurisdiction,
            obj=application,
            detail={
                "level": level,
                "supervisor": unit.code,
                "department": unit.department,
                "working_days_overdue": days,
                "notified": len(recipients),
            },
        )
        link = _link(application)
        for recipient in recipients:
            _tell(
                application, recipient, level=level, days=days, supervisor_unit=unit,
                names=names, link=link,
            )  # fmt: skip
    return True


def escalate_overdue(today: date | None = None) -> int:
    """Escalate every application that is due for it today; returns how many were escalated."""
    today = today or timezone.localdate()
    every = rule("ESCALATE_EVERY_WORKING_DAYS")
    # Escalated on or before this day: at least `every` working days ago.
    due_again = working_days_before(today, every)
    done = 0
    with system_scope("servicedesk: escalate overdue applications") as j:
        candidates = (
            Application.objects.filter(status__in=CLOCK_RUNNING, due_on__lt=today)
            .filter(Q(escalated_on__isnull=True) | Q(escalated_on__lte=due_again))
            .select_related("item", "assignee")
            .order_by("due_on", "id")
        )
        for application in candidates.iterator(chunk_size=500):
            try:
                if escalate_one(application, jurisdiction=j, today=today, due_again=due_again):
                    done += 1
            except Exception:  # one bad row must not stop the others; it is retried next run
                logger.exception("escalation of application %s failed", application.pk)
    if done:
        logger.info("escalated %s overdue applications", done)
    return done


@periodic(every=timedelta(hours=1), name="servicedesk.applications.escalate")
@task()
def escalate_overdue_applications() -> int:
    """The hourly job: escalate overdue applications (see `escalate_overdue`)."""
    return escalate_overdue()
