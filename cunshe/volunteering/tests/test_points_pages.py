"""Points pages: rules, declarations through the flow, accounts and reversal, the villager's
page (declare, object, card reset); 403 without the permission, 404 for the outsider; query
counts of list pages pinned."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Declaration, EarningRule, Objection, PointsEntry
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import ledger
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.points_fixtures import later

S = Declaration.Status


def test_rules_page_template_create_and_new_version(client_as, cast, hamlet):
    client = client_as("clerk_a")
    r = client.post("/vol/points/rules/", {"action": "template", "region": cast.village_a.pk})
    assert r.status_code == 302 and EarningRule._base_manager.count() == 8
    page = client.get("/vol/points/rules/").content.decode()
    assert "孝老爱亲" in page and "邻里互助" in page
    data = {"action": "create", "region": cast.village_a.pk, "code": "tree", "category":
            "environment", "name": "植树", "points_per_unit": 5, "unit": "item", "max_units": 20,
            "credit_to": "household"}  # fmt: skip
    assert client.post("/vol/points/rules/", {**data, "category": "bad"}).status_code == 400
    assert client.post("/vol/points/rules/", data).status_code == 302
    row = EarningRule._base_manager.get(code="tree")
    r = client.post(f"/vol/points/rules/{row.pk}/", {**data, "action": "change",
                    "points_per_unit": 6, "version": 1})  # fmt: skip
    assert r.status_code == 302
    assert EarningRule._base_manager.get(code="tree", valid_to__isnull=True).points_per_unit == 6
    assert client_as("leader_a").post("/vol/points/rules/", data).status_code == 403
    assert client_as("outsider").get(f"/vol/points/rules/{row.pk}/").status_code == 404
    assert client_as("villager").get("/vol/points/rules/").status_code == 403


def test_declaration_flow_through_the_pages(client_as, cast, points, clerk_a2):
    hh = points.households[1]
    r = client_as("clerk_a2").post("/vol/points/declarations/new/", {
        "earning_rule": points.rules["neighbour-help"].pk, "household": hh.pk, "quantity": "9",
        "deed_date": timezone.localdate().isoformat(), "description": "帮忙"})  # fmt: skip
    assert r.status_code == 400 and "上限" in r.content.decode()
    r = client_as("clerk_a2").post("/vol/points/declarations/new/", {
        "earning_rule": points.rules["neighbour-help"].pk, "household": hh.pk, "quantity": "2",
        "deed_date": timezone.localdate().isoformat(), "description": "帮忙"})  # fmt: skip
    assert r.status_code == 302
    d = Declaration._base_manager.get()
    url = f"/vol/points/declarations/{d.pk}/"
    assert "组长审核通过" in client_as("clerk_a").get(url).content.decode()
    assert client_as("clerk_a").post(url, {"action": "review", "version": 1}).status_code == 302
    r = client_as("clerk_a").post(url, {"action": "approve", "version": 2})
    assert r.status_code == 400  # the clerk has no points.approve: the form says so
    assert client_as("leader_a").post(url, {"action": "approve", "version": 2}).status_code == 302
    d.refresh_from_db()
    assert d.status == S.POSTED
    r = client_as("leader_a").post(url, {"action": "credit"})
    assert r.status_code == 400 and "公示期" in r.content.decode()
    dsvc.credit_due(today=later(d))
    d.refresh_from_db()
    assert d.status == S.CREDITED
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("villager").get(url).status_code == 403


def test_account_page_and_reversal(client_as, cast, posted):
    d = posted(hh=2, quantity=3)
    dsvc.credit_due(today=later(d))
    account = ledger.household_account(d.household)
    client = client_as("leader_a")
    page = client.get(f"/vol/points/accounts/{account.pk}/").content.decode()
    assert 'id="balance">30<' in page
    d.refresh_from_db()
    r = client.post(
        f"/vol/points/entries/{d.entry_id}/reverse/", {"reason": "", "account": account.pk}
    )
    assert r.status_code == 302 and PointsEntry._base_manager.count() == 1
    r = client.post(f"/vol/points/entries/{d.entry_id}/reverse/",
                    {"reason": "不属实", "account": account.pk})  # fmt: skip
    assert r.status_code == 302 and PointsEntry._base_manager.count() == 2
    account.refresh_from_db()
    assert account.balance == 0
    assert client_as("clerk_a").post(f"/vol/points/entries/{d.entry_id}/reverse/",
                                     {"reason": "x"}).status_code == 403  # fmt: skip
    assert client_as("outsider").get(f"/vol/points/accounts/{account.pk}/").status_code == 404
    summary = client.get("/vol/points/accounts/").content.decode()
    assert "村积分总账" in summary


def test_villager_page_declare_object_and_reset(client_as, cast, posted, villager_person, points):
    other = posted(hh=2)
    client = client_as("villager")
    page = client.get("/vol/me/points/").content.decode()
    assert "积分卡" in page and "尚无积分" in page and "data:image/svg+xml" not in page
    # Another household's posted deed is shown for objection, its head only masked.
    assert other.description in page
    head_name = points.hamlet.heads[2].name
    assert head_name not in page
    today = timezone.localdate()
    r = client.post("/vol/me/points/", {"action": "declare",
                    "earning_rule": points.rules["yard-clean"].pk, "quantity": "1",
                    "deed_date": (today + timedelta(days=1)).isoformat(),
                    "description": "x"})  # fmt: skip
    assert r.status_code == 400 and "不能晚于今天" in r.content.decode()
    r = client.post("/vol/me/points/", {"action": "declare",
                    "earning_rule": points.rules["yard-clean"].pk, "quantity": "1",
                    "deed_date": today.isoformat(), "description": "院子干净"})  # fmt: skip
    assert r.status_code == 302
    mine = Declaration._base_manager.get(household=villager_person.household)
    assert mine.declared_by == cast.villager
    r = client.post("/vol/me/points/", {"action": "object", "declaration": other.pk, "reason": ""})
    assert r.status_code == 400 and Objection._base_manager.count() == 0
    r = client.post("/vol/me/points/", {"action": "object", "declaration": other.pk,
                                        "reason": "没这回事"})  # fmt: skip
    assert r.status_code == 302 and Objection._base_manager.count() == 1
    token = ledger.household_account(villager_person.household).card_token
    r = client.post("/vol/me/points/", {"action": "reset_card", "confirm": "1"})
    assert r.status_code == 302
    assert ledger.household_account(villager_person.household).card_token != token
    assert AuditEvent.objects.filter(action="points.card.reset").exists()
    assert (
        client.post("/vol/me/points/", {"action": "withdraw", "declaration": mine.pk}).status_code
        == 302
    )
    mine.refresh_from_db()
    assert mine.status == S.WITHDRAWN
    assert client_as("clerk_a").get("/vol/me/points/").status_code == 403


def test_list_pages_query_counts_do_not_grow(client_as, cast, posted, declare,
                                             django_assert_max_num_queries):  # fmt: skip
    for i in range(3):
        d = posted(hh=i + 1)
    dsvc.credit_due(today=later(d))
    client = client_as("clerk_a")
    client.get("/vol/points/declarations/")
    with django_assert_max_num_queries(12) as ctx:
        assert client.get("/vol/points/declarations/").status_code == 200
    base = len(ctx.captured_queries)
    for i in range(4):
        declare(hh=i + 1)
    with django_assert_max_num_queries(base):
        client.get("/vol/points/declarations/")
    with django_assert_max_num_queries(20) as ctx:
        assert client.get("/vol/points/accounts/").status_code == 200
    base = len(ctx.captured_queries)
    posted(hh=5)
    dsvc.credit_due(today=later(d))
    with django_assert_max_num_queries(base):
        client.get("/vol/points/accounts/")
    with django_assert_max_num_queries(12):
        assert client.get("/vol/points/rules/").status_code == 200
