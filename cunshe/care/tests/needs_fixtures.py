"""Fixtures for the needs and statistics tests: uploads in a temporary folder, a catalogue item a
village clerk may take in as 代办, profiles of the `family`, visits and alerts written directly
(the visits and alerts parts have their own services and tests), and a county justice officer
(a county department without any care permission).

Import in a test module with `from cunshe.care.tests.needs_fixtures import *`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.care.models import Alert, CareProfile, Visit
from cunshe.core.jurisdiction import system_scope
from cunshe.servicedesk.tests.factories import make_item

__all__ = [
    "child",
    "desk_item",
    "elder",
    "justice_officer",
    "make_alert",
    "make_visit",
    "media",
    "women_officer",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder, not the developer's var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def desk_item(db):  # type: ignore[no-untyped-def]
    """A township-level item offered in every village, takeable as 代办."""
    return make_item("C-001", name="特困人员救助供养", materials=(("居民身份证", "id_card", True),))


@pytest.fixture
def elder(family, make_profile) -> CareProfile:  # type: ignore[no-untyped-def]
    return make_profile(family.grandfather, "elderly", risk="priority")


@pytest.fixture
def child(family, make_profile) -> CareProfile:  # type: ignore[no-untyped-def]
    return make_profile(family.child, "child", risk="high")


@pytest.fixture
def make_visit(cast):  # type: ignore[no-untyped-def]
    """make_visit(profile, at=None, **fields): a visit row written directly."""

    def make(profile: CareProfile, at: datetime | None = None, **fields: Any) -> Visit:
        with system_scope("test set-up"):
            return Visit.objects.create(
                profile=profile,
                region_id=profile.region_id,
                visited_at=at or timezone.now() - timedelta(hours=1),
                mode=fields.pop("mode", "home"),
                carer=fields.pop("carer", cast.clerk_a),
                carer_name=fields.pop("carer_name", "clerk_a"),
                findings=fields.pop("findings", "身体尚可"),
                recorded_by=fields.pop("recorded_by", cast.clerk_a),
                **fields,
            )

    return make


@pytest.fixture
def make_alert(cast):  # type: ignore[no-untyped-def]
    """make_alert(profile, kind="sos", opened_at=None, ack_after=None, closed=False)."""

    def make(
        profile: CareProfile,
        kind: str = "sos",
        opened_at: datetime | None = None,
        ack_after: timedelta | None = None,
        closed: bool = False,
    ) -> Alert:
        opened = opened_at or timezone.now() - timedelta(minutes=30)
        fields: dict[str, Any] = {"status": Alert.Status.OPEN}
        if ack_after is not None:
            fields.update(
                status=Alert.Status.ACKNOWLEDGED,
                acknowledged_at=opened + ack_after,
                acknowledged_by=cast.clerk_a,
            )
        if closed:
            fields.update(status=Alert.Status.CLOSED, closed_at=opened + timedelta(hours=2))
        with system_scope("test set-up"):
            return Alert.objects.create(
                person=profile.person,
                profile=profile,
                region_id=profile.region_id,
                kind=kind,
                opened_at=opened,
                **fields,
            )

    return make


def _county_officer(cast: Any, name: str, department: str) -> User:
    user = User.objects.create_user(username=name, password="x-password-123", display_name=name)
    RoleAssignment.objects.create(
        user=user, role=Role.COUNTY_OFFICER, region=cast.county, department=department
    )
    cast.users[name] = user
    return user


@pytest.fixture
def justice_officer(cast) -> User:  # type: ignore[no-untyped-def]
    """A county justice-bureau officer: no care permission at all, not even statistics."""
    return _county_officer(cast, "county_justice", Department.JUSTICE)


@pytest.fixture
def women_officer(cast) -> User:  # type: ignore[no-untyped-def]
    """A county women's-federation officer: care.view and children, care.stats."""
    return _county_officer(cast, "county_women", Department.WOMEN)
