"""Fixtures for the receipt and status-page tests: an accepted 代办 application with materials,
made through the services (tests import these names)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from cunshe.servicedesk.tests.factories import act, make_item, submit, upload, villager_person

__all__ = ["accepted", "fresh_cache", "item", "person", "submitted"]

PHONE = "13800001234"


@pytest.fixture
def item(db):  # type: ignore[no-untyped-def]
    return make_item()


@pytest.fixture
def person(cast, register):  # type: ignore[no-untyped-def]
    return villager_person(cast, register, phone=PHONE)


@pytest.fixture
def submitted(cast, person, item):  # type: ignore[no-untyped-def]
    """Submitted by clerk_a for the villager (代办) with the ID card and the household book."""
    ids = {m.doc_type: m.pk for m in item.materials.all()}
    return submit(
        cast,
        person,
        item,
        mode="daiban",
        uploads={ids["id_card"]: upload("id.pdf"), ids["hukou_book"]: upload("hukou.png",
                 b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
    )  # fmt: skip


@pytest.fixture
def accepted(cast, submitted):  # type: ignore[no-untyped-def]
    """The same application accepted by the township officer (闵家镇 handles the item)."""
    return act(cast, submitted, "accept", by="township_officer")


@pytest.fixture
def fresh_cache():  # type: ignore[no-untyped-def]
    """The failed-lookup counters live in the cache: start and end every test empty."""
    cache.clear()
    yield cache
    cache.clear()
