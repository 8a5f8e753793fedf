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


def test_credited_memo_has_no_internal_id_and_staff_still_reach_the_declaration(
    client_as, cast, posted, villager_person
):  # type: ignore[no-untyped-def]
    from cunshe.volunteering.services import declarations as dsvc
    from cunshe.volunteering.tests.points_fixtures import later

    row = posted(hh=0)  # the villager's own household
    dsvc.credit_due(today=later(row))
    row.refresh_from_db()
    assert row.entry.memo.endswith(" ×2")
    assert "申报#" not in row.entry.memo
    page = client_as("villager").get("/vol/me/points/").content.decode()
    assert row.entry.memo in page and "申报#" not in page
    account = ledger.household_account(villager_person.household)
    desk = client_as("leader_a").get(f"/vol/points/accounts/{account.pk}/").content.decode()
    assert f'href="/vol/points/declarations/{row.pk}/"' in desk and f"申报#{row.pk}" in desk


def test_an_old_memo_with_an_id_is_shown_to_the_villager_without_it(
    client_as, cast, villager_person, points
):  # type: ignore[no-untyped-def]
    from cunshe.volunteering.tests.store_fixtures import credit

    account = ledger.household_account(villager_person.household)
    credit(account, 5, memo="孝敬照料老人 ×1（申报#2）")
    client = client_as("villager")
    for url in ("/vol/me/points/", "/vol/me/store/statement/"):
        page = client.get(url).content.decode()
        assert "孝敬照料老人 ×1" in page and "申报#2" not in page, url


def test_one_wording_for_a_volunteer_without_a_star(client_as, cast):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from cunshe.volunteering.tests.reports_fixtures import period, township_records

    township_records(cast)  # village A has a registered volunteer with 0 hours (no star)
    html = client_as("township_officer").get("/vol/reports/", period()).content.decode()
    assert "未评星" in html and "未定级" not in html
    app = Path(__file__).resolve().parents[1]
    stale = [
        str(p.relative_to(app))
        for p in [*app.rglob("*.py"), *app.rglob("*.html")]
        if "tests" not in p.parts and "未定级" in p.read_text(encoding="utf-8")
    ]
    assert stale == []
