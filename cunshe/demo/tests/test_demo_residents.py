"""The demo population: realistic shape, valid and unique ID numbers, deterministic and
idempotent, consistent with the event projection (residents_verify), villagers linked."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from cunshe.core.jurisdiction import system_scope
from cunshe.core.testing.cast import login
from cunshe.demo.residents import IdAllocator, VillageGenerator
from cunshe.demo.services import demo_seed
from cunshe.demo.tests.test_demo_seed import _tree_for_demo
from cunshe.regions.models import Region
from cunshe.residents import idcard
from cunshe.residents.models import Household, Person, ResidenceEvent

TODAY = date(2026, 5, 1)


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    _tree_for_demo()
    counts = demo_seed(
        seed=1, servicedesk=False, care=False, selfgov=False, volunteering=False
    )  # the desk's part has its own tests
    with system_scope("test"):
        persons = list(Person.objects.select_related("household"))
        households = list(Household.objects.all())
    return counts, persons, households


def test_every_demo_village_gets_households_and_persons(seeded):
    counts, persons, households = seeded
    assert counts["persons"] == len(persons) > 1000
    villages = {h.village_code for h in households}
    assert villages == {"220182102200", "220182102201", "222406101200", "220322103200"}
    assert 2.1 <= len(persons) / len(households) <= 2.5


def test_second_run_adds_nothing(seeded):
    again = demo_seed(seed=1, servicedesk=False, care=False, selfgov=False, volunteering=False)
    assert again and not any(again.values()), again
    with system_scope("test"):
        assert Person.objects.count() == len(seeded[1])


def test_every_person_has_one_registered_event_and_verify_passes(seeded):
    _counts, persons, _households = seeded
    with system_scope("test"):
        kinds = Counter(ResidenceEvent.objects.values_list("kind", flat=True))
    assert kinds == {"registered": len(persons)}
    out = StringIO()
    call_command("residents_verify", stdout=out)  # SystemExit(1) would fail the test
    assert "register consistent" in out.getvalue()


def test_ageing_population_with_a_third_of_working_age_away(seeded):
    _counts, persons, _households = seeded
    ages = [p.age_on(TODAY) for p in persons]
    assert sum(50 <= a <= 75 for a in ages) / len(ages) > 0.35
    assert sum(a < 15 for a in ages) / len(ages) < 0.12
    working = [p for p in persons if 18 <= p.age_on(TODAY) <= 59]
    away = [p for p in working if p.residence_status == "away_work"]
    assert 0.25 <= len(away) / len(working) <= 0.45
    assert all(p.away_destination and p.status_since for p in away)
    assert any(p.residence_status == "non_hukou" and p.hukou_region_code for p in persons)


def test_id_numbers_are_valid_unique_and_mostly_from_the_own_county(seeded):
    _counts, persons, _households = seeded
    parsed = [idcard.parse(p.id_number) for p in persons]
    assert len({x.value for x in parsed}) == len(persons)
    assert all(
        x.birth_date == p.birth_date and x.sex == p.sex
        for x, p in zip(parsed, persons, strict=True)
    )
    assert all(x.region_code.startswith("22") for x in parsed)
    own = sum(x.region_code == p.region_code[:6] for x, p in zip(parsed, persons, strict=True))
    assert own / len(persons) > 0.8


def test_korean_village_is_mostly_korean(seeded):
    _counts, persons, _households = seeded
    dongxin = [p for p in persons if p.region_code.startswith("222406101200")]
    assert sum(p.ethnicity == "10" for p in dongxin) / len(dongxin) > 0.75
    assert "韩国" in {p.away_destination for p in dongxin}


def test_flags_at_low_rates_and_some_disabled(seeded):
    _counts, persons, households = seeded
    dibao = sum(h.is_dibao for h in households) / len(households)
    assert 0.02 <= dibao <= 0.09
    assert 0 < sum(h.is_monitored for h in households) / len(households) <= 0.06
    assert 0 < sum(p.has_disability for p in persons) / len(persons) < 0.06


def test_some_children_are_left_behind(seeded):
    _counts, persons, _households = seeded
    by_household: dict[int, list[Person]] = {}
    for p in persons:
        by_household.setdefault(p.household_id, []).append(p)
    left_behind = 0
    for members in by_household.values():
        parents = [m for m in members if m.relationship in ("20", "38")]
        kids = [m for m in members if m.relationship in ("41", "42") and m.age_on(TODAY) < 16]
        if kids and len(parents) == 2 and all(m.residence_status == "away_work" for m in parents):
            left_behind += len(kids)
    assert left_behind >= 3


def test_demo_villagers_see_their_own_household(seeded, client):
    from cunshe.accounts.models import User

    for username, village in (("cunmin", "220182102200"), ("cunmin_hl", "222406101200")):
        user = User.objects.get(username=username)
        with system_scope("test"):
            me = Person.objects.get(account=user)
        assert me.region_code.startswith(village)
        page = login(client, user).get("/api/v1/residents/households").json()
        assert [h["id"] for h in page["items"]] == [me.household_id]


def test_generation_is_deterministic(db):
    _tree_for_demo()
    village = Region.objects.get(code="220182102201")

    def draw():  # type: ignore[no-untyped-def]
        gen = VillageGenerator(7, village, [], ["220182", "220322"], IdAllocator(), TODAY)
        return [(m.name, m.id_number, m.status) for h in gen.plan(40) for m in h.members]

    assert draw() == draw()


def test_id_numbers_already_in_the_register_are_not_reused(db):
    """A village generated later never takes an ID number that some other village holds."""
    _tree_for_demo()
    village = Region.objects.get(code="220182102201")
    first = VillageGenerator(7, village, [], ["220182"], IdAllocator(), TODAY).plan(30)
    taken = [m.id_number for h in first for m in h.members]
    again = VillageGenerator(7, village, [], ["220182"], IdAllocator(taken), TODAY).plan(30)
    assert not {m.id_number for h in again for m in h.members} & set(taken)


def test_demo_register_pages_open_for_the_demo_logins(seeded):
    """The demo data is written by a bulk path, not the services: the pages must still open on
    it (a clerk's list, person and household pages; the villager's own household)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    clerk = login(Client(), User.objects.get(username="daiban"))
    listing = clerk.get("/residents/")
    assert listing.status_code == 200
    with system_scope("test"):
        sample = list(Person.objects.filter(region_code__startswith="220182102200")[:25])
    for person in sample:
        assert clerk.get(f"/residents/persons/{person.pk}/").status_code == 200
        assert clerk.get(f"/residents/households/{person.household_id}/").status_code == 200
    villager = login(Client(), User.objects.get(username="cunmin"))
    mine = villager.get("/residents/mine/")
    assert mine.status_code == 200
    assert "王秀兰" in mine.content.decode()
