"""Small UX fixes: the points card is reset only after ticking 确认作废旧卡; the villager's
balance history shows memos without internal ids; one wording for a volunteer without a star."""

from __future__ import annotations

import pytest

from cunshe.core.models import AuditEvent
from cunshe.volunteering.services import ledger
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def test_card_reset_needs_the_confirmation_tick(client_as, villager_person, points):  # type: ignore[no-untyped-def]
    account = ledger.household_account(villager_person.household)
    token = account.card_token
    client = client_as("villager")
    page = client.get("/vol/me/points/").content.decode()
    assert 'name="confirm"' in page and "确认作废旧卡" in page
    r = client.post("/vol/me/points/", {"action": "reset_card"})
    assert r.status_code == 400 and "确认作废旧卡" in r.content.decode()
    account.refresh_from_db()
    assert account.card_token == token
    assert not AuditEvent.objects.filter(action="points.card.reset").exists()
    r = client.post("/vol/me/points/", {"action": "reset_card", "confirm": "1"})
    assert r.status_code == 302
    account.refresh_from_db()
    assert account.card_token != token
    assert AuditEvent.objects.filter(action="points.card.reset").count() == 1
