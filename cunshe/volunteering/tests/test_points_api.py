"""Points API: rules, declarations through the flow, refusals (self-approval, future deed,
over max units, objection on own), accounts and movements, reversal; outsider 404; the
points_verify command (exit 1 on a tampered cache, --fix rewrites and audits it)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Declaration, PointsAccount
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import ledger
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.points_fixtures import later

API = "/api/v1/volunteering/points"


def _post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def test_api_flow_and_refusals(client_as, cast, points, clerk_a2, villager_person):
    hh = points.households[1]
    rule = points.rules["neighbour-help"]
    c2 = client_as("clerk_a2")
    today = timezone.localdate()
    body = {
        "rule_id": rule.pk,
        "household_id": hh.pk,
        "quantity": "2",
        "deed_date": today.isoformat(),
        "description": "帮忙",
    }
    r = _post(c2, f"{API}/declarations", {**body, "deed_date": (today + timedelta(1)).isoformat()})
    assert r.status_code == 400 and "deed_date" in r.json()["fields"]
    r = _post(c2, f"{API}/declarations", {**body, "quantity": "6"})
    assert r.status_code == 400 and "quantity" in r.json()["fields"]
    assert Declaration._base_manager.count() == 0
    r = _post(c2, f"{API}/declarations", body)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert _post(c2, f"{API}/declarations/{pk}/review", {}).status_code == 400  # own declaration
    r = _post(client_as("clerk_a"), f"{API}/declarations/{pk}/review", {"expected_version": 1})
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    r = _post(client_as("leader_a"), f"{API}/declarations/{pk}/approve", {"expected_version": 1})
    assert r.status_code == 409
    r = _post(client_as("leader_a"), f"{API}/declarations/{pk}/approve", {"expected_version": 2})
    assert r.status_code == 200 and r.json()["status"] == "posted"
    villager = client_as("villager")
    r = _post(villager, f"{API}/declarations/{pk}/objections", {"reason": "不属实"})
    assert r.status_code == 201
    oid = r.json()["id"]
    assert (
        _post(
            client_as("clerk_a"),
            f"{API}/objections/{oid}/decide",
            {"upheld": False, "answer": "属实"},
        ).status_code
        == 403
    )
    r = _post(
        client_as("leader_a"),
        f"{API}/objections/{oid}/decide",
        {"upheld": False, "answer": "经核实属实"},
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    row = Declaration._base_manager.get(pk=pk)
    dsvc.credit_due(today=later(row))
    row.refresh_from_db()
    account = ledger.household_account(hh)
    r = client_as("leader_a").get(f"{API}/accounts/{account.pk}/movements")
    assert r.status_code == 200 and r.json()[0]["balance_after"] == 20
    assert client_as("leader_a").get(f"{API}/accounts").status_code == 200
    r = _post(client_as("leader_a"), f"{API}/entries/{row.entry_id}/reverse", {"reason": "错报"})
    assert r.status_code == 201 and r.json()["reverses_id"] == row.entry_id
    r = _post(client_as("leader_a"), f"{API}/entries/{row.entry_id}/reverse", {"reason": "再次"})
    assert r.status_code == 400
    # The villager's own household: declaring works, objecting to it is refused.
    own = dsvc.declaration_declare(
        actor=cast.clerk_a2,
        jurisdiction=__import__("cunshe.volunteering.tests.points_fixtures", fromlist=["j"]).j(
            cast.clerk_a2
        ),
        earning_rule=rule,
        quantity=1,
        deed_date=today,
        description="自家",
        household=villager_person.household,
    )
    own = dsvc.declaration_review(
        actor=cast.clerk_a,
        jurisdiction=__import__("cunshe.volunteering.tests.points_fixtures", fromlist=["j"]).j(
            cast.clerk_a
        ),
        declaration=own,
    )
    _post(client_as("leader_a"), f"{API}/declarations/{own.pk}/approve", {})
    r = _post(villager, f"{API}/declarations/{own.pk}/objections", {"reason": "x"})
    assert r.status_code == 400 and "自己" in r.json()["message"]


def test_api_outsider_sees_nothing(client_as, cast, posted):
    row = posted()
    out = client_as("outsider")
    assert out.get(f"{API}/declarations/{row.pk}").status_code == 404
    assert _post(out, f"{API}/declarations/{row.pk}/approve", {}).status_code == 404
    assert out.get(f"{API}/declarations").json()["items"] == []
    assert out.get(f"{API}/rules").json()["items"] == []


def test_points_verify_command(cast, posted):
    row = posted()
    dsvc.credit_due(today=later(row))
    out = StringIO()
    call_command("points_verify", stdout=out)
    assert "OK" in out.getvalue()
    account = ledger.household_account(row.household)
    PointsAccount._base_manager.filter(pk=account.pk).update(balance=999)
    with pytest.raises(CommandError) as exc:
        call_command("points_verify", stdout=StringIO())
    assert exc.value.returncode == 1
    out = StringIO()
    call_command("points_verify", "--fix", stdout=out)
    assert "fixed: account" in out.getvalue()
    account.refresh_from_db()
    assert account.balance == 20
    assert AuditEvent.objects.filter(action="points.ledger.caches_fixed").count() == 1
