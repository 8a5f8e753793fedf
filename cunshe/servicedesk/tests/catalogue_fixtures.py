"""Fixtures for the catalogue tests: the seeded catalogue, and a county officer of the other
county (梨树县) to play the outsider where the cast's outsider (a village clerk) would only
be refused for lacking the permission."""

from __future__ import annotations

import pytest

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.services.catalogue import SeedSummary, load_catalogue

__all__ = ["county_j", "county_officer_lishu", "seeded"]  # fixtures, for `import *`

LOW_INCOME = "JL-MZ-001"  # 最低生活保障申请: county, civil affairs, promised 20 / statutory 30
HOMESTEAD = "JL-NY-001"  # 农村宅基地申请: township, agriculture
RESIDENCE = "JL-CW-001"  # 居住证明开具: performed by the village committee


@pytest.fixture
def seeded(db) -> SeedSummary:  # type: ignore[no-untyped-def]
    return load_catalogue()


@pytest.fixture
def county_officer_lishu(cast) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user("lishu_civil", password="x" * 12, display_name="lishu")
    RoleAssignment.objects.create(
        user=user,
        role=Role.COUNTY_OFFICER,
        region=cast.regions["220322"],
        department=Department.CIVIL_AFFAIRS,
    )
    return user


@pytest.fixture
def county_j(cast):  # type: ignore[no-untyped-def]
    return jurisdiction_of(cast.county_civil)
