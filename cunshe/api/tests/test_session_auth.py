"""Browser sessions: CSRF on unsafe methods, two-factor for staff, 401 when signed out."""

from __future__ import annotations

import pytest
from django.test import Client

from cunshe.accounts.models import RoleAssignment

pytestmark = pytest.mark.django_db


def test_signed_out_callers_get_401_in_the_error_shape(cast):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "请先登录，或在 Authorization 头中提供有效的访问令牌。",
        "fields": {},
    }


def test_signed_out_post_gets_401_not_a_csrf_error(cast):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/me/tokens", {}, content_type="application/json"
    )
    assert response.status_code == 401


def test_session_post_without_csrf_token_is_refused(cast, client_as):
    client = client_as("clerk_a")
    client.handler.enforce_csrf_checks = True
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "x", "assignment_id": assignment.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not cast.clerk_a.api_tokens.exists()


def test_session_post_with_csrf_token_is_accepted(cast, client_as):
    client = client_as("clerk_a")
    client.handler.enforce_csrf_checks = True
    client.get("/accounts/tokens/")  # sets the CSRF cookie, as any page does
    csrf = client.cookies["csrftoken"].value
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "x", "assignment_id": assignment.pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 201


def test_session_get_needs_no_csrf_token(client_as):
    client = client_as("clerk_a")
    client.handler.enforce_csrf_checks = True
    assert client.get("/api/v1/me").status_code == 200


def test_unverified_staff_session_is_refused_when_two_factor_is_required(cast, settings):
    settings.REQUIRE_STAFF_2FA = True
    client = Client()
    client.force_login(cast.clerk_a)  # password only, no second factor
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_unverified_staff_session_is_accepted_when_two_factor_is_off(cast, settings):
    settings.REQUIRE_STAFF_2FA = False
    client = Client()
    client.force_login(cast.clerk_a)
    assert client.get("/api/v1/me").status_code == 200


def test_villagers_need_no_second_factor(cast, settings):
    settings.REQUIRE_STAFF_2FA = True
    client = Client()
    client.force_login(cast.villager)
    assert client.get("/api/v1/me").status_code == 200


def test_a_token_is_not_held_to_the_session_second_factor(cast, settings, make_token, bearer):
    # Creating the token required a verified session; the token itself is the credential.
    settings.REQUIRE_STAFF_2FA = True
    _token, secret = make_token("clerk_a")
    assert bearer(secret).get("/api/v1/me").status_code == 200
