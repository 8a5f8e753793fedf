"""Access functions: 404 outside the caller's subtree, 403 inside it without the permission.

Every refusal inside the subtree is audited; a 404 is not (it would let anyone fill the trail by
guessing ids, and it says nothing that is not already public: that the page does not exist).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction, ScopeError
from cunshe.core.models import AuditEvent

M = TypeVar("M", bound=Model)


def require_jurisdiction(jurisdiction: Jurisdiction | None) -> Jurisdiction:
    if jurisdiction is None:
        # Signed in but holding no live role: nothing is in scope.
        raise Http404
    return jurisdiction


def require_perm(jurisdiction: Jurisdiction | None, perm: str, *, action: str = "") -> Jurisdiction:
    """Refuse with 403 (audited) when the jurisdiction lacks `perm`."""
    j = require_jurisdiction(jurisdiction)
    if not j.has_perm(perm):
        audit(
            action or "core.permission.denied",
            jurisdiction=j,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": perm},
        )
        raise PermissionDenied(perm)
    return j


def get_scoped_or_404(
    queryset: QuerySet[M], jurisdiction: Jurisdiction | None, *, need: str, **lookup: Any
) -> M:
    """The row matching `lookup` inside the jurisdiction; 404 outside it, 403 without `need`."""
    j = require_jurisdiction(jurisdiction)
    within = getattr(queryset, "within", None)
    if within is None:
        raise ScopeError(f"{queryset.model.__name__} has no within(); it cannot be scoped")
    try:
        obj = within(j).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
    if not j.has_perm(need):
        audit(
            "core.permission.denied",
            jurisdiction=j,
            obj=obj,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": need},
        )
        raise PermissionDenied(need)
    return obj
