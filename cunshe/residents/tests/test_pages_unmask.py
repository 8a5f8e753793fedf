"""Showing a masked ID or phone number: a deliberate POST, audited, for permitted roles only."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.core.models import AuditEvent


@pytest.fixture
def head(register):  # type: ignore[no-untyped-def]
    return register("王建国", date(1975, 5, 5), seq=1, phone="13912345678")


def url(p, field: str = "id_number") -> str:  # type: ignore[no-untyped-def]
    return reverse("residents:unmask", args=[p.pk, field])


def test_clerk_sees_the_clear_value_and_the_reveal_is_audited(client_as, head):
    c = client_as("clerk_a")
    r = c.post(url(head), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and head.id_number in r.content.decode()
    assert "no-store" in r["Cache-Control"] or "no-cache" in r["Cache-Control"]
    phone = c.post(url(head, "phone"))
    assert "13912345678" in phone.content.decode()
    events = AuditEvent.objects.filter(action="residents.person.unmasked", object_id=str(head.pk))
    assert sorted(e.detail["field"] for e in events) == ["id_number", "phone"]


def test_roles_without_unmask_are_refused_and_audited(client_as, head):
    r = client_as("township_officer").post(url(head))
    assert r.status_code == 403 and head.id_number not in r.content.decode()
    assert AuditEvent.objects.filter(
        action="core.permission.denied", outcome="denied", detail__permission="residents.unmask"
    ).exists()
    assert not AuditEvent.objects.filter(action="residents.person.unmasked").exists()


def test_get_is_not_allowed(client_as, head):
    assert client_as("clerk_a").get(url(head)).status_code == 405


def test_only_id_and_phone_can_be_unmasked(client_as, head):
    r = client_as("clerk_a").post(url(head, "illness"))
    assert r.status_code == 400
    assert not AuditEvent.objects.filter(action="residents.person.unmasked").exists()


def test_outsider_villager_and_anonymous_see_nothing(client_as, head):
    assert client_as("outsider").post(url(head)).status_code == 404
    assert client_as("villager").post(url(head)).status_code == 403
    r = Client().post(url(head))
    assert r.status_code == 302 and "login" in r["Location"]
    assert not AuditEvent.objects.filter(action="residents.person.unmasked").exists()
