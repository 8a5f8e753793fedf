"""POST /api/v1/servicedesk/applications/{id}/actions/{action}: the workflow over JSON. A
transition not allowed from the current state is 400 with the rule's message, a stale version
409, a caller who is not the handling unit 403, someone outside 404; none of them changes
anything."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application, Status
from cunshe.servicedesk.tests.factories import act
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def post(client: Client, app, action: str, **body):  # type: ignore[no-untyped-def]
    url = f"/api/v1/servicedesk/applications/{app.pk}/actions/{action}"
    return client.post(url, json.dumps(body), content_type="application/json")


def fresh(cast, app) -> Application:  # type: ignore[no-untyped-def]
    return Application.objects.within(jurisdiction_of(cast.clerk_a)).get(pk=app.pk)


def test_the_handling_unit_accepts(cast, client_as, my_app):
    r = post(client_as("township_officer"), my_app, "accept", expected_version=1)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "accepted" and body["version"] == 2
    assert [e["title"] for e in body["timeline"]] == ["已提交", "已受理"]


def test_a_transition_not_allowed_now_is_400_with_the_rule(cast, client_as, my_app):
    r = post(client_as("township_officer"), my_app, "approve", expected_version=1)
    assert r.status_code == 400
    assert r.json()["message"] == "办件当前状态为“已提交”，不能执行“准予办理”。"
    app = fresh(cast, my_app)
    assert app.status == Status.SUBMITTED and app.version == 1


def test_a_stale_version_is_409(cast, client_as, my_app):
    r = post(client_as("township_officer"), my_app, "accept", expected_version=7)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert fresh(cast, my_app).status == Status.SUBMITTED


def test_a_reason_is_required_where_the_table_says_so(cast, client_as, my_app):
    r = post(client_as("township_officer"), my_app, "reject", expected_version=1, reason=" ")
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    r = post(
        client_as("township_officer"), my_app, "reject", expected_version=1, reason="不符合条件"
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_only_the_handling_unit_may_act(cast, client_as, my_app):
    # The village clerk and the county department see the matter but do not handle it.
    assert post(client_as("clerk_a"), my_app, "accept", expected_version=1).status_code == 403
    assert post(client_as("county_civil"), my_app, "accept", expected_version=1).status_code == 403
    assert post(client_as("villager"), my_app, "accept", expected_version=1).status_code == 403
    assert fresh(cast, my_app).status == Status.SUBMITTED


def test_outsider_gets_404(cast, client_as, my_app):
    for action in ("accept", "withdraw"):
        r = post(client_as("outsider"), my_app, action, expected_version=1, reason="x")
        assert r.status_code == 404
    assert fresh(cast, my_app).status == Status.SUBMITTED


def test_the_villager_withdraws(cast, client_as, my_app):
    r = post(client_as("villager"), my_app, "withdraw", expected_version=1, reason="不需要了")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert r.json()["allowed_actions"] == []


def test_the_villager_resubmits_with_a_document_on_file(cast, client_as, me, item, my_app):
    from cunshe.servicedesk.tests.factories import submit, upload

    id_req = item.materials.get(doc_type="id_card")
    other = submit(cast, me, item, uploads={id_req.pk: upload()})
    on_file = other.materials.get(doc_type="id_card")
    app = act(cast, my_app, "return", reason="缺身份证")
    r = post(client_as("villager"), app, "resubmit", expected_version=app.version,
             reuse=[{"requirement": id_req.pk, "material": on_file.pk}])  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted"
    assert fresh(cast, app).materials.get(doc_type="id_card").reused_from == on_file


def test_unknown_action_and_missing_version_are_422(client_as, my_app):
    client = client_as("township_officer")
    assert post(client, my_app, "teleport", expected_version=1).status_code == 422
    assert post(client, my_app, "accept").status_code == 422


def test_anonymous_must_sign_in(my_app):
    assert post(Client(), my_app, "accept", expected_version=1).status_code == 401
