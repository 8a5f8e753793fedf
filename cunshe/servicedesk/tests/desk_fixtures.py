"""Fixtures for the staff pages of applications: uploads stored in a temporary folder, a
township-level item, the villager's person, and helpers that drive the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cunshe.servicedesk.models import Application
from cunshe.servicedesk.tests.factories import PDF, make_item, upload, villager_person

# The fixtures, for `from desk_fixtures import *` in test modules (helpers are imported by name).
__all__ = ["item", "media", "person"]

INTAKE = reverse("servicedesk:intake")
LIST = reverse("servicedesk:desk_list")


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
def item(db):  # type: ignore[no-untyped-def]
    return make_item()


@pytest.fixture
def person(cast, register):  # type: ignore[no-untyped-def]
    return villager_person(cast, register)


def detail_url(app: Application) -> str:
    return reverse("servicedesk:application", args=[app.pk])


def act_url(app: Application) -> str:
    return reverse("servicedesk:application_act", args=[app.pk])


def material_url(app: Application, material_id: int) -> str:
    return reverse("servicedesk:material", args=[app.pk, material_id])


def count_applications() -> int:
    """Every application in the database (tests only: the unscoped base manager)."""
    return Application._base_manager.count()


def intake_data(person: Any, item: Any, **overrides: Any) -> dict[str, Any]:
    """A complete 代办 submission from the intake page (委托书 attached, ID card uploaded)."""
    id_req = item.materials.get(doc_type="id_card")
    data: dict[str, Any] = {
        "step": "submit",
        "person": person.pk,
        "item": item.pk,
        "idempotency_key": overrides.pop("key", "intake-key-1"),
        "mode": "daiban",
        "authorised_on": timezone.localdate().isoformat(),
        "authorisation": upload("weituo.pdf", PDF),
        f"material_{id_req.pk}": upload("id.pdf", PDF),
        "details": "家庭收入低于低保标准",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
