"""The register API with a personal token: it acts as exactly the token's role assignment."""

import json
from datetime import date

import pytest
from django.test import Client

from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.services import api_token_create
from cunshe.core.models import AuditEvent

URL = "/api/v1/residents/persons"


@pytest.fixture
def make_token(cast):  # type: ignore[no-untyped-def]
    def make(who: str):  # type: ignore[no-untyped-def]
        user = cast.users[who]
        assignment = RoleAssignment.objects.filter(user=user).first()
        return api_token_create(user=user, assignment=assignment, name="test")

    return make


@pytest.fixture
def bearer():  # type: ignore[no-untyped-def]
    return lambda secret: Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_token_lists_the_register_within_the_role(register, make_token, bearer):
    register("张三丰", date(1960, 3, 1), seq=1)
    _token, secret = make_token("clerk_a")
    r = bearer(secret).get(URL)
    assert r.status_code == 200
    assert [p["name"] for p in r.json()["items"]] == ["张三丰"]


def test_outsiders_token_sees_nothing(register, make_token, bearer):
    head = register("张三丰", date(1960, 3, 1), seq=1)
    _token, secret = make_token("outsider")
    client = bearer(secret)
    assert client.get(URL).json()["items"] == []
    assert client.get(f"{URL}/{head.pk}").status_code == 404


def test_token_write_needs_no_csrf_and_is_audited_as_its_owner(cast, register, make_token, bearer):
    head = register("张三丰", date(1960, 3, 1), seq=1, phone="13812345678")
    _token, secret = make_token("clerk_a")
    r = bearer(secret).post(
        f"{URL}/{head.pk}/unmask", json.dumps({"field": "phone"}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["value"] == "13812345678"
    event = AuditEvent.objects.get(action="residents.person.unmasked")
    assert event.actor_id == cast.clerk_a.pk


def test_token_list_query_count(register, make_token, bearer, django_assert_num_queries):
    register("张三丰", date(1960, 3, 1), seq=1)
    register("张小明", date(1990, 3, 1), seq=2, relationship="20")
    _token, secret = make_token("clerk_a")
    client = bearer(secret)
    client.get(URL)  # the first use stamps last_used_at
    # The token with its assignment and region, then the page.
    with django_assert_num_queries(2):
        assert len(client.get(URL).json()["items"]) == 2


@pytest.mark.django_db
def test_bad_token_is_401(bearer):
    r = bearer("cst_00000000_" + "x" * 30).get(URL)
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
