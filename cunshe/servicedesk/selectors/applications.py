"""Scoped reads of applications: lists for staff and villagers, one application with its
access check, the deadline lists, and the public status lookup."""

from __future__ import annotations

import hmac
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.accounts.roles import Role
from cunshe.core.access import require_jurisdiction
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.core.workdays import add_working_days
from cunshe.servicedesk.models import CLOCK_RUNNING, Application
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.services.applications import (
    APPLY,
    is_applicant_side,
    is_handler,
    own_household_id,
)

VIEW = "servicedesk.view"


def _department_filter(j: Jurisdiction, qs: QuerySet[Application]) -> QuerySet[Application]:
    # A county department sees its own department's matters, not the whole county's.
    if j.role == Role.COUNTY_OFFICER and j.department:
        return qs.filter(handler_department=j.department)
    return qs


def applications_for(jurisdiction: Jurisdiction | None) -> QuerySet[Application]:
    """Every application this caller may see: staff with servicedesk.view in their subtree (a
    county officer: their department's), a villager their own household's."""
    j = require_jurisdiction(jurisdiction)
    qs = Application.objects.within(j)
    if j.has_perm(VIEW):
        return _department_filter(j, qs)
    if j.has_perm(APPLY):
        return qs.filter(applicant__household_id=own_household_id(j))
    return qs.none()


def application_for(jurisdiction: Jurisdiction | None, pk: int) -> Application:
    """One application: 404 outside the caller's subtree (and for a villager, outside their
    household), 403 (audited) inside it without the right to see it."""
    j = require_jurisdiction(jurisdiction)
    try:
        app = (
            Application.objects.within(j)
            .select_related("item", "applicant", "assignee", "created_by", "region")
            .get(pk=pk)
        )
    except Application.DoesNotExist as exc:
        raise Http404 from exc
    if j.has_perm(VIEW):
        if _department_filter(j, Application.objects.within(j).filter(pk=app.pk)).exists():
            return app
    elif j.has_perm(APPLY):
        if is_applicant_side(j, app):
            return app
        raise Http404  # another household's matter: not even its existence
    audit(
        "core.permission.denied",
        jurisdiction=j,
        obj=app,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"permission": VIEW},
    )
    raise PermissionDenied(VIEW)


def handler_queue(jurisdiction: Jurisdiction | None) -> QuerySet[Application]:
    """Applications waiting at the caller's own unit with the clock running."""
    j = require_jurisdiction(jurisdiction)
    qs = Application.objects.within(j).filter(handler_code__in=j.prefixes, status__in=CLOCK_RUNNING)
    return _department_filter(j, qs)


def due_soon(
    jurisdiction: Jurisdiction | None, *, officer_id: int | None = None, today: date | None = None
) -> QuerySet[Application]:
    """At the caller's unit (or one officer's), due within DUE_SOON_WORKING_DAYS."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, rule("DUE_SOON_WORKING_DAYS"))
    qs = handler_queue(jurisdiction).filter(due_on__gte=today, due_on__lte=horizon)
    if officer_id is not None:
        qs = qs.filter(assignee_id=officer_id)
    return qs.order_by("due_on", "id")


def overdue(
    jurisdiction: Jurisdiction | None, *, officer_id: int | None = None, today: date | None = None
) -> QuerySet[Application]:
    """At the caller's unit (or one officer's), past the due date and not yet decided."""
    today = today or timezone.localdate()
    qs = handler_queue(jurisdiction).filter(due_on__lt=today)
    if officer_id is not None:
        qs = qs.filter(assignee_id=officer_id)
    return qs.order_by("due_on", "id")


def overdue_below(
    jurisdiction: Jurisdiction | None, *, today: date | None = None
) -> QuerySet[Application]:
    """Overdue matters anywhere in the caller's subtree (for supervisors)."""
    today = today or timezone.localdate()
    return (
        applications_for(jurisdiction)
        .filter(status__in=CLOCK_RUNNING, due_on__lt=today)
        .order_by("due_on", "id")
    )


def status_lookup(number: str, phone_last4: str) -> Application | None:
    """The application with this receipt number when the applicant's phone ends in these four
    digits; None otherwise (whatever was wrong). Public: callers rate-limit failures."""
    number = (number or "").strip().upper()
    last4 = (phone_last4 or "").strip()
    if len(number) != 12 or len(last4) != 4 or not last4.isdigit():
        return None
    # No jurisdiction: the receipt number and the phone digits are the caller's credential.
    app = (
        Application._base_manager.select_related("item", "applicant").filter(number=number).first()
    )
    if app is None:
        return None
    phone = app.applicant.phone or ""
    if not hmac.compare_digest(phone[-4:].encode(), last4.encode()):
        return None
    return app


__all__ = [
    "application_for",
    "applications_for",
    "due_soon",
    "handler_queue",
    "is_handler",
    "overdue",
    "overdue_below",
    "status_lookup",
]
