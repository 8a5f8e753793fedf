from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent
from cunshe.residents import selectors
from cunshe.residents.models import Person
from cunshe.residents.selectors import PersonFilters
from cunshe.residents.tests.conftest import jurisdiction_of


@pytest.fixture
def family(register, household_a):  # type: ignore[no-untyped-def]
    today = date.today()
    head = register("王建国", date(1975, 5, 5), seq=1)
    child = register(
        "王小宝",
        date(today.year - 8, 1, 1),
        seq=2,
        relationship="20",
    )
    return head, child


def test_clerk_sees_adults_and_minors_of_their_village(cast, family):
    names = {p.name for p in selectors.persons_visible(jurisdiction_of(cast.clerk_a))}
    assert names == {"王建国", "王小宝"}


def test_roles_without_minor_access_do_not_see_children(cast, family):
    county_agri = User.objects.create_user("agri", password="x" * 12)
    RoleAssignment.objects.create(
        user=county_agri,
        role=Role.COUNTY_OFFICER,
        region=cast.county,
        department=Department.AGRICULTURE,
    )
    j = jurisdiction_of(county_agri)
    assert {p.name for p in selectors.persons_visible(j)} == {"王建国"}
    with pytest.raises(Http404):
        selectors.get_person_for(j, family[1].pk)
    civil = jurisdiction_of(cast.county_civil)
    assert {p.name for p in selectors.persons_visible(civil)} == {"王建国", "王小宝"}


def test_outsider_sees_nobody_of_village_a(cast, family):
    j = jurisdiction_of(cast.outsider)
    assert not selectors.persons_visible(j).exists()
    with pytest.raises(Http404):
        selectors.get_person_for(j, family[0].pk)


def test_villager_sees_only_their_own_household(cast, family, register, household_a, clerk_j):
    from cunshe.residents import services

    other = services.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="A-002"
    )
    register("邻居", date(1950, 1, 1), seq=9, household=other)
    j = jurisdiction_of(cast.villager)
    assert not selectors.persons_visible(j).exists()  # not linked to a person yet
    Person._base_manager.filter(pk=family[0].pk).update(account=cast.villager)
    assert {p.name for p in selectors.persons_visible(j)} == {"王建国", "王小宝"}
    assert list(selectors.households_visible(j)) == [household_a]


def test_roles_without_any_register_permission_are_refused(cast, family):
    with pytest.raises(PermissionDenied):
        selectors.get_person_for(jurisdiction_of(cast.system_admin), family[0].pk)


def test_every_detail_view_is_audited(cast, family):
    selectors.get_person_for(jurisdiction_of(cast.clerk_a), family[0].pk)
    assert AuditEvent.objects.filter(
        action="residents.person.viewed", object_id=str(family[0].pk)
    ).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王建国", {"王建国"}),
        ("wjg", {"王建国"}),
        ("wangjian", {"王建国"}),
        ("A-001", {"王建国", "王小宝"}),
    ],
)
def test_search_by_name_pinyin_initials_and_household_number(cast, family, query, expected):
    j = jurisdiction_of(cast.clerk_a)
    assert {p.name for p in selectors.person_search(j, PersonFilters(q=query))} == expected


def test_search_by_exact_id_number_uses_the_blind_index(cast, family):
    j = jurisdiction_of(cast.clerk_a)
    found = list(selectors.person_search(j, PersonFilters(q=family[0].id_number.lower())))
    assert [p.pk for p in found] == [family[0].pk]


def test_age_band_and_sex_filters(cast, family):
    j = jurisdiction_of(cast.clerk_a)
    kids = selectors.person_search(j, PersonFilters(age_max=13))
    assert {p.name for p in kids} == {"王小宝"}
    adults = selectors.person_search(j, PersonFilters(age_min=18, sex="M"))
    assert {p.name for p in adults} == {"王建国"}
