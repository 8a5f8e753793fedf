"""The API-token pages under /accounts/tokens/."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client

from cunshe.accounts.models import ApiToken, RoleAssignment
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unverified_staff_are_sent_to_two_factor(cast, settings):
    settings.REQUIRE_STAFF_2FA = True
    client = Client()
    client.force_login(cast.clerk_a)
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert client.post("/accounts/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_the_list_shows_my_tokens_and_not_others(cast, client_as, make_token):
    make_token("clerk_a", name="乡镇统计脚本")
    make_token("outsider", name="别人的令牌")
    html = client_as("clerk_a").get("/accounts/tokens/").content.decode()
    assert "乡镇统计脚本" in html
    assert "别人的令牌" not in html
    assert "闵家村委会" in html  # the acting role's region


def test_the_list_costs_a_fixed_number_of_queries(
    cast, client_as, make_token, django_assert_max_num_queries
):
    for i in range(6):
        make_token("clerk_a", name=f"t{i}")
    client = client_as("clerk_a")
    client.get("/accounts/tokens/")
    # session, user, OTP device, assignments, tokens (one query), messages/session save
    with django_assert_max_num_queries(9):
        assert client.get("/accounts/tokens/").status_code == 200


def test_creating_shows_the_secret_once_and_stores_its_hash(cast, client_as):
    client = client_as("clerk_a")
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    response = client.post(
        "/accounts/tokens/",
        {"name": "脚本", "assignment": assignment.pk, "expires_on": ""},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    secret = re.search(r'value="(cst_[0-9a-f]{8}_[A-Za-z0-9_-]+)"', html).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.assignment == assignment
    assert token.expires_at is None
    again = client.get("/accounts/tokens/").content.decode()
    assert secret not in again
    assert f"cst_{token.prefix}_" in again


def test_creating_with_an_expiry_day_keeps_it_valid_through_that_day(cast, client_as):
    client = client_as("clerk_a")
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    client.post(
        "/accounts/tokens/",
        {"name": "x", "assignment": assignment.pk, "expires_on": "2099-05-01"},
    )
    from django.utils import timezone

    expires = timezone.localtime(ApiToken.objects.get().expires_at)
    assert (expires.date().isoformat(), expires.hour) == ("2099-05-02", 0)


def test_someone_elses_role_cannot_be_chosen(cast, client_as):
    foreign = RoleAssignment.objects.get(user=cast.clerk_a)
    response = client_as("outsider").post(
        "/accounts/tokens/", {"name": "x", "assignment": foreign.pk}
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_a_past_expiry_is_refused(cast, client_as):
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    client_as("clerk_a").post(
        "/accounts/tokens/",
        {"name": "x", "assignment": assignment.pk, "expires_on": "2020-01-01"},
    )
    assert not ApiToken.objects.exists()


def test_revoking_asks_for_confirmation_then_revokes(cast, client_as, make_token):
    token, _secret = make_token("clerk_a", name="要撤销的")
    client = client_as("clerk_a")
    confirm = client.get(f"/accounts/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "要撤销的" in confirm.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.api_token.revoked").count() == 1


def test_someone_elses_token_cannot_be_revoked(cast, client_as, make_token):
    token, _secret = make_token("clerk_a")
    client = client_as("outsider")
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
