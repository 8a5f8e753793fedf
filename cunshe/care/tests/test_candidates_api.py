"""/api/v1/care/identification/: candidates list (query count pinned, audited), confirm and
dismiss (409 on a stale version, 422 on bad input), kin links of a household; refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunshe.care.models import KinLink
from cunshe.care.services import identification as svc
from cunshe.care.tests.identification_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.identification_fixtures import profile_of
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent

BASE = "/api/v1/care/identification"


def post(client, url, **body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def identified(family):  # type: ignore[no-untyped-def]
    f = family
    svc.identify_persons(
        [f.father.pk, f.mother.pk, f.child.pk, f.grandfather.pk, f.grandmother.pk],
        refresh_kin=True,
    )
    return f


def test_list_candidates_with_reason_text(identified, client_as):  # type: ignore[no-untyped-def]
    r = client_as("clerk_a").get(f"{BASE}/candidates")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    woman = next(i for i in body["items"] if i["kind"] == "woman")
    assert woman["name"] == "李娜"
    assert woman["reason_text"] == "丈夫2024-03起在外务工"
    assert woman["reason"] == [{"who": "husband", "status": "away_work", "since": "2024-03-01"}]
    r = client_as("clerk_a").get(f"{BASE}/candidates", {"kind": "elderly"})
    assert r.json()["count"] == 2
    assert AuditEvent.objects.filter(action="care.candidates.viewed").count() == 2


def test_list_query_count_is_pinned(identified, client_as, register, make_profile):  # type: ignore[no-untyped-def]
    clerk = client_as("clerk_a")
    clerk.get(f"{BASE}/candidates")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert clerk.get(f"{BASE}/candidates").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(3):
        p = register(f"刘老{i}", date(1950, 2, i + 1), "M", "99", seq=50 + i)
        make_profile(p, "elderly", status="candidate", reason=[{"fact": "no_children"}])
    assert clerk.get(f"{BASE}/candidates").json()["count"] == 6
    assert count() == before


def test_confirm_and_dismiss(identified, client_as):  # type: ignore[no-untyped-def]
    f = identified
    clerk = client_as("clerk_a")
    woman = profile_of(f.mother, "woman")
    r = post(clerk, f"{BASE}/candidates/{woman.pk}/confirm", risk_level="priority",
             expected_version=woman.version + 1)  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = post(clerk, f"{BASE}/candidates/{woman.pk}/confirm", risk_level="extreme",
             expected_version=woman.version)  # fmt: skip
    assert r.status_code == 422
    r = post(clerk, f"{BASE}/candidates/{woman.pk}/confirm", risk_level="priority",
             note="入户核实", expected_version=woman.version)  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "active" and r.json()["risk_level"] == "priority"
    # No longer a candidate: confirming again is refused with a message.
    r = post(clerk, f"{BASE}/candidates/{woman.pk}/confirm", risk_level="high",
             expected_version=r.json()["version"])  # fmt: skip
    assert r.status_code in (400, 422) and "不是待确认" in r.json()["message"] + json.dumps(
        r.json()["fields"], ensure_ascii=False
    )
    elder = profile_of(f.grandfather, "elderly")
    r = post(clerk, f"{BASE}/candidates/{elder.pk}/dismiss", reason="", expected_version=1)
    assert r.status_code == 422
    r = post(clerk, f"{BASE}/candidates/{elder.pk}/dismiss", reason="随子女居住",
             expected_version=elder.version)  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "dismissed"


def test_refusals(identified, client_as):  # type: ignore[no-untyped-def]
    f = identified
    woman = profile_of(f.mother, "woman")
    outsider = client_as("outsider")
    assert outsider.get(f"{BASE}/candidates").json()["count"] == 0
    r = post(outsider, f"{BASE}/candidates/{woman.pk}/confirm", risk_level="high",
             expected_version=1)  # fmt: skip
    assert r.status_code == 404
    assert outsider.get(f"{BASE}/households/{f.household.pk}/kin").status_code == 404
    leader = client_as("leader_a")
    assert leader.get(f"{BASE}/candidates").status_code == 403
    r = post(leader, f"{BASE}/candidates/{woman.pk}/dismiss", reason="x", expected_version=1)
    assert r.status_code == 403
    assert client_as("province_official").get(f"{BASE}/candidates").status_code == 403
    from django.test import Client

    assert Client().get(f"{BASE}/candidates").status_code == 401
    assert profile_of(f.mother, "woman").status == "candidate"


def test_kin_list_add_disable(identified, client_as, register):  # type: ignore[no-untyped-def]
    f = identified
    clerk = client_as("clerk_a")
    r = clerk.get(f"{BASE}/households/{f.household.pk}/kin")
    assert r.status_code == 200
    links = r.json()["links"]
    assert {"person_id": f.child.pk, "relative_id": f.father.pk, "kind": "parent"}.items() <= next(
        link
        for link in links
        if link["person_id"] == f.child.pk and link["relative_id"] == f.father.pk
    ).items()
    assert r.json()["unresolved"] == []
    kid = register("张小雨", date(2019, 4, 4), "F", "42", seq=40)
    r = post(clerk, f"{BASE}/households/{f.household.pk}/kin", person=kid.pk,
             relative=f.father.pk, kind="parent", note="核实")  # fmt: skip
    assert r.status_code == 201, r.content
    assert any(
        link["person_id"] == kid.pk and link["source"] == "clerk" for link in r.json()["links"]
    )
    r = post(clerk, f"{BASE}/households/{f.household.pk}/kin", person=kid.pk,
             relative=f.father.pk, kind="parent")  # fmt: skip
    assert r.status_code == 400  # already there: the service's refusal, with its message
    assert "已经登记" in json.dumps(r.json(), ensure_ascii=False)
    r = post(clerk, f"{BASE}/households/{f.household.pk}/kin", person=kid.pk,
             relative=kid.pk, kind="spouse")  # fmt: skip
    assert r.status_code == 400
    with system_scope("test"):
        spouse = KinLink.objects.get(person=f.father, relative=f.mother, kind="spouse")
    r = post(clerk, f"{BASE}/kin/{spouse.pk}/disable", note="离异")
    assert r.status_code == 200 and r.json()["active"] is False
    with system_scope("test"):
        assert not KinLink.objects.get(person=f.mother, relative=f.father, kind="spouse").active
    r = post(clerk, f"{BASE}/kin/{spouse.pk}/disable", note="离异")
    assert r.status_code == 400
    assert (
        post(client_as("outsider"), f"{BASE}/kin/{spouse.pk}/disable", note="x").status_code == 404
    )
    assert (
        post(client_as("leader_a"), f"{BASE}/kin/{spouse.pk}/disable", note="x").status_code == 403
    )
