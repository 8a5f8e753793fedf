"""Fixtures for polls, on top of the meetings' `hamlet` (village A: 11 adults living there in 6
households; 一组 has 8 adults in households 1–4).

`poll_maker(**fields)` creates a poll in village A (open now, closing in a week, secret by
default) and opens it unless `open=False`. `expire(poll)` moves its closing time into the past,
as if the week had gone by. `villager_person` links the cast villager's account to head 1.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.residents.models import Person
from cunshe.residents.tests.conftest import (  # noqa: F401
    clerk_j,
    household_a,
    register,
)
from cunshe.selfgov.models import Poll
from cunshe.selfgov.services import polls as svc
from cunshe.selfgov.tests.meetings_fixtures import hamlet  # noqa: F401


@pytest.fixture
def poll_maker(cast, clerk_j, hamlet):  # type: ignore[no-untyped-def]  # noqa: F811
    def make(open=True, region=None, options=("同意", "不同意", "弃权"), **fields):  # type: ignore[no-untyped-def]
        now = timezone.now()
        fields.setdefault("question", "是否同意硬化村东道路（每户出工两天）？")
        fields.setdefault("opens_at", now - timedelta(minutes=1))
        fields.setdefault("closes_at", now + timedelta(days=7))
        poll = svc.poll_create(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=region or cast.village_a,
            options=list(options), **fields,
        )  # fmt: skip
        if open:
            poll = svc.poll_open(actor=cast.clerk_a, jurisdiction=clerk_j, poll=poll)
        return poll

    return make


def expire(poll: Poll) -> Poll:
    Poll._base_manager.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    poll.refresh_from_db()
    return poll


@pytest.fixture
def villager_person(cast, hamlet):  # type: ignore[no-untyped-def]  # noqa: F811
    person = hamlet.heads[0]
    Person._base_manager.filter(pk=person.pk).update(account=cast.villager)
    person.refresh_from_db()
    return person
