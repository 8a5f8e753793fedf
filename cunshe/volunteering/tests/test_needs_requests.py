"""The villager's own help request on the phone: asks for a member of their household through
need_request, sees their requests and status; never for another household; roles."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from cunshe.residents import services as rs
from cunshe.residents.models import Person
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.volunteering.models import Need
from cunshe.volunteering.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.needs_fixtures import tomorrow_at


def _me(cast, register):  # type: ignore[no-untyped-def]
    me = register("孙长林", date(1970, 1, 1), relationship="10", seq=21)
    Person._base_manager.filter(pk=me.pk).update(account=cast.villager)
    return me


def _form(person_pk, **kw):  # type: ignore[no-untyped-def]
    data = {
        "recipient": person_pk,
        "category": "elderly",
        "starts_at": tomorrow_at(14).strftime("%Y-%m-%dT%H:%M"),
        "hours": "2",
        "description": "帮老人理发",
    }
    return {**data, **kw}


def test_villager_requests_help_for_own_household_and_sees_status(
    cast, client_as, register, household_a
):
    me = _me(cast, register)
    phone = client_as("villager")
    url = reverse("volunteering:my_requests")
    page = phone.get(url)
    assert page.status_code == 200 and "data-request-form" in page.content.decode()
    assert (
        reverse("volunteering:my_requests")
        in phone.get(reverse("volunteering:my_home")).content.decode()
    )
    r = phone.post(url, _form(me.pk))
    assert r.status_code == 302
    need = Need._base_manager.get()
    assert (need.source, need.recipient_id, need.volunteers_needed) == ("recipient", me.pk, 1)
    assert (need.ends_at - need.starts_at).total_seconds() == 7200 and need.title == "助老"
    page = phone.get(url).content.decode()
    assert f'data-request="{need.pk}" data-status="open"' in page
    # The clerk sees it on the desk.
    assert client_as("clerk_a").get(reverse("volunteering:need", args=[need.pk])).status_code == 200


def test_villager_cannot_request_for_another_household(cast, client_as, register, household_a):
    me = _me(cast, register)
    other = rs.household_create(actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a),
                                region=cast.village_a, number="A-002", address="x")  # fmt: skip
    stranger = register("外人", date(1970, 1, 1), relationship="02", seq=22, household=other)
    phone = client_as("villager")
    url = reverse("volunteering:my_requests")
    page = phone.get(url).content.decode()
    assert "外人" not in page and me.name in page
    r = phone.post(url, _form(stranger.pk))
    assert r.status_code == 400 and not Need._base_manager.exists()
    r = phone.post(url, _form(me.pk, starts_at="bad"))  # bad input changes nothing
    assert r.status_code == 400 and not Need._base_manager.exists()


def test_request_page_roles(cast, client_as):
    url = reverse("volunteering:my_requests")
    assert client_as("clerk_a").get(url).status_code == 403  # no volunteering.participate
    page = client_as("villager").get(url)
    assert page.status_code == 200  # no register entry: told, no form
    assert "data-request-form" not in page.content.decode()
