from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from cunshe.accounts.models import ApiToken, RoleAssignment, User
from cunshe.accounts.services import api_token_create
from cunshe.core.testing.cast import Cast


@pytest.fixture
def make_token(cast: Cast) -> Callable[..., tuple[ApiToken, str]]:
    """make_token("clerk_a") -> (token row, full secret), acting as that person's first role."""

    def make(
        who: User | str, assignment: RoleAssignment | None = None, **kwargs
    ) -> tuple[ApiToken, str]:
        user = cast.users[who] if isinstance(who, str) else who
        assignment = assignment or RoleAssignment.objects.filter(user=user).first()
        return api_token_create(
            user=user, assignment=assignment, name=kwargs.pop("name", "test"), **kwargs
        )

    return make


@pytest.fixture
def bearer() -> Callable[[str], Client]:
    """A client that sends the given token on every request, and no session."""

    def make(secret: str, **headers: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)

    return make
