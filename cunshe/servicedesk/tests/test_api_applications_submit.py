"""POST /api/v1/servicedesk/applications/: a submission needs an Idempotency-Key header; the same
key returns the first application; the applicant must be someone the caller may apply for;
materials come only as reuses of documents on file; refusals change nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application, CountyAdjustment, Status
from cunshe.servicedesk.tests.factories import submit, upload
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
URL = "/api/v1/servicedesk/applications/"


def post(client: Client, body: dict, key: str | None = "key-1"):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def count(cast) -> int:  # type: ignore[no-untyped-def]
    return Application.objects.within(jurisdiction_of(cast.clerk_a)).count()


def test_the_idempotency_key_is_required(cast, client_as, me, item):
    r = post(client_as("villager"), {"item": "T-001", "applicant": me.pk, "mode": "online"}, None)
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in r.json()["fields"]
    r = post(
        client_as("villager"), {"item": "T-001", "applicant": me.pk, "mode": "online"}, "k" * 65
    )
    assert r.status_code == 400
    assert count(cast) == 0


def test_the_same_key_twice_makes_one_application(cast, client_as, me, item):
    client = client_as("villager")
    body = {"item": "T-001", "applicant": me.pk, "mode": "online", "details": "申请低保"}
    first = post(client, body)
    second = post(client, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and count(cast) == 1
    created = first.json()
    assert created["status"] == "submitted" and created["timeline"][0]["title"] == "已提交"
    assert created["details"] == "申请低保"
    # Another person's key of the same text is another submission.
    lingban = {"mode": "lingban", "accompanied_at": timezone.now().isoformat(),
               "accompanied_place": "村部"}  # fmt: skip
    other = post(client_as("clerk_a"), {**body, **lingban})
    assert other.status_code == 201 and count(cast) == 2


def test_a_villager_applies_only_for_their_own_household(cast, client_as, me, neighbour, item):
    client = client_as("villager")
    r = post(client, {"item": "T-001", "applicant": neighbour.pk, "mode": "online"})
    assert r.status_code == 400 and "applicant" in r.json()["fields"]
    r = post(client, {"item": "T-001", "applicant": me.pk, "mode": "lingban"}, "key-2")
    assert r.status_code == 400 and "mode" in r.json()["fields"]
    assert count(cast) == 0


def test_outsider_cannot_apply_for_anyone_here(cast, client_as, me, item):
    body = {"item": "T-001", "applicant": me.pk, "mode": "lingban",
            "accompanied_at": timezone.now().isoformat(), "accompanied_place": "村部"}  # fmt: skip
    r = post(client_as("outsider"), body)
    assert r.status_code == 400 and "applicant" in r.json()["fields"]
    assert count(cast) == 0


def test_roles_that_may_not_apply_are_refused(cast, client_as, me, item):
    r = post(client_as("township_officer"), {"item": "T-001", "applicant": me.pk, "mode": "online"})
    assert r.status_code == 403 and count(cast) == 0


def test_clerk_lingban_with_a_document_reused_from_file(cast, client_as, me, item):
    id_req = item.materials.get(doc_type="id_card")
    earlier = submit(cast, me, item, uploads={id_req.pk: upload()})
    on_file = earlier.materials.get(doc_type="id_card")
    accompanied = timezone.now().replace(microsecond=0) - timezone.timedelta(hours=1)
    body = {
        "item": "T-001", "applicant": me.pk, "mode": "lingban",
        "accompanied_at": timezone.localtime(accompanied).replace(tzinfo=None).isoformat(),
        "accompanied_place": "闵家镇便民服务中心",
        "reuse": [{"requirement": id_req.pk, "material": on_file.pk}],
    }  # fmt: skip
    r = post(client_as("clerk_a"), body)
    assert r.status_code == 201, r.content
    app = Application.objects.within(jurisdiction_of(cast.clerk_a)).get(pk=r.json()["id"])
    assert app.accompanied_at == accompanied  # a time without offset is Beijing time
    reused = app.materials.get(doc_type="id_card")
    assert reused.reused_from == on_file
    assert r.json()["materials"][0]["reused"] is True


def test_reusing_a_document_not_on_file_changes_nothing(cast, client_as, me, item):
    id_req = item.materials.get(doc_type="id_card")
    body = {"item": "T-001", "applicant": me.pk, "mode": "online",
            "reuse": [{"requirement": id_req.pk, "material": 999999}]}  # fmt: skip
    r = post(client_as("villager"), body)
    assert r.status_code == 400 and f"material_{id_req.pk}" in r.json()["fields"]
    assert count(cast) == 0


def test_daiban_needs_the_signed_authorisation_which_only_the_pages_take(cast, client_as, me, item):
    body = {"item": "T-001", "applicant": me.pk, "mode": "daiban",
            "authorised_on": timezone.localdate().isoformat()}  # fmt: skip
    r = post(client_as("clerk_a"), body)
    assert r.status_code == 400 and "authorisation" in r.json()["fields"]
    assert count(cast) == 0


def test_unknown_or_not_offered_items_are_refused(cast, client_as, me, item, offline_item):
    client = client_as("villager")
    r = post(client, {"item": "NO-SUCH", "applicant": me.pk, "mode": "online"})
    assert r.status_code == 400 and "item" in r.json()["fields"]
    r = post(client, {"item": "T-010", "applicant": me.pk, "mode": "online"}, "key-2")
    assert r.status_code == 400 and "mode" in r.json()["fields"]  # not offered online
    CountyAdjustment.objects.create(item=item, county=cast.county, offered=False)
    r = post(client, {"item": "T-001", "applicant": me.pk, "mode": "online"}, "key-3")
    assert r.status_code == 400 and "item" in r.json()["fields"]
    assert count(cast) == 0


def test_bad_json_and_unknown_fields_are_422(client_as, me, item):
    client = client_as("villager")
    r = post(client, {"item": "T-001", "applicant": me.pk, "mode": "online", "status": "approved"})
    assert r.status_code == 422
    r = post(client, {"item": "T-001", "applicant": me.pk, "mode": "teleport"})
    assert r.status_code == 422


def test_anonymous_must_sign_in(me, item):
    r = post(Client(), {"item": "T-001", "applicant": me.pk, "mode": "online"})
    assert r.status_code == 401


def test_submitted_application_is_in_the_list(client_as, me, item):
    client = client_as("villager")
    created = post(client, {"item": "T-001", "applicant": me.pk, "mode": "online"}).json()
    listed = client.get(URL).json()["items"]
    assert [a["id"] for a in listed] == [created["id"]]
    assert listed[0]["status"] == Status.SUBMITTED
