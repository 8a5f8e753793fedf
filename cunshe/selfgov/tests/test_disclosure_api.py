"""/api/v1/selfgov/disclosures/: publish (never edit; corrections are new items), a matter's
decision published over the API moves the matter, dues and the township's overdue list,
questions asked by a villager, answered or hidden by the committee; refusals."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cunshe.core.models import AuditEvent
from cunshe.selfgov.jobs.disclosure import disclosure_daily
from cunshe.selfgov.models import DisclosureQuestion
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)
from cunshe.selfgov.tests.matters_fixtures import aware

pytestmark = pytest.mark.django_db
URL = "/api/v1/selfgov/disclosures/"


def post(client: Client, url: str, **body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def _item(client, **kw):  # type: ignore[no-untyped-def]
    body = {
        "village": "220182102200",
        "category": "finance",
        "title": "五月财务收支",
        "body": "收入 1000 元。",
        "period_start": "2026-05-01",
        "period_end": "2026-05-31",
    }
    body.update(kw)
    return post(client, URL, **body)


def test_publish_list_detail_and_correct(cast, client_as):
    clerk = client_as("clerk_a")
    r = _item(clerk)
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["category"] == "finance" and item["questions"] == []
    r = _item(clerk, title="更正：五月财务收支", body="收入 1200 元。", corrects=item["id"])
    assert r.status_code == 201 and r.json()["corrects_id"] == item["id"]
    listing = clerk.get(URL).json()["items"]
    assert [i["title"] for i in listing] == ["更正：五月财务收支", "五月财务收支"]
    assert clerk.get(f"{URL}{item['id']}").json()["body"] == "收入 1000 元。"
    assert clerk.get(URL, {"category": "major"}).json()["items"] == []
    # No way to edit a published item: the item's URL takes no PUT or PATCH.
    assert clerk.put(f"{URL}{item['id']}", "{}", content_type="application/json").status_code == 405


def test_a_finance_item_needs_its_period(cast, client_as):
    r = _item(client_as("clerk_a"), period_start=None, period_end=None)
    assert r.status_code == 400 and "period_start" in r.json()["fields"]


def test_publishing_a_decision_moves_the_matter(cast, client_as, new_matter, walk):
    matter = walk(new_matter(), 4)
    r = _item(client_as("clerk_a"), category="major", title="决议公开", matter=matter.pk,
              period_start=None, period_end=None)  # fmt: skip
    assert r.status_code == 201, r.content
    r = client_as("clerk_a").get(f"/api/v1/selfgov/matters/{matter.pk}")
    assert r.json()["step"] == 5


def test_questions_over_the_api(cast, client_as):
    item = _item(client_as("clerk_a")).json()
    r = post(client_as("villager"), f"{URL}{item['id']}/questions", question="收入来自哪里？")
    assert r.status_code == 201, r.content
    asked = r.json()
    assert "asked_by" not in asked
    assert (
        post(client_as("outsider"), f"{URL}{item['id']}/questions", question="x").status_code == 403
    )
    assert (
        post(client_as("clerk_a"), f"{URL}{item['id']}/questions", question="x").status_code == 403
    )
    detail = client_as("leader_a").get(f"{URL}{item['id']}").json()
    assert detail["waiting_questions"] == 1 and detail["questions"][0]["asked_by"] == "villager"
    qurl = f"{URL}questions/{asked['id']}"
    assert post(client_as("township_officer"), f"{qurl}/answer", answer="x").status_code == 403
    assert post(client_as("outsider"), f"{qurl}/answer", answer="x").status_code == 404
    r = post(client_as("leader_a"), f"{qurl}/answer", answer="土地租金。")
    assert r.status_code == 200 and r.json()["answer"] == "土地租金。"
    r = post(client_as("leader_a"), f"{qurl}/answer", answer="再答")
    assert r.status_code == 400
    second = post(client_as("villager"), f"{URL}{item['id']}/questions", question="另一问").json()
    r = post(client_as("leader_a"), f"{URL}questions/{second['id']}/hide", reason="")
    assert r.status_code == 422
    r = post(client_as("leader_a"), f"{URL}questions/{second['id']}/hide", reason="重复提问")
    assert r.status_code == 200 and r.json()["hidden"] is True
    assert DisclosureQuestion.objects.within(js_of(cast)).count() == 2  # never deleted
    assert AuditEvent.objects.filter(action="selfgov.question.hidden").count() == 1


def js_of(cast):  # type: ignore[no-untyped-def]
    from cunshe.selfgov.tests.matters_fixtures import jurisdiction_of

    return jurisdiction_of(cast.clerk_a)


def test_dues_and_the_township_overdue_list(cast, client_as):
    disclosure_daily(now=aware(2026, 1, 5))
    dues = client_as("clerk_a").get(f"{URL}dues").json()
    assert {d["category"] for d in dues} == {"general", "finance"}
    assert all(d["region_code"] == "220182102200" for d in dues)
    overdue = client_as("township_officer").get(f"{URL}overdue")
    assert overdue.status_code == 200
    assert {d["region_code"] for d in overdue.json()} == {"220182102200", "220182102201"}
    assert client_as("clerk_a").get(f"{URL}overdue").status_code == 403


def test_refusals(cast, client_as):
    item = _item(client_as("clerk_a")).json()
    assert _item(client_as("township_officer")).status_code == 403
    assert _item(client_as("outsider")).status_code == 400  # not a village it may reach
    assert client_as("outsider").get(f"{URL}{item['id']}").status_code == 404
    assert client_as("outsider").get(URL).json()["items"] == []
    assert len(client_as("clerk_a").get(URL).json()["items"]) == 1
    assert client_as("villager").get(URL).status_code == 403
    assert Client().get(URL).status_code == 401
    assert Client().post(f"{URL}{item['id']}/questions", "{}",
                         content_type="application/json").status_code == 401  # fmt: skip
