"""Election pages and API: the "how it will be checked" flow (an approved non-hukou resident on
the roll, one who turns 18 the day after not), refusals (outsider 404, wrong role 403), exports
masked, pinned query counts."""

# ruff: noqa: F811 - fixtures are imported by name
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.selfgov.models.elections import Election, VoterRollEntry
from cunshe.selfgov.services import elections as svc
from cunshe.selfgov.tests.elections_fixtures import (  # noqa: F401
    bulk_village,
    make_decision,
    make_election,
    vote_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(cast, clerk_j, register, make_election, vote_on):
    """An election 40 days ahead; an adult, one who is 18 the day after the vote, an approved
    non-hukou resident of more than a year."""
    election = make_election(vote_on)
    adult = register("张大", date(1980, 5, 1), seq=1)
    young = register(
        "张小",
        vote_on.replace(year=vote_on.year - 18) + timedelta(days=1),
        relationship="20",
        seq=2,
    )
    newcomer = register(
        "李新",
        date(1985, 3, 3),
        relationship="99",
        seq=4,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=vote_on - timedelta(days=400),
    )
    svc.approval_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=newcomer,
        applied_on=timezone.localdate() - timedelta(days=40),
        decision=make_decision(cast.village_a, cast.clerk_a),
    )
    return election, adult, young, newcomer


def test_clerk_generates_the_roll_on_the_page(client_as, scene):
    election, adult, young, _newcomer = scene
    c = client_as("clerk_a")
    r = c.post(
        reverse("selfgov:election_action", args=[election.pk, "generate"]),
        {"version": election.version},
    )
    assert r.status_code == 302
    page = c.get(reverse("selfgov:election_roll", args=[election.pk])).content.decode()
    assert "张大" in page and "李新" in page and "张小" not in page
    assert adult.id_number not in page and "********" in page
    # Why is 张小 not on the roll? The check names the rule.
    r = c.post(
        reverse("selfgov:election_roll", args=[election.pk]),
        {"op": "check", "id_number": young.id_number},
    )
    assert "未满18周岁" in r.content.decode() and "第十三条" in r.content.decode()
    # Adding them by hand is refused on the form, nothing written.
    r = c.post(
        reverse("selfgov:election_roll", args=[election.pk]),
        {"op": "add", "id_number": young.id_number, "reason": "补登"},
    )
    assert r.status_code == 400 and "未满18周岁" in r.content.decode()
    assert not VoterRollEntry.objects.filter(election=election, person=young).exists()


def test_publish_too_late_is_refused_on_the_page(client_as, cast, clerk_j, make_election):
    election = make_election(timezone.localdate() + timedelta(days=19))
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    election.refresh_from_db()
    r = client_as("clerk_a").post(
        reverse("selfgov:election_action", args=[election.pk, "publish"]),
        {"version": election.version},
    )
    assert r.status_code == 400 and "第十四条" in r.content.decode()
    election.refresh_from_db()
    assert election.status == "preparing"


def test_stale_generate_is_refused(client_as, scene):
    election = scene[0]
    r = client_as("clerk_a").post(
        reverse("selfgov:election_action", args=[election.pk, "generate"]),
        {"version": election.version + 5},
    )
    assert r.status_code == 400 and "已被他人修改" in r.content.decode()


def test_create_election_on_the_list_page(client_as, vote_on):
    c = client_as("clerk_a")
    r = c.post(
        reverse("selfgov:elections"),
        {"title": "第十二届村委会换届", "vote_on": vote_on.isoformat(), "seats": 5},
    )
    assert r.status_code == 302
    assert Election._base_manager.filter(title="第十二届村委会换届").exists()
    page = c.get(reverse("selfgov:elections")).content.decode()
    assert "第十二届村委会换届" in page
    r = c.post(
        reverse("selfgov:elections"),
        {"title": "太多", "vote_on": vote_on.isoformat(), "seats": 9},
    )
    assert r.status_code == 200 and "第六条" in r.content.decode()


