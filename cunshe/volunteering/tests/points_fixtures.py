"""Fixtures for points, on top of self-governance's `hamlet` (village A, six households;
households 1–4 in 一组 220182102200001, 5–6 on the village).

`points` — the default rule set copied into village A; `villager_person` links the cast villager
to head 1 (household 1, in 一组); `j(user)` is that user's jurisdiction; `posted(...)` takes a
declaration of household 2 through declare → review → approve; `later(days)` a date that many
days after the posting ended.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.cast import PASSWORD
from cunshe.residents.models import Person
from cunshe.residents.tests.conftest import (  # noqa: F401
    clerk_j,
    household_a,
    jurisdiction_of,
    register,
)
from cunshe.selfgov.tests.meetings_fixtures import hamlet  # noqa: F401
from cunshe.volunteering.models import EarningRule
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import earning_rules as rsvc


def j(user):  # type: ignore[no-untyped-def]
    return jurisdiction_of(user)


@pytest.fixture
def points(cast, clerk_j, hamlet):  # type: ignore[no-untyped-def]  # noqa: F811
    rsvc.rules_copy_template(actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a)
    rules = {r.code: r for r in EarningRule._base_manager.filter(valid_to__isnull=True)}
    return SimpleNamespace(rules=rules, hamlet=hamlet, households=hamlet.households)


@pytest.fixture
def villager_person(cast, hamlet):  # type: ignore[no-untyped-def]  # noqa: F811
    person = hamlet.heads[0]
    Person._base_manager.filter(pk=person.pk).update(account=cast.villager)
    person.refresh_from_db()
    return person


@pytest.fixture
def clerk_a2(cast):  # type: ignore[no-untyped-def]
    """A second clerk of village A (declares, so that clerk_a may review)."""
    user = User.objects.create_user(username="clerk_a2", password=PASSWORD, display_name="clerk_a2")
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_CLERK, region=cast.village_a)
    cast.users["clerk_a2"] = user
    return user


@pytest.fixture
def declare(cast, points, clerk_a2):  # type: ignore[no-untyped-def]
    """declare(household_index=1, code="neighbour-help", quantity=2, by="clerk_a2")."""

    def make(hh=1, code="neighbour-help", quantity=2, by="clerk_a2", **kw):  # type: ignore[no-untyped-def]
        user = cast.users[by]
        kw.setdefault("deed_date", timezone.localdate() - timedelta(days=1))
        kw.setdefault("description", "帮邻居抢收玉米")
        return dsvc.declaration_declare(
            actor=user,
            jurisdiction=j(user),
            earning_rule=points.rules[code],
            quantity=quantity,
            household=points.households[hh],
            **kw,
        )

    return make


@pytest.fixture
def posted(cast, declare):  # type: ignore[no-untyped-def]
    def make(hh=1, **kw):  # type: ignore[no-untyped-def]
        row = declare(hh=hh, **kw)
        row = dsvc.declaration_review(
            actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row
        )
        return dsvc.declaration_approve(
            actor=cast.leader_a, jurisdiction=j(cast.leader_a), declaration=row
        )

    return make


def later(row, days: int = 1):  # type: ignore[no-untyped-def]
    return row.posting_ends_on + timedelta(days=days)
