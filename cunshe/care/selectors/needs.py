"""Scoped reads of needs (关爱需求). A need is read through its profile: only needs of profiles the
caller may see (`access.visible_kinds`: children's only with care.view_children), inside the
caller's subtree. The linked service-desk application is read through (its number and status
come from the application row, never copied onto the need)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from cunshe.care import access
from cunshe.care.models import CareKind, CareNeed
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.regions.models import Region
from cunshe.servicedesk.models import FINISHED
from cunshe.servicedesk.models import Status as AppStatus

# The service-desk statuses after which nothing more is done for the villager: the need page
# says the service was completed (or refused) so the carer can settle the need.
APPLICATION_DONE = (*FINISHED, AppStatus.APPROVED, AppStatus.REFUSED)
OPEN_STATUSES = (CareNeed.Status.OPEN, CareNeed.Status.REFERRED)
LIST_RELATED = ("profile", "profile__person", "region", "application", "application__item")


@dataclass(frozen=True)
class NeedFilters:
    status: str = "active"  # "active" = open or referred; or one status; "" = all
    category: str = ""
    village: str = ""  # a village (or group) code inside the jurisdiction
    profile: int | None = None


def needs_visible(jurisdiction: Jurisdiction | None) -> QuerySet[CareNeed]:
    """Needs in the caller's subtree whose profile the caller may read (403 without care.view)."""
    j = require_perm(jurisdiction, access.VIEW, action="care.permission.denied")
    return CareNeed.objects.within(j).filter(profile__kind__in=access.visible_kinds(j))


def needs_list(jurisdiction: Jurisdiction | None, filters: NeedFilters) -> QuerySet[CareNeed]:
    """The filtered list, newest first, with what a list row shows joined in (no query per row)."""
    qs = needs_visible(jurisdiction)
    if filters.status == "active":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.village:
        qs = qs.filter(region_code__startswith=filters.village)
    if filters.profile is not None:
        qs = qs.filter(profile_id=filters.profile)
    return qs.select_related(*LIST_RELATED).order_by("-created_at", "-id")


def needs_summary(
    jurisdiction: Jurisdiction | None, filters: NeedFilters, *, key_length: int = 12
) -> list[dict[str, Any]]:
    """Counts of the filtered needs by village (first `key_length` digits of the code) and
    category: one GROUP BY, for the list page's summary table."""
    qs = needs_visible(jurisdiction)
    if filters.status == "active":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.village:
        qs = qs.filter(region_code__startswith=filters.village)
    return list(
        qs.annotate(unit=Substr("region_code", 1, key_length))
        .values("unit", "category")
        .annotate(n=Count("id"))
        .order_by("unit", "category")
    )


def village_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def get_need_for(jurisdiction: Jurisdiction | None, pk: Any) -> CareNeed:
    """One need: 404 outside the caller's subtree, 403 (audited) inside it without care.view or,
    for a child's need, without care.view_children."""
    j = require_jurisdiction(jurisdiction)
    try:
        need = (
            CareNeed.objects.within(j)
            .select_related(
                *LIST_RELATED,
                "profile__person__household",
                "visit",
                "alert",
                "created_by",
                "application__created_by",
            )
            .get(pk=pk)
        )
    except (CareNeed.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    missing = [] if j.has_perm(access.VIEW) else [access.VIEW]
    if need.profile.kind == CareKind.CHILD and not j.has_perm(access.VIEW_CHILDREN):
        missing.append(access.VIEW_CHILDREN)
    if missing:
        audit(
            "care.permission.denied",
            jurisdiction=j,
            obj=need,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": missing[0]},
        )
        raise PermissionDenied(missing[0])
    return need


def application_done(need: CareNeed) -> bool:
    """True when the linked application has reached an end (approved, refused, delivered,
    closed, not accepted or withdrawn)."""
    return need.application is not None and need.application.status in APPLICATION_DONE
