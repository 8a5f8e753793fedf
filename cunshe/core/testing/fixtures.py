"""pytest fixtures shared by every app's tests (loaded from the root conftest)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from cunshe.accounts.models import User
from cunshe.core.testing.cast import Cast, build_cast, login


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    return build_cast()


@pytest.fixture
def client_as(cast: Cast) -> Callable[[User | str], Client]:
    """client_as("clerk_a") or client_as(user): a fresh client signed in as that person."""

    def make(who: User | str) -> Client:
        user = cast.users[who] if isinstance(who, str) else who
        return login(Client(), user)

    return make


from cunshe.core.testing.browser import browser, flushable_audit, server  # noqa: E402, F401
