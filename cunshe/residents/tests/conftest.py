"""Register fixtures: a household in village A with a head, built through the services."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.accounts.models import RoleAssignment
from cunshe.residents import idcard, services


def jurisdiction_of(user):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


@pytest.fixture
def clerk_j(cast):  # type: ignore[no-untyped-def]
    return jurisdiction_of(cast.clerk_a)


@pytest.fixture
def household_a(cast, clerk_j):  # type: ignore[no-untyped-def]
    return services.household_create(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        region=cast.village_a,
        number="A-001",
        address="闵家村一组3号",
    )


@pytest.fixture
def register(cast, clerk_j, household_a):  # type: ignore[no-untyped-def]
    """register(name, born, sex="M", relationship="02", seq=1, household=None, **details)."""

    def make(name, born, sex="M", relationship="02", seq=1, household=None, **kw):  # type: ignore[no-untyped-def]
        return services.person_register(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            household=household or household_a,
            relationship=relationship,
            name=name,
            id_number=idcard.make("220182", born, seq, sex),
            since=kw.pop("since", date(2020, 1, 1)),
            **kw,
        )

    return make
