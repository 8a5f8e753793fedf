"""/api/v1/regions/: the same scoped reads as the region browser, as JSON."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.pagination import PagePagination
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions import selectors
from cunshe.regions.models import Level, Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    kind: str
    parent_code: str | None
    valid_to: str | None
    pinyin: str
    initials: str

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return str(Level(obj.level).label)

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        # The parent's code is a prefix of the node's own: no query needed.
        ancestors = obj.ancestor_codes()
        return ancestors[-1] if ancestors else None

    @staticmethod
    def resolve_valid_to(obj: Region) -> str | None:
        return obj.valid_to.isoformat() if obj.valid_to else None


class NodeOut(RegionOut):
    child_count: int = Field(..., description="live children")
    village_count: int | None = Field(
        None, description="live village-level units below (township level and above)"
    )


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=40, description="名称、代码前缀或拼音首字母")
    limit: int = Field(20, ge=1, le=selectors.SEARCH_LIMIT)


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def _with_counts(jurisdiction: Jurisdiction, region: Region) -> Region:
    region.child_count = (  # type: ignore[attr-defined]
        selectors.region_children(jurisdiction, region).count() if region.level < Level.GROUP else 0
    )
    region.village_count = (  # type: ignore[attr-defined]
        selectors.village_count(jurisdiction, region) if region.level < Level.VILLAGE else None
    )
    return region


class _ChildrenWithVillageCounts:
    """Children as a sliceable sequence for the paginator: the page's rows get their village
    counts from one grouped query, whatever the page size."""

    def __init__(self, jurisdiction: Jurisdiction, region: Region) -> None:
        self.jurisdiction = jurisdiction
        self.region = region
        self.queryset: QuerySet[Region] = selectors.region_children(jurisdiction, region)

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[Region]:
        rows = list(self.queryset[page])
        if rows and self.region.level < Level.TOWNSHIP:
            counts = selectors.village_counts_below(self.jurisdiction, self.region)
        else:
            counts = None
        for row in rows:
            row.village_count = counts.get(row.code, 0) if counts is not None else None  # type: ignore[attr-defined]
        return rows


@router.get("/tree", response=list[NodeOut], summary="The caller's root node(s)")
def tree(request: HttpRequest) -> list[Region]:
    j = _scope(request)
    return [_with_counts(j, root) for root in selectors.region_roots(j)]


@router.get("/search", response=list[RegionOut], summary="Search by name, code or pinyin")
def search(request: HttpRequest, params: Query[SearchParams]) -> list[Region]:
    j = _scope(request)
    return selectors.region_search(j, params.q, limit=params.limit)


@router.get("/{code}", response=NodeOut, summary="One node with its counts")
def node(request: HttpRequest, code: str) -> Region:
    j = _scope(request)
    return _with_counts(j, selectors.get_region_for(j, code))


@router.get("/{code}/children", response=list[NodeOut], summary="Children with counts")
@paginate(PagePagination)
def children(request: HttpRequest, code: str, **kwargs: Any) -> _ChildrenWithVillageCounts:
    j = _scope(request)
    return _ChildrenWithVillageCounts(j, selectors.get_region_for(j, code))
