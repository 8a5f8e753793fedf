"""Reads about users and their assignments."""

from __future__ import annotations

from django.db import models

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


def users_within(jurisdiction: Jurisdiction, q: str = "") -> list[User]:
    """Users holding (or having held) a role inside the jurisdiction, with their assignments."""
    from django.db.models import Prefetch

    user_ids = RoleAssignment.objects.within(jurisdiction).values("user_id")
    users = User.objects.filter(pk__in=user_ids)
    if q:
        users = users.filter(models.Q(username__icontains=q) | models.Q(display_name__icontains=q))
    return list(
        users.order_by("username").prefetch_related(
            Prefetch(
                "assignments",
                queryset=RoleAssignment.objects.within(jurisdiction)
                .select_related("region")
                .order_by("revoked_at", "region_code"),
                to_attr="scoped_assignments",
            )
        )[:200]
    )


def get_user_for(jurisdiction: Jurisdiction, pk: int) -> User:
    """A user with some role inside the jurisdiction; 404 otherwise."""
    from django.http import Http404

    if not RoleAssignment.objects.within(jurisdiction).filter(user_id=pk).exists():
        raise Http404
    return User.objects.get(pk=pk)


def assignments_of_user_within(jurisdiction: Jurisdiction, user: User):  # type: ignore[no-untyped-def]
    """All of `user`'s assignments (live and ended) that lie inside the jurisdiction."""
    return (
        RoleAssignment.objects.within(jurisdiction)
        .filter(user=user)
        .select_related("region", "granted_by", "revoked_by")
        .order_by("revoked_at", "region_code")
    )
