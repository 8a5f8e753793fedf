"""/api/v1/me/tokens: create (session only, secret once), list, revoke."""

from __future__ import annotations

import hashlib

import pytest

from cunshe.accounts.models import ApiToken, RoleAssignment
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _create(client, assignment_id: int, **extra):
    return client.post(
        "/api/v1/me/tokens",
        {"name": "统计脚本", "assignment_id": assignment_id, **extra},
        content_type="application/json",
    )


def test_creating_a_token_returns_the_secret_once_and_stores_only_its_hash(cast, client_as):
    client = client_as("clerk_a")
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    response = _create(client, assignment.pk)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    secret = body["secret"]
    assert secret.startswith(f"cst_{body['prefix']}_")
    row = ApiToken.objects.get(pk=body["id"])
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=row.pk).values().get().values())
    assert secret not in stored
    assert secret.split("_", 2)[2] not in stored
    assert body["status"] == "active"
    assert body["assignment"]["id"] == assignment.pk
    # Never again: the list shows no secret.
    listed = client.get("/api/v1/me/tokens").content.decode()
    assert secret not in listed and '"secret"' not in listed
    assert AuditEvent.objects.filter(action="accounts.api_token.created").count() == 1


def test_the_new_secret_works_as_a_bearer_token(cast, client_as, bearer):
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    secret = _create(client_as("clerk_a"), assignment.pk).json()["secret"]
    assert bearer(secret).get("/api/v1/me").json()["username"] == "clerk_a"


def test_a_token_cannot_mint_tokens(cast, make_token, bearer):
    token, secret = make_token("clerk_a")
    response = _create(bearer(secret), token.assignment_id)
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"
    assert ApiToken.objects.count() == 1


def test_a_token_for_someone_elses_role_is_refused(cast, client_as):
    foreign = RoleAssignment.objects.get(user=cast.clerk_a)
    response = _create(client_as("outsider"), foreign.pk)
    assert response.status_code == 400
    assert response.json()["fields"] == {"assignment_id": ["请选择您当前有效的一个角色。"]}
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_refused(cast, client_as):
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    response = _create(client_as("clerk_a"), assignment.pk, expires_at="2020-01-01T00:00:00+08:00")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["expires_at"]


def test_listing_shows_only_my_tokens_newest_first(cast, make_token, client_as):
    make_token("clerk_a", name="old")
    make_token("clerk_a", name="new")
    make_token("outsider", name="theirs")
    body = client_as("clerk_a").get("/api/v1/me/tokens").json()
    assert [t["name"] for t in body["items"]] == ["new", "old"]
    assert body["count"] == 2


def test_listing_costs_a_fixed_number_of_queries(
    cast, make_token, bearer, django_assert_num_queries
):
    _t, secret = make_token("clerk_a")
    for i in range(5):
        make_token("clerk_a", name=f"t{i}")
    client = bearer(secret)
    client.get("/api/v1/me")
    # token, count, page
    with django_assert_num_queries(3):
        assert len(client.get("/api/v1/me/tokens").json()["items"]) == 6


def test_revoking_my_token_by_session(cast, make_token, client_as, bearer):
    token, secret = make_token("clerk_a")
    response = client_as("clerk_a").delete(f"/api/v1/me/tokens/{token.pk}")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_someone_elses_token_is_not_found(cast, make_token, client_as):
    token, _secret = make_token("clerk_a")
    response = client_as("outsider").delete(f"/api/v1/me/tokens/{token.pk}")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_token_may_revoke_itself_but_not_its_siblings(cast, make_token, bearer):
    mine, secret = make_token("clerk_a")
    sibling, _ = make_token("clerk_a", name="sibling")
    client = bearer(secret)
    refused = client.delete(f"/api/v1/me/tokens/{sibling.pk}")
    assert refused.status_code == 403
    assert ApiToken.objects.get(pk=sibling.pk).revoked_at is None
    assert client.delete(f"/api/v1/me/tokens/{mine.pk}").json()["status"] == "revoked"
