"""Fixtures of the villager's pages and the applications API: catalogue items, the villager's
household (the villager and a spouse), a neighbouring household, and a few matters."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.residents import services as rsvc
from cunshe.servicedesk.tests.factories import make_item, submit, villager_person


@pytest.fixture
def item(db):  # type: ignore[no-untyped-def]
    """A township matter a villager may apply for online."""
    return make_item("T-001")


@pytest.fixture
def offline_item(db):  # type: ignore[no-untyped-def]
    """A matter only the village clerk can take in (代办/领办), bookable."""
    return make_item("T-010", name="农村宅基地申请", modes=("daiban", "lingban", "appointment"))


@pytest.fixture
def me(cast, register):  # type: ignore[no-untyped-def]
    """The villager's own person (head of household A-001, linked to the villager account)."""
    return villager_person(cast, register)


@pytest.fixture
def spouse(me, register):  # type: ignore[no-untyped-def]
    return register("李建华", date(1966, 3, 2), sex="M", relationship="10", seq=2)


@pytest.fixture
def neighbour(cast, register, clerk_j):  # type: ignore[no-untyped-def]
    """The head of another household in the same village."""
    other = rsvc.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="A-002"
    )
    return register("赵大伯", date(1950, 8, 8), relationship="02", household=other, seq=7)


@pytest.fixture
def neighbour_app(cast, neighbour, item):  # type: ignore[no-untyped-def]
    return submit(cast, neighbour, item, mode="daiban")


@pytest.fixture
def my_app(cast, me, item):  # type: ignore[no-untyped-def]
    return submit(cast, me, item, by="villager", mode="online")


# For `from villager_fixtures import *` in test modules: the fixtures only.
__all__ = [
    "item",
    "me",
    "my_app",
    "neighbour",
    "neighbour_app",
    "offline_item",
    "spouse",
]
