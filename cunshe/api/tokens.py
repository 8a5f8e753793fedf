"""Reads about a user's own API tokens, shared by the API and the token pages.

Tokens belong to a person, not to a region, so these reads are scoped by owner rather than by
jurisdiction: nobody, however senior, lists another person's tokens.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.accounts.models import ApiToken, RoleAssignment, User


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, each with its assignment, region and whether that
    assignment is still in force (one query)."""
    live = RoleAssignment.objects.active().filter(pk=OuterRef("assignment_id"))
    return (
        ApiToken.objects.filter(user=user)
        .select_related("assignment__region")
        .annotate(assignment_live=Exists(live))
        .order_by("-created_at", "-id")
    )


def token_of(user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; 404 for anyone else's (their existence is not ours to tell)."""
    token = tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def token_status(token: ApiToken) -> str:
    """revoked, expired, role_ended or active; the first that applies."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return "expired"
    if not getattr(token, "assignment_live", True):
        return "role_ended"
    return "active"
