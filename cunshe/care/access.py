"""Who may see which care records: the one place the privacy rule for minors is applied.

Care profiles are sensitive (health, family situation); children's profiles are sensitive
personal information of minors (个人信息保护法 Art. 28, 31). So:
- every list goes through `visible_profiles` (needs care.view; children only with
  care.view_children), and every other care table is reached through a visible profile;
- every page or API read of named care records is audited (`audit_read`);
- `get_profile_for` answers 404 outside the caller's subtree and 403 (audited) inside it without
  the permission, children included.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from cunshe.care.models import CareKind, CareProfile
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent

VIEW = "care.view"
VIEW_CHILDREN = "care.view_children"


def visible_kinds(j: Jurisdiction) -> list[str]:
    """The profile kinds this jurisdiction may read (none without care.view)."""
    if not j.has_perm(VIEW):
        return []
    kinds = [CareKind.WOMAN, CareKind.ELDERLY]
    if j.has_perm(VIEW_CHILDREN):
        kinds.insert(0, CareKind.CHILD)
    return [str(k) for k in kinds]


def visible_profiles(jurisdiction: Jurisdiction | None) -> QuerySet[CareProfile]:
    """Profiles in the caller's subtree that the caller may read (403 without care.view)."""
    j = require_perm(jurisdiction, VIEW, action="care.permission.denied")
    return CareProfile.objects.within(j).filter(kind__in=visible_kinds(j))


def may_see_kind(j: Jurisdiction, kind: str) -> bool:
    return kind in visible_kinds(j)


def get_profile_for(
    jurisdiction: Jurisdiction | None, pk: Any, *, need: str = VIEW, for_update: bool = False
) -> CareProfile:
    """The profile `pk` inside the caller's subtree; 404 outside it; 403 (audited) inside it
    without `need`, or for a child's profile without care.view_children."""
    j = require_jurisdiction(jurisdiction)
    qs = CareProfile.objects.within(j).select_related("person", "person__household", "region")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        profile = qs.get(pk=pk)
    except (CareProfile.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    missing = [p for p in (VIEW, need) if not j.has_perm(p)]
    if profile.kind == CareKind.CHILD and not j.has_perm(VIEW_CHILDREN):
        missing.append(VIEW_CHILDREN)
    if missing:
        audit(
            "care.permission.denied",
            jurisdiction=j,
            obj=profile,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": missing[0]},
        )
        raise PermissionDenied(missing[0])
    return profile


def audit_read(
    j: Jurisdiction, what: str, *, obj: Any = None, count: int | None = None, **detail: Any
) -> None:
    """Record that named care records were read: `what` is e.g. "profile", "list", "visits".
    Lists record how many rows and how many of them were children's."""
    if count is not None:
        detail["count"] = count
    audit(f"care.{what}.viewed", jurisdiction=j, obj=obj, detail=detail)
