"""Fixtures for the 随手拍 and Open311 tests: categories at each level, a villager with a name
and a phone, image bytes, photos stored in a temporary MEDIA, and a report factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.roles import Department
from cunshe.servicedesk.models import HandlingLevel, ProblemReport, ReportCategory
from cunshe.servicedesk.services import reports as services

__all__ = ["categories", "make_report", "media", "villager"]  # the fixtures

REPORTER_NAME = "王秀兰"
REPORTER_PHONE = "13904315678"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
# Inside Jilin: near 闵家镇, 榆树市.
LAT, LON = "44.826100", "126.533200"


def jurisdiction_of(user: Any) -> Any:
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a temporary MEDIA root (never under static)."""
    storages = dict(settings.STORAGES)
    storages["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")},
    }
    settings.STORAGES = storages
    return tmp_path / "media"


@pytest.fixture
def categories(db) -> dict[str, ReportCategory]:  # type: ignore[no-untyped-def]
    """rubbish (village), streetlight (township), sewage (county 生态环境), relief (county 民政)."""
    rows = {
        "rubbish": ("垃圾乱堆", "环境卫生", HandlingLevel.VILLAGE, ""),
        "streetlight": ("路灯损坏", "道路设施", HandlingLevel.TOWNSHIP, Department.HOUSING),
        "sewage": ("污水直排", "环境卫生", HandlingLevel.COUNTY, Department.ENVIRONMENT),
        "relief": ("困难群众需要帮扶", "民生", HandlingLevel.COUNTY, Department.CIVIL_AFFAIRS),
    }
    return {
        code: ReportCategory.objects.create(
            code=code, name=name, group=group, level=level, department=dept, keywords=name
        )
        for code, (name, group, level, dept) in rows.items()
    }


@pytest.fixture
def villager(cast):  # type: ignore[no-untyped-def]
    user = cast.villager
    user.display_name = REPORTER_NAME
    user.phone = REPORTER_PHONE
    user.save()
    return user


@pytest.fixture
def make_report(cast, villager, categories) -> Callable[..., ProblemReport]:  # type: ignore[no-untyped-def]
    """make_report(category="rubbish", **fields): a villager's report in village A."""

    def make(category: str = "rubbish", **fields: Any) -> ProblemReport:
        kwargs: dict[str, Any] = {
            "description": "村口垃圾堆了三天",
            "lat": LAT,
            "lon": LON,
            "address": "村口小桥边",
            "region": cast.village_a,
        }
        kwargs.update(fields)
        return services.report_create(
            actor=villager,
            jurisdiction=jurisdiction_of(villager),
            category=categories[category],
            **kwargs,
        )

    return make
