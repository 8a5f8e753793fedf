"""Scoped reads of ratings and rectifications, and the rating statistics per item, officer and
unit (one aggregate query each)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.accounts.roles import Role
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import Rating, Rectification
from cunshe.servicedesk.services.ratings import RECTIFY, may_rectify

VIEW = "servicedesk.view"


def rectifications_for(jurisdiction: Jurisdiction | None) -> QuerySet[Rectification]:
    """Rectifications the caller works on: handled at their unit or below it."""
    j = require_perm(jurisdiction, RECTIFY)
    query = Q(pk__in=[])
    for prefix in j.prefixes:
        query |= Q(handler_code__startswith=prefix)
    qs = Rectification.objects.within(j).filter(query)
    if j.role == Role.COUNTY_OFFICER and j.department:
        qs = qs.filter(handler_department=j.department)
    return qs.select_related("rating__application__item", "rating__item")


def rectification_for(jurisdiction: Jurisdiction | None, pk: int) -> Rectification:
    """One rectification: 404 outside the subtree, 403 inside without the right to work it."""
    j = require_jurisdiction(jurisdiction)
    try:
        rect = (
            Rectification.objects.within(j)
            .select_related("rating__application__item", "rating__application__applicant")
            .get(pk=pk)
        )
    except Rectification.DoesNotExist as exc:
        raise Http404 from exc
    if not may_rectify(j, rect):
        audit(
            "core.permission.denied",
            jurisdiction=j,
            obj=rect,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": RECTIFY},
        )
        raise PermissionDenied(RECTIFY)
    return rect


def overdue_rectifications(jurisdiction: Jurisdiction | None) -> QuerySet[Rectification]:
    return rectifications_for(jurisdiction).filter(
        closed_at__isnull=True, due_on__lt=timezone.localdate()
    )


@dataclass(frozen=True)
class RatingRow:
    key: str
    label: str
    count: int
    average: float
    satisfied: int  # scores 4–5
    bad: int  # scores 1–2
    rectifications: int
    called_back: int

    @property
    def satisfied_rate(self) -> float:
        return self.satisfied / self.count if self.count else 0.0

    @property
    def callback_rate(self) -> float:
        return self.called_back / self.rectifications if self.rectifications else 1.0


GROUPS = {
    "item": ("item__code", "item__name"),
    "officer": ("officer_id", "officer__display_name"),
    "unit": ("handler_code", "handler_code"),
}


def rating_stats(jurisdiction: Jurisdiction | None, by: str = "item") -> list[RatingRow]:
    """Ratings in the caller's subtree grouped by item, officer or handling unit: count,
    average, satisfied and bad counts, and how many bad ratings were called back."""
    j = require_perm(jurisdiction, VIEW)
    key, label = GROUPS[by]
    qs = Rating.objects.within(j)
    if j.role == Role.COUNTY_OFFICER and j.department:
        qs = qs.filter(application__handler_department=j.department)
    rows = (
        qs.values(key, label)
        .annotate(
            n=Count("id"),
            avg=Avg("score"),
            good=Count("id", filter=Q(score__gte=4)),
            bad=Count("id", filter=Q(score__lte=2)),
            rect=Count("rectification", distinct=True),
            called=Count(
                "rectification",
                filter=Q(rectification__callbacks__reached=True),
                distinct=True,
            ),
        )
        .order_by("-n", key)
    )
    return [
        RatingRow(
            key=str(r[key] or ""),
            label=str(r[label] or "—"),
            count=r["n"],
            average=round(float(r["avg"] or 0), 2),
            satisfied=r["good"],
            bad=r["bad"],
            rectifications=r["rect"],
            called_back=r["called"],
        )
        for r in rows
    ]
