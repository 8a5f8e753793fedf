"""Reads about users and their assignments."""

from __future__ import annotations

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import is_staff_role
from cunshe.core.jurisdiction import Jurisdiction


def live_assignments_of(user: User) -> list[RoleAssignment]:
    """The user's assignments in force today, region loaded, stable order."""
    return list(
        RoleAssignment.objects.active()
        .filter(user=user)
        .select_related("region")
        .order_by("region_code", "role", "id")
    )


def needs_two_factor(assignments: list[RoleAssignment]) -> bool:
    return any(is_staff_role(a.role) for a in assignments)


def assignments_within(jurisdiction: Jurisdiction) -> list[RoleAssignment]:
    """Live assignments granted inside the jurisdiction (for the security administrator)."""
    return list(
        RoleAssignment.objects.active()
        .within(jurisdiction)
        .select_related("user", "region")
        .order_by("region_code", "user__username")
    )
