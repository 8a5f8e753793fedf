"""The villager's own household page, and nothing else of the register."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.residents import services
from cunshe.residents.models import Person
from cunshe.web.nav import tiles_for

URL = reverse("residents:my_household")


@pytest.fixture
def homes(cast, register, clerk_j):  # type: ignore[no-untyped-def]
    me = register("王建国", date(1975, 5, 5), seq=1, phone="13912345678")
    son = register("王小宝", date(2015, 1, 1), seq=2, relationship="20")
    other = services.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="A-002"
    )
    neighbour = register("邻居老李", date(1950, 1, 1), seq=9, household=other)
    Person._base_manager.filter(pk=me.pk).update(account=cast.villager)
    return me, son, neighbour


def test_villager_sees_their_household_only_with_their_own_numbers_masked(client_as, homes):
    me, son, _neighbour = homes
    r = client_as("villager").get(URL)
    html = r.content.decode()
    assert r.status_code == 200 and "web/villager.html" in [t.name for t in r.templates]
    assert "王建国" in html and "王小宝" in html and "邻居老李" not in html
    assert "139****5678" in html and "13912345678" not in html
    assert me.id_number not in html and son.id_number[-4:] not in html


def test_villager_without_a_linked_person_is_told_whom_to_ask(client_as, register):
    register("王建国", date(1975, 5, 5), seq=1)
    r = client_as("villager").get(URL)
    assert r.status_code == 200 and "村委会" in r.content.decode()
    assert r.context["members"] == []


def test_villager_is_refused_every_staff_register_page(client_as, homes):
    me, _son, neighbour = homes
    c = client_as("villager")
    for url in (
        reverse("residents:person_list"),
        reverse("residents:household_new"),
        reverse("residents:household", args=[me.household_id]),
        reverse("residents:household", args=[neighbour.household_id]),
        reverse("residents:person", args=[me.pk]),
        reverse("residents:person", args=[neighbour.pk]),
    ):
        assert c.get(url).status_code in (403, 404), url


def test_villager_home_tile_leads_to_the_household_page(cast, homes):
    from cunshe.accounts.models import RoleAssignment

    j = RoleAssignment.objects.filter(user=cast.villager).first().jurisdiction()
    assert URL in [t["url"] for t in tiles_for(j)]


def test_staff_and_anonymous_do_not_get_the_villager_page(client_as, homes):
    assert client_as("clerk_a").get(URL).status_code == 403
    r = Client().get(URL)
    assert r.status_code == 302 and "login" in r["Location"]
