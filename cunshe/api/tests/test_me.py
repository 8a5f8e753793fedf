"""GET /api/v1/me and switching the active role."""

from __future__ import annotations

import pytest

from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _second_role(cast) -> RoleAssignment:
    return RoleAssignment.objects.create(
        user=cast.county_civil, role=Role.AUDITOR, region=cast.township
    )


def test_me_lists_user_active_role_and_all_live_roles(cast, client_as):
    extra = _second_role(cast)
    first = RoleAssignment.objects.get(user=cast.county_civil, role=Role.COUNTY_OFFICER)
    cast.county_civil.language = "en"
    cast.county_civil.save(update_fields=["language"])
    body = client_as("county_civil").get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["id"] == cast.county_civil.pk
    assert body["username"] == "county_civil"
    assert body["display_name"] == "county_civil"
    assert body["language"] == "en"
    assert body["age_friendly"] is False
    assert body["auth"] == "session"
    by_id = {a["id"]: a for a in body["assignments"]}
    assert set(by_id) == {first.pk, extra.pk}
    assert by_id[first.pk] | {"valid_from": None} == {
        "id": first.pk,
        "role": "county_officer",
        "role_label": "县级部门干部",
        "region_code": "220182",
        "region_name": "榆树市",
        "department": Department.CIVIL_AFFAIRS.value,
        "department_label": "民政",
        "valid_from": None,
        "valid_to": None,
    }
    assert body["active_assignment"]["id"] in by_id


def test_role_labels_follow_the_request_language(cast, client_as):
    body = client_as("clerk_a").get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()
    # Labels are translated where a catalogue exists; the code never changes.
    assert body["assignments"][0]["role"] == "village_clerk"
    assert body["assignments"][0]["role_label"]


def test_revoked_roles_are_not_listed(cast, client_as):
    from django.utils import timezone

    extra = _second_role(cast)
    RoleAssignment.objects.filter(pk=extra.pk).update(revoked_at=timezone.now())
    body = client_as("county_civil").get("/api/v1/me").json()
    assert extra.pk not in [a["id"] for a in body["assignments"]]


def test_me_costs_a_fixed_number_of_queries_by_session(cast, client_as, django_assert_num_queries):
    client = client_as("county_civil")
    _second_role(cast)
    # session, user, OTP device, assignments with regions, then the session save (an UPDATE
    # between a savepoint and its release); /me itself adds nothing
    with django_assert_num_queries(7):
        assert client.get("/api/v1/me").status_code == 200


def test_me_costs_a_fixed_number_of_queries_by_token(
    cast, make_token, bearer, django_assert_num_queries
):
    _token, secret = make_token("county_civil")
    client = bearer(secret)
    client.get("/api/v1/me")  # last_used_at is now fresh: no write on the next call
    # the token with its user, assignment, region and liveness: one query
    with django_assert_num_queries(1):
        assert client.get("/api/v1/me").status_code == 200


def test_switching_the_active_role_by_session_is_audited(cast, client_as):
    extra = _second_role(cast)
    client = client_as("county_civil")
    response = client.post(
        "/api/v1/me/active-assignment",
        {"assignment_id": extra.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["active_assignment"]["id"] == extra.pk
    assert client.get("/api/v1/me").json()["active_assignment"]["id"] == extra.pk
    event = AuditEvent.objects.get(action="accounts.role.switched")
    assert event.object_id == str(extra.pk)
    assert event.role == Role.AUDITOR


def test_switching_to_someone_elses_role_is_refused(cast, client_as):
    foreign = RoleAssignment.objects.get(user=cast.clerk_a)
    response = client_as("county_civil").post(
        "/api/v1/me/active-assignment",
        {"assignment_id": foreign.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["assignment_id"]
    assert not AuditEvent.objects.filter(action="accounts.role.switched").exists()


def test_tokens_cannot_switch_roles(cast, make_token, bearer):
    extra = _second_role(cast)
    _token, secret = make_token("county_civil")
    response = bearer(secret).post(
        "/api/v1/me/active-assignment",
        {"assignment_id": extra.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"


def test_the_outsider_sees_only_their_own_identity(cast, client_as):
    text = client_as("outsider").get("/api/v1/me").content.decode()
    for marker in ("220182", "clerk_a", "榆树市"):
        assert marker not in text
