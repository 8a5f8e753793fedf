"""/api/v1/residents/persons: scoped lists and details, masked, audited; villagers see their
own household; minors only for roles that may see them; outsiders nothing."""

from datetime import date

import pytest
from django.test import Client

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent
from cunshe.core.testing.cast import login
from cunshe.residents import idcard, services
from cunshe.residents.tests.conftest import jurisdiction_of

URL = "/api/v1/residents/persons"


@pytest.fixture
def people(cast, register, clerk_j):  # type: ignore[no-untyped-def]
    today = date.today()
    head = register("张三丰", date(1960, 3, 1), seq=1, phone="13812345678")
    child = register("张小明", date(today.year - 6, 1, 1), seq=2, relationship="20")
    wife = register("王秀兰", date(1962, 5, 1), sex="F", seq=3, relationship="10")
    wife.account = cast.villager
    wife.save()
    clerk_b = User.objects.create_user("clerk_b", password="x" * 12)
    RoleAssignment.objects.create(user=clerk_b, role=Role.VILLAGE_CLERK, region=cast.village_b)
    jb = jurisdiction_of(clerk_b)
    hb = services.household_create(
        actor=clerk_b, jurisdiction=jb, region=cast.village_b, number="B-001"
    )
    b_head = services.person_register(
        actor=clerk_b,
        jurisdiction=jb,
        household=hb,
        relationship="02",
        name="李四",
        id_number=idcard.make("220182", date(1970, 1, 1), 7, "M"),
        since=date(2020, 1, 1),
    )
    return {"head": head, "child": child, "wife": wife, "b_head": b_head}


def names(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {p["name"] for p in response.json()["items"]}


def test_clerk_lists_their_village_masked(client_as, people):
    r = client_as("clerk_a").get(URL)
    assert names(r) == {"张三丰", "张小明", "王秀兰"}
    body = r.content.decode()
    assert people["head"].id_number not in body and "13812345678" not in body
    head = next(p for p in r.json()["items"] if p["name"] == "张三丰")
    assert (
        head["id_number_masked"]
        == people["head"].id_number[:6] + "*" * 8 + people["head"].id_number[-4:]
    )
    assert head["phone_masked"] == "138****5678"
    assert head["household_number"] == "A-001" and head["relationship_label"] == "户主"


def test_township_officer_sees_both_villages(client_as, people):
    assert names(client_as("township_officer").get(URL)) == {"张三丰", "张小明", "王秀兰", "李四"}


def test_county_department_without_minor_access_sees_adults_only(cast, people):
    agri = User.objects.create_user("agri", password="x" * 12)
    RoleAssignment.objects.create(
        user=agri, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.AGRICULTURE
    )
    client = login(Client(), agri)
    assert names(client.get(URL)) == {"张三丰", "王秀兰", "李四"}
    assert client.get(f"{URL}/{people['child'].pk}").status_code == 404


def test_villager_sees_only_their_own_household(client_as, people):
    client = client_as("villager")
    assert names(client.get(URL)) == {"张三丰", "张小明", "王秀兰"}
    assert client.get(f"{URL}/{people['head'].pk}").status_code == 200
    assert client.get(f"{URL}/{people['b_head'].pk}").status_code == 404


def test_outsider_sees_nothing(client_as, people):
    client = client_as("outsider")
    assert names(client.get(URL)) == set()
    for person in people.values():
        assert client.get(f"{URL}/{person.pk}").status_code == 404
        assert client.get(f"{URL}/{person.pk}/events").status_code == 404


def test_role_without_register_access_is_refused_and_audited(client_as, people):
    r = client_as("province_official").get(URL)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert AuditEvent.objects.filter(action="core.permission.denied").exists()


def test_anonymous_gets_401(people):
    r = Client().get(URL)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert Client().get(f"{URL}/{people['head'].pk}").status_code == 401


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"q": "zsf"}, {"张三丰"}),
        ({"q": "张"}, {"张三丰", "张小明"}),
        ({"sex": "F"}, {"王秀兰"}),
        ({"age_min": 18}, {"张三丰", "王秀兰"}),
        ({"age_max": 10}, {"张小明"}),
        ({"region_code": "220182102201"}, set()),
        ({"q": "13812345678"}, {"张三丰"}),
    ],
)
def test_filters_are_those_of_the_search_page(client_as, people, params, expected):
    assert names(client_as("clerk_a").get(URL, params)) == expected


def test_exact_id_number_search(client_as, people):
    found = names(client_as("clerk_a").get(URL, {"q": people["wife"].id_number}))
    assert found == {"王秀兰"}


def test_bad_filter_is_422_in_the_error_shape(client_as, people):
    r = client_as("clerk_a").get(URL, {"residence_status": "nowhere", "age_min": -1})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"residence_status", "age_min"}


def test_gone_persons_only_on_request(client_as, cast, clerk_j, people):
    services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=people["head"],
        kind="death",
        occurred_on=date(2024, 1, 1),
    )
    client = client_as("clerk_a")
    assert "张三丰" not in names(client.get(URL))
    assert "张三丰" in names(client.get(URL, {"include_gone": "true"}))


def test_cursor_pages_walk_the_list_once(client_as, people):
    client = client_as("township_officer")
    first = client.get(URL, {"page_size": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(URL, {"page_size": 3, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    seen = [p["id"] for p in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) == 4


def test_detail_is_masked_and_its_view_audited(client_as, people):
    r = client_as("clerk_a").get(f"{URL}/{people['head'].pk}")
    assert r.status_code == 200
    data = r.json()
    assert data["name"] == "张三丰" and data["phone_masked"] == "138****5678"
    assert people["head"].id_number not in r.content.decode()
    assert data["version"] == people["head"].version
    viewed = AuditEvent.objects.filter(action="residents.person.viewed")
    assert viewed.count() == 1 and viewed.get().object_id == str(people["head"].pk)


def test_list_query_count_is_constant(client_as, people, register, django_assert_num_queries):
    client = client_as("clerk_a")
    client.get(URL)
    # 7 for the request (session, user, OTP device, assignments, session save in a savepoint),
    # then one for the page with its households joined in: no COUNT, no query per row.
    with django_assert_num_queries(8):
        assert len(client.get(URL).json()["items"]) == 3
    for seq in range(10, 20):
        register(f"王{seq}", date(1950, 1, 1), seq=seq, relationship="20")
    with django_assert_num_queries(8):
        assert len(client.get(URL).json()["items"]) == 13


def test_villager_list_query_count(client_as, people, django_assert_num_queries):
    client = client_as("villager")
    client.get(URL)
    # The villager's own household id is one more query.
    with django_assert_num_queries(9):
        assert len(client.get(URL).json()["items"]) == 3
