"""Scoped reads of the tree. Every function takes the caller's jurisdiction; nothing outside its
subtrees is ever returned (a code outside answers 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404

from cunshe.core.access import get_scoped_or_404, require_jurisdiction
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import CODE_LENGTH, Level, Region, RegionQuerySet

SEARCH_LIMIT = 50
VIEW = "regions.view"


def get_region_for(jurisdiction: Jurisdiction | None, code: str) -> Region:
    """The region with this code inside the jurisdiction; 404 outside it, 403 without view."""
    if not (isinstance(code, str) and code.isdigit()):
        require_jurisdiction(jurisdiction)
        raise Http404
    return get_scoped_or_404(Region.objects.all(), jurisdiction, need=VIEW, code=code)


def region_roots(jurisdiction: Jurisdiction | None) -> list[Region]:
    """The caller's top nodes: the assignment's region (every province for a system scope)."""
    j = require_jurisdiction(jurisdiction)
    if j.is_system:
        return list(Region.objects.filter(level=Level.PROVINCE))
    return list(Region.objects.filter(code__in=j.prefixes))


def _with_child_counts(queryset: RegionQuerySet) -> RegionQuerySet:
    return queryset.annotate(
        child_count=Count("children", filter=Q(children__valid_to__isnull=True))
    )


@dataclass
class ChildRow:
    region: Region
    child_count: int
    village_count: int | None  # None below township level, where it says nothing new


def region_children(
    jurisdiction: Jurisdiction | None,
    node: Region,
    *,
    include_retired: bool = False,
) -> RegionQuerySet:
    """Children of `node` annotated with `child_count` (live children), in code order.
    One query however many children."""
    j = require_jurisdiction(jurisdiction)
    qs = Region.objects.within(j).filter(parent=node)
    if not include_retired:
        qs = qs.filter(valid_to__isnull=True)
    return _with_child_counts(qs).order_by("code")


def village_counts_below(jurisdiction: Jurisdiction | None, node: Region) -> dict[str, int]:
    """Live villages under each child of `node`, keyed by the child's code (one grouped query
    over the node's code range; empty below township level)."""
    j = require_jurisdiction(jurisdiction)
    if node.level >= Level.TOWNSHIP:
        return {}
    child_len = CODE_LENGTH[Level(node.level + 1)]
    rows = (
        Region.objects.within(j)
        .filter(code__startswith=node.code, level=Level.VILLAGE, valid_to__isnull=True)
        .annotate(prefix=Substr("code", 1, child_len))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["prefix"]: row["n"] for row in rows}


def village_count(jurisdiction: Jurisdiction | None, node: Region) -> int:
    """Live village-level units under `node` (itself excluded)."""
    j = require_jurisdiction(jurisdiction)
    return (
        Region.objects.within(j)
        .filter(code__startswith=node.code, level=Level.VILLAGE, valid_to__isnull=True)
        .count()
    )


def region_child_rows(jurisdiction: Jurisdiction | None, node: Region) -> list[ChildRow]:
    """Children with their child counts and, for township and above, villages below: two
    queries whatever the number of children."""
    children = list(region_children(jurisdiction, node))
    villages = village_counts_below(jurisdiction, node) if node.level < Level.TOWNSHIP else {}
    show_villages = node.level < Level.TOWNSHIP
    return [
        ChildRow(
            region=child,
            child_count=child.child_count,  # type: ignore[attr-defined]
            village_count=villages.get(child.code, 0) if show_villages else None,
        )
        for child in children
    ]


def region_search(
    jurisdiction: Jurisdiction | None,
    q: str,
    *,
    under: Region | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[Region]:
    """Live regions matching `q` inside the jurisdiction: digits search by code prefix, Latin
    letters by pinyin initials or full pinyin ("mjc" or "minjia"), anything else by name."""
    j = require_jurisdiction(jurisdiction)
    q = (q or "").strip()
    if not q:
        return []
    qs = Region.objects.within(j).current()
    if under is not None:
        qs = qs.filter(code__startswith=under.code)
    if q.isdigit():
        qs = qs.filter(code__startswith=q)
    elif q.isascii() and q.replace(" ", "").isalnum():
        letters = q.replace(" ", "").lower()
        qs = qs.filter(Q(initials__startswith=letters) | Q(pinyin__startswith=letters))
    else:
        qs = qs.filter(name__contains=q)
    return list(qs.order_by("level", "code")[:limit])


def region_breadcrumb(jurisdiction: Jurisdiction | None, region: Region) -> list[Region]:
    """Ancestors of `region` from the caller's root downward, the region itself last; nothing
    above the caller's root."""
    j = require_jurisdiction(jurisdiction)
    codes = [*region.ancestor_codes(), region.code]
    return list(Region.objects.within(j).filter(code__in=codes).order_by("level"))
