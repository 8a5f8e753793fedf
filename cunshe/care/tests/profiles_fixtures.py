"""Fixtures for the profiles and visits tests: jurisdictions of the cast, tiny image files."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from cunshe.residents.tests.conftest import jurisdiction_of

# The fixtures, for `from profiles_fixtures import *` (helpers are imported by name).
__all__ = ["county_officer", "j_of", "media"]

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GIF = b"GIF89a" + b"\x00" * 64


def at(text: str) -> datetime:
    """An aware Beijing time from 'YYYY-MM-DD HH:MM'."""
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


@pytest.fixture
def j_of(cast):  # type: ignore[no-untyped-def]
    """j_of("leader_a"): the cast member's jurisdiction."""

    def make(name):  # type: ignore[no-untyped-def]
        return jurisdiction_of(cast.users[name])

    return make


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def county_officer(cast):  # type: ignore[no-untyped-def]
    """county_officer("womens_federation"): a new county officer of that department in 榆树市."""
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role

    def make(department):  # type: ignore[no-untyped-def]
        existing = User.objects.filter(username=f"county_{department}").first()
        if existing is not None:
            return existing
        user = User.objects.create_user(
            username=f"county_{department}", password="x-unused-123", display_name=department
        )
        RoleAssignment.objects.create(
            user=user, role=Role.COUNTY_OFFICER, region=cast.county, department=department
        )
        return user

    return make
