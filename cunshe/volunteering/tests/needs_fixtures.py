"""Fixtures for needs and matching: volunteers made directly (the volunteers part registers
them through its own services; here only matching's inputs matter), hamlet coordinates, a
need maker, and a care need of an elderly person and of a child in village A.

`volunteer(name, region=village A, skills=[...], account=None, **fields)`; `need_maker(**f)`
posts through `need_create` as clerk_a (tomorrow 09:00–11:00 local by default).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cunshe.care.models import CareNeed, CareProfile
from cunshe.core.jurisdiction import system_scope
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.volunteering.models import HamletLocation, Volunteer
from cunshe.volunteering.services import needs as svc

TZ = ZoneInfo("Asia/Shanghai")


def tomorrow_at(hour: int, days: int = 1) -> datetime:
    d = timezone.now().astimezone(TZ).date() + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, tzinfo=TZ)


@pytest.fixture
def volunteer(cast):  # type: ignore[no-untyped-def]
    counter = {"n": 0}

    def make(name, region=None, skills=("company",), account=None, **fields):  # type: ignore[no-untyped-def]
        counter["n"] += 1
        fields.setdefault("verified_at", timezone.now())
        with system_scope("test set-up"):
            return Volunteer.objects.create(
                number=f"V{counter['n']:05d}",
                name=name,
                id_number=f"22018219900101{counter['n']:04d}",
                region=region or cast.village_a,
                skills=list(skills),
                account=account,
                registered_by=cast.clerk_a,
                **fields,
            )

    return make


@pytest.fixture
def hamlet(cast):  # type: ignore[no-untyped-def]
    """一组 (a hamlet of village A) and both villages have coordinates (≈ 3.3 km apart)."""
    with system_scope("test set-up"):
        HamletLocation.objects.create(
            region=cast.village_a, lat_micro=44_860_000, lon_micro=126_530_000
        )
        HamletLocation.objects.create(
            region=cast.village_b, lat_micro=44_890_000, lon_micro=126_530_000
        )
        HamletLocation.objects.create(
            region=cast.regions["220182102200001"], lat_micro=44_861_000, lon_micro=126_531_000
        )
    return cast.regions["220182102200001"]


@pytest.fixture
def need_maker(cast, clerk_j):  # type: ignore[no-untyped-def]  # noqa: F811
    def make(**fields):  # type: ignore[no-untyped-def]
        fields.setdefault("region", cast.village_a)
        fields.setdefault("title", "帮独居老人打扫院子")
        fields.setdefault("category", "elderly")
        fields.setdefault("skills", ["housework"])
        fields.setdefault("starts_at", tomorrow_at(9))
        fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
        return svc.need_create(actor=cast.clerk_a, jurisdiction=clerk_j, **fields)

    return make


@pytest.fixture
def care_needs(cast, register):  # type: ignore[no-untyped-def]  # noqa: F811
    """An elderly person's and a child's care need (open) in village A."""
    elder = register("孙长顺", date(1946, 3, 1), relationship="02", seq=11)
    child = register("孙小宝", date(2016, 5, 1), relationship="20", seq=12)
    out = {}
    with system_scope("test set-up"):
        for key, person, kind, cat in (
            ("elder", elder, "elderly", "daily_care"),
            ("child", child, "child", "education"),
        ):
            profile = CareProfile.objects.create(
                person=person,
                region_id=person.region_id,
                kind=kind,
                status="active",
                risk_level="general",
                identified_on=date(2026, 1, 5),
                reason=[],
            )
            out[key] = CareNeed.objects.create(
                profile=profile,
                region_id=person.region_id,
                category=cat,
                description=f"{person.name}需要帮助",
                created_by=cast.clerk_a,
            )
    return out
