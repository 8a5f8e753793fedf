"""Reads for the page shell."""

from __future__ import annotations

from cunshe.accounts.models import RoleAssignment
from cunshe.regions.models import Region


def assignment_breadcrumbs(assignment: RoleAssignment | None) -> list[Region]:
    """The path from the province down to the assignment's own region, root first.

    Not scoped by jurisdiction on purpose: these are the names of the regions *above* the
    user's own, which every member of the region may know (they are on the village's sign);
    nothing below or beside the assignment is read. One query, none at province level.
    """
    if assignment is None:
        return []
    region = assignment.region
    codes = region.ancestor_codes()
    ancestors = list(Region.objects.filter(code__in=codes).order_by("code")) if codes else []
    return [*ancestors, region]
