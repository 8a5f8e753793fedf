"""/api/v1/residents/households: lists, a household with its visible members, creating one and
registering a person in it; 400 with field errors from the services, 404 outside."""

import json
from datetime import date

import pytest
from django.test import Client

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent
from cunshe.core.testing.cast import login
from cunshe.residents import idcard
from cunshe.residents.models import Household

URL = "/api/v1/residents/households"


def post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def family(register):  # type: ignore[no-untyped-def]
    head = register("张三丰", date(1960, 3, 1), seq=1)
    child = register("张小明", date(date.today().year - 6, 1, 1), seq=2, relationship="20")
    return head, child


def test_clerk_lists_and_reads_their_households(client_as, family, household_a):
    client = client_as("clerk_a")
    page = client.get(URL).json()
    assert [h["number"] for h in page["items"]] == ["A-001"] and page["next_cursor"] is None
    detail = client.get(f"{URL}/{household_a.pk}").json()
    assert [m["name"] for m in detail["members"]] == ["张三丰", "张小明"]
    assert all("*" in m["id_number_masked"] for m in detail["members"])


def test_members_hide_minors_from_roles_without_access(cast, family, household_a):
    agri = User.objects.create_user("agri", password="x" * 12)
    RoleAssignment.objects.create(
        user=agri, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.AGRICULTURE
    )
    detail = login(Client(), agri).get(f"{URL}/{household_a.pk}").json()
    assert [m["name"] for m in detail["members"]] == ["张三丰"]


def test_villager_sees_only_their_household(cast, client_as, family, household_a):
    head, _child = family
    head.account = cast.villager
    head.save()
    other = Household.objects.within(
        RoleAssignment.objects.get(user=cast.clerk_a).jurisdiction()
    ).count()
    assert other == 1
    client = client_as("villager")
    assert [h["id"] for h in client.get(URL).json()["items"]] == [household_a.pk]
    detail = client.get(f"{URL}/{household_a.pk}").json()
    assert {m["name"] for m in detail["members"]} == {"张三丰", "张小明"}


def test_villager_without_a_linked_person_sees_no_household(client_as, family, household_a):
    client = client_as("villager")
    assert client.get(URL).json()["items"] == []
    assert client.get(f"{URL}/{household_a.pk}").status_code == 404


def test_outsider_gets_404_and_an_empty_list(client_as, family, household_a):
    client = client_as("outsider")
    assert client.get(URL).json()["items"] == []
    assert client.get(f"{URL}/{household_a.pk}").status_code == 404
    r = post(
        client,
        f"{URL}/{household_a.pk}/members",
        {"relationship": "20", "name": "某", "id_number": "x", "since": "2020-01-01"},
    )
    assert r.status_code == 404


def test_create_household(client_as, cast):
    r = post(
        client_as("clerk_a"),
        URL,
        {"region_code": "220182102200001", "number": "A-009", "address": "一组9号",
         "is_dibao": True},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["number"] == "A-009" and data["is_dibao"] is True
    assert data["region_code"] == "220182102200001" and data["village_code"] == "220182102200"
    assert AuditEvent.objects.filter(action="residents.household.created").count() == 1


def test_create_household_outside_or_duplicate_is_400(client_as, household_a):
    client = client_as("clerk_a")
    r = post(client, URL, {"region_code": "220322103200", "number": "X-1"})
    assert r.status_code == 400 and "region_code" in r.json()["fields"]
    r = post(client, URL, {"region_code": "220182102200", "number": "A-001"})
    assert r.status_code == 400 and "number" in r.json()["fields"]
    r = post(client_as("township_officer"), URL, {"region_code": "220182102", "number": "Z-1"})
    assert r.status_code == 403  # the township may not write to the register at all
    r = post(client, URL, {"region_code": "220182", "number": "Z-1"})
    assert r.status_code == 400 and "region_code" in r.json()["fields"]


def test_create_household_without_edit_permission_is_403(client_as):
    r = post(client_as("township_officer"), URL, {"region_code": "220182102200", "number": "Z"})
    assert r.status_code == 403


def test_register_a_member(client_as, family, household_a):
    r = post(
        client_as("clerk_a"),
        f"{URL}/{household_a.pk}/members",
        {"relationship": "10", "name": "王秀兰",
         "id_number": idcard.make("220182", date(1962, 5, 1), 3, "F"),
         "since": "2020-01-01", "phone": "13900001111"},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["name"] == "王秀兰" and data["sex"] == "F" and data["phone_masked"] == "139****1111"
    person = household_a.members.get(pk=data["id"])
    assert person.events.get().kind == "registered"


def test_register_with_a_bad_id_number_is_400_and_changes_nothing(client_as, household_a):
    bad = idcard.make("220182", date(1962, 5, 1), 3, "F")[:-1] + "0"
    if bad == idcard.make("220182", date(1962, 5, 1), 3, "F"):
        bad = bad[:-1] + "1"
    r = post(
        client_as("clerk_a"),
        f"{URL}/{household_a.pk}/members",
        {"relationship": "02", "name": "王秀兰", "id_number": bad, "since": "2020-01-01"},
    )
    assert r.status_code == 400
    assert "校验位" in r.json()["fields"]["id_number"][0]
    assert household_a.members.count() == 0


def test_second_head_is_400(client_as, family, household_a):
    r = post(
        client_as("clerk_a"),
        f"{URL}/{household_a.pk}/members",
        {"relationship": "02", "name": "李四",
         "id_number": idcard.make("220182", date(1970, 5, 1), 9, "M"), "since": "2020-01-01"},
    )  # fmt: skip
    assert r.status_code == 400 and "relationship" in r.json()["fields"]


def test_register_without_edit_permission_is_403(client_as, household_a):
    r = post(
        client_as("township_officer"),
        f"{URL}/{household_a.pk}/members",
        {"relationship": "02", "name": "李四",
         "id_number": idcard.make("220182", date(1970, 5, 1), 9, "M"), "since": "2020-01-01"},
    )  # fmt: skip
    assert r.status_code == 403 and household_a.members.count() == 0


def test_household_list_query_count_is_constant(
    client_as, cast, clerk_j, family, django_assert_num_queries
):
    from cunshe.residents import services

    client = client_as("clerk_a")
    client.get(URL)
    with django_assert_num_queries(8):  # 7 for the request, 1 for the page
        assert len(client.get(URL).json()["items"]) == 1
    for n in range(5):
        services.household_create(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number=f"A-1{n}"
        )
    with django_assert_num_queries(8):
        assert len(client.get(URL).json()["items"]) == 6


def test_household_detail_query_count(client_as, family, household_a, django_assert_num_queries):
    client = client_as("clerk_a")
    client.get(f"{URL}/{household_a.pk}")
    # 7 for the request, the household, its members.
    with django_assert_num_queries(9):
        assert len(client.get(f"{URL}/{household_a.pk}").json()["members"]) == 2
