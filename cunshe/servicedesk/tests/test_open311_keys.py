"""Open311 keys: issued by county officers (servicedesk.open311) for a region inside their
jurisdiction, shown once, stored only as a hash, revocable; others refused."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import Open311Client
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import jurisdiction_of

URL = reverse("servicedesk:open311_clients")


def test_county_officer_issues_a_key_shown_once_and_stored_as_a_hash(client_as, cast):
    client = client_as("county_civil")
    r = client.post(URL, {"action": "create", "name": "乡村随手拍App", "region": cast.township.pk})
    assert r.status_code == 200
    key = re.search(r"o311_[0-9a-f]{8}_[A-Za-z0-9_-]+", r.content.decode()).group(0)
    row = Open311Client.objects.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(Open311Client.objects.values().get())
    assert services.open311_client_for_key(key) == row
    again = client.get(URL).content.decode()
    assert key not in again and f"o311_{row.key_prefix}_" in again
    event = AuditEvent.objects.get(action="servicedesk.open311_client.created")
    assert key not in str(event.detail)


def test_region_outside_jurisdiction_is_refused(cast):
    with pytest.raises(PermissionDenied):
        services.open311_client_create(
            actor=cast.county_civil,
            jurisdiction=jurisdiction_of(cast.county_civil),
            name="x",
            region=cast.village_c,
        )
    assert not Open311Client.objects.exists()


def test_page_offers_only_regions_inside_and_refuses_others(client_as, cast):
    client = client_as("county_civil")
    r = client.post(URL, {"action": "create", "name": "x", "region": cast.village_c.pk})
    assert r.status_code == 400 and not Open311Client.objects.exists()


def test_revoke(client_as, cast):
    row, key = services.open311_client_create(
        actor=cast.county_civil,
        jurisdiction=jurisdiction_of(cast.county_civil),
        name="x",
        region=cast.village_a,
    )
    assert (
        client_as("county_civil").post(URL, {"action": "revoke", "client": row.pk}).status_code
        == 302
    )
    row.refresh_from_db()
    assert row.active is False and services.open311_client_for_key(key) is None


@pytest.mark.parametrize("who", ["clerk_a", "township_officer", "villager", "outsider"])
def test_others_get_403(client_as, who):
    assert client_as(who).get(URL).status_code == 403


def test_another_countys_officer_cannot_revoke(client_as, cast):
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Department, Role

    row, _key = services.open311_client_create(
        actor=cast.county_civil,
        jurisdiction=jurisdiction_of(cast.county_civil),
        name="x",
        region=cast.village_a,
    )
    other = User.objects.create_user("lishu_civil", password="x" * 12)
    RoleAssignment.objects.create(
        user=other,
        role=Role.COUNTY_OFFICER,
        region=cast.regions["220322"],
        department=Department.CIVIL_AFFAIRS,
    )
    assert client_as(other).post(URL, {"action": "revoke", "client": row.pk}).status_code == 404
    row.refresh_from_db()
    assert row.active is True


def test_two_keys_sharing_the_visible_prefix_both_work(cast, monkeypatch):
    # The 8 hex digits shown on the page are a label, not an identifier: two clients may get
    # the same one (1 in 4 billion per pair), and each key must still find its own client.
    monkeypatch.setattr(services.secrets, "token_hex", lambda n: "0badc0de")
    j = jurisdiction_of(cast.county_civil)
    first, first_key = services.open311_client_create(
        actor=cast.county_civil, jurisdiction=j, name="甲", region=cast.village_a
    )
    second, second_key = services.open311_client_create(
        actor=cast.county_civil, jurisdiction=j, name="乙", region=cast.village_b
    )
    assert first.key_prefix == second.key_prefix
    assert services.open311_client_for_key(first_key) == first
    assert services.open311_client_for_key(second_key) == second
    assert services.open311_client_for_key(first_key[:-1] + "x") is None
