"""Bearer tokens: accepted while live, scoped to exactly one assignment, refused (401, audited)
otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from cunshe.accounts.models import ApiToken, RoleAssignment
from cunshe.accounts.roles import Role
from cunshe.api.auth import TokenAuth
from cunshe.api.errors import ApiError
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _rejections() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="api.token.rejected").order_by("id"))


def test_a_live_token_authenticates_as_its_owner(make_token, bearer):
    _token, secret = make_token("clerk_a")
    response = bearer(secret).get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "clerk_a"
    assert body["auth"] == "token"


def test_token_acts_as_exactly_its_own_assignment(cast, make_token, bearer):
    # The township officer also clerks village C; the token carries only the township role.
    township_role = RoleAssignment.objects.get(user=cast.township_officer)
    RoleAssignment.objects.create(
        user=cast.township_officer, role=Role.VILLAGE_CLERK, region=cast.village_c
    )
    _token, secret = make_token("township_officer", assignment=township_role)
    body = bearer(secret).get("/api/v1/me").json()
    assert [a["id"] for a in body["assignments"]] == [township_role.pk]
    assert body["active_assignment"]["region_code"] == "220182102"


def test_token_sets_the_request_jurisdiction_to_its_assignment(cast, make_token):
    clerk_c = RoleAssignment.objects.create(
        user=cast.township_officer, role=Role.VILLAGE_CLERK, region=cast.village_c
    )
    _token, secret = make_token("township_officer", assignment=clerk_c)
    request = RequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert TokenAuth()(request) is not None
    assert request.user == cast.township_officer
    assert request.assignments == [clerk_c]
    assert request.assignment == clerk_c
    assert request.jurisdiction.prefixes == ("220322103200",)
    assert request.jurisdiction.role == Role.VILLAGE_CLERK
    assert not request.jurisdiction.covers("220182102200")


@pytest.mark.parametrize(
    ("case", "reason"),
    [("revoked", "revoked"), ("expired", "expired"), ("role_ended", "assignment_ended")],
)
def test_dead_tokens_are_refused_with_the_error_shape_and_audited(
    cast, make_token, bearer, case, reason
):
    token, secret = make_token("clerk_a")
    if case == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif case == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    else:
        RoleAssignment.objects.filter(pk=token.assignment_id).update(revoked_at=timezone.now())
    response = bearer(secret).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "token_invalid",
        "message": "访问令牌无效、已过期或已被撤销。",
        "fields": {},
    }
    [event] = _rejections()
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert event.detail["reason"] == reason
    assert event.object_id == str(token.pk)
    assert secret not in str(event.detail) and secret.split("_", 2)[2] not in str(event.detail)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Bearer garbage", "malformed"),
        ("Bearer cst_0123abcd_" + "x" * 43, "unknown"),
        ("Bearer ", "malformed"),
    ],
)
def test_garbage_and_unknown_tokens_are_refused_and_audited(cast, client, header, reason):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert "invalid_token" in response["WWW-Authenticate"]
    [event] = _rejections()
    assert event.detail == {"reason": reason}
    assert event.actor_id is None


def test_a_right_prefix_with_a_wrong_secret_is_refused(make_token, bearer):
    token, secret = make_token("clerk_a")
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    response = bearer(forged).get("/api/v1/me")
    assert response.status_code == 401
    [event] = _rejections()
    assert event.detail == {"reason": "mismatch", "prefix": token.prefix}


def test_a_token_of_a_deactivated_user_is_refused(cast, make_token, bearer):
    _token, secret = make_token("clerk_a")
    cast.clerk_a.is_active = False
    cast.clerk_a.save(update_fields=["is_active"])
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(make_token, bearer):
    token, secret = make_token("clerk_a")
    client = bearer(secret)
    client.get("/api/v1/me")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=2)


def test_other_authorization_schemes_fall_through_to_401(client, cast):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert _rejections() == []


def test_token_failure_raises_api_error_directly(cast):
    request = RequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cst_nothex_x")
    with pytest.raises(ApiError) as caught:
        TokenAuth()(request)
    assert caught.value.status == 401