def test_refusals(client_as, scene):
    election = scene[0]
    url = reverse("selfgov:election", args=[election.pk])
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("villager").get(url).status_code in (403, 404)
    # The township reads but may not write (selfgov.elections is the village's).
    t = client_as("township_officer")
    assert t.get(url).status_code == 200
    r = t.post(reverse("selfgov:election_action", args=[election.pk, "generate"]), {})
    assert r.status_code == 403
    assert AuditEvent.objects.filter(outcome="denied").exists()
    assert not VoterRollEntry.objects.filter(election=election).exists()


def test_exports_and_print_mask_and_audit(client_as, cast, clerk_j, scene):
    from openpyxl import load_workbook

    election, adult, _young, _new = scene
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    c = client_as("clerk_a")
    r = c.get(reverse("selfgov:election_export", args=[election.pk, "roll"]))
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3  # header + two voters
    flat = " ".join(str(v) for row in rows for v in row)
    assert adult.id_number not in flat and adult.id_number[-4:] in flat and "张大" in flat
    page = c.get(reverse("selfgov:election_print", args=[election.pk, "roll"])).content.decode()
    assert "张大" in page and "李新" in page and adult.id_number[-4:] not in page
    r = c.get(reverse("selfgov:election_export", args=[election.pk, "results"]))
    assert r.status_code == 200
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "selfgov.election.exported" in actions and "selfgov.election.printed" in actions


def test_roll_page_query_count_is_fixed(client_as, cast, clerk_j, make_election, vote_on):
    election = make_election(vote_on)
    bulk_village(cast.village_a, 150, seed=21, vote_on=vote_on)
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    c = client_as("clerk_a")
    url = reverse("selfgov:election_roll", args=[election.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as small:
        assert c.get(url + "?show=current&category=a").status_code == 200
    with CaptureQueriesContext(connection) as full:
        assert c.get(url).status_code == 200
    assert len(full.captured_queries) == len(small.captured_queries) == 12


def test_api_roll_and_check(client_as, cast, clerk_j, scene):
    election, adult, young, _newcomer = scene
    c = client_as("clerk_a")
    base = f"/api/v1/selfgov/elections/{election.pk}"
    r = c.post(base + "/roll/generate", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["total"] == 2
    r = c.get(base + "/roll")
    body = r.json()
    items = body["items"] if isinstance(body, dict) else body
    names = {i["name"]: i for i in items}
    assert set(names) == {"张大", "李新"} and names["李新"]["category"] == "c"
    assert adult.id_number not in json.dumps(body)
    r = c.post(base + "/check", {"id_number": young.id_number}, content_type="application/json")
    assert r.json()["rule"] == "age" and not r.json()["eligible"]
    r = c.get(base)
    assert r.json()["voters"] == 2 and r.json()["by_category"]["c"] == 1
    # Publishing 40 days ahead is fine; again is refused (400 with the message).
    r = c.post(base + "/roll/publish", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "roll_published"
    r = c.post(base + "/roll/publish", {}, content_type="application/json")
    assert r.status_code == 400
    assert client_as("outsider").get(base).status_code == 404
    r = client_as("township_officer").post(
        base + "/roll/generate", {}, content_type="application/json"
    )
    assert r.status_code == 403


def test_api_stale_version_is_409(client_as, scene):
    election = scene[0]
    r = client_as("clerk_a").post(
        f"/api/v1/selfgov/elections/{election.pk}/roll/generate",
        {"expected_version": election.version + 1},
        content_type="application/json",
    )
    assert r.status_code == 409


def test_api_list_query_count(client_as, make_election, vote_on, django_assert_max_num_queries):
    for i in range(5):
        make_election(vote_on + timedelta(days=i), title=f"换届{i}")
    c = client_as("clerk_a")
    c.get("/api/v1/selfgov/elections/")
    with django_assert_max_num_queries(8):
        r = c.get("/api/v1/selfgov/elections/")
    assert r.status_code == 200
