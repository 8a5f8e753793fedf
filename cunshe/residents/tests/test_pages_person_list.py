"""Person list and search page: scoped, filtered, paginated without COUNT, query count pinned."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.testing.cast import login
from cunshe.residents import rules, services
from cunshe.residents.forms import filters_from_query
from cunshe.residents.tests.conftest import jurisdiction_of

URL = reverse("residents:person_list")


@pytest.fixture
def people(cast, register, clerk_j):  # type: ignore[no-untyped-def]
    today = date.today()
    head = register("张三丰", date(1960, 3, 1), seq=1, phone="13812345678")
    child = register("张小明", date(today.year - 6, 1, 1), seq=2, relationship="20")
    # The township may not write to the register: village B's clerk enters its people.
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
        id_number=_id("220182", date(1970, 1, 1), 7, "M"),
        since=date(2020, 1, 1),
    )
    return {"head": head, "child": child, "b_head": b_head}


def _id(region, born, seq, sex):  # type: ignore[no-untyped-def]
    from cunshe.residents import idcard

    return idcard.make(region, born, seq, sex)


def names(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.name for p in response.context["persons"]}


def test_clerk_lists_their_village_including_minors(client_as, people):
    r = client_as("clerk_a").get(URL)
    assert r.status_code == 200
    assert names(r) == {"张三丰", "张小明"}
    assert "220182********" in r.content.decode()  # masked ID only
    assert people["head"].id_number not in r.content.decode()


def test_township_officer_sees_both_villages(client_as, people):
    assert names(client_as("township_officer").get(URL)) == {"张三丰", "张小明", "李四"}


def test_county_department_without_minor_access_sees_adults_only(cast, people):
    agri = User.objects.create_user("agri", password="x" * 12)
    RoleAssignment.objects.create(
        user=agri, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.AGRICULTURE
    )
    assert names(login(Client(), agri).get(URL)) == {"张三丰", "李四"}
    assert names(login(Client(), cast.county_civil).get(URL)) == {
        "张三丰",
        "张小明",
        "李四",
    }


@pytest.mark.parametrize(
    "q,expected",
    [
        ("zsf", {"张三丰"}),
        ("ZS", {"张三丰"}),
        ("zhangxiao", {"张小明"}),
        ("张", {"张三丰", "张小明"}),
        ("13812345678", {"张三丰"}),
        ("A-001", {"张三丰", "张小明"}),
    ],
)
def test_search_box_finds_by_name_pinyin_initials_phone_and_household(
    client_as, people, q, expected
):
    assert names(client_as("clerk_a").get(URL, {"q": q})) == expected


def test_search_by_exact_id_number(client_as, people):
    r = client_as("clerk_a").get(URL, {"q": people["head"].id_number})
    assert names(r) == {"张三丰"}


def test_filters_narrow_the_list(client_as, people, cast):
    c = client_as("township_officer")
    assert names(c.get(URL, {"region": cast.village_b.code})) == {"李四"}
    assert names(c.get(URL, {"age_max": "13"})) == {"张小明"}
    assert names(c.get(URL, {"sex": "F"})) == set()


def test_bad_filter_values_show_a_message_and_list_nothing(client_as, people):
    r = client_as("clerk_a").get(URL, {"age_min": "abc", "age_max": "-3"})
    assert r.status_code == 200
    assert names(r) == set()
    assert r.context["form"].errors
    r = client_as("clerk_a").get(URL, {"age_min": "50", "age_max": "10"})
    assert "最小年龄不能大于最大年龄" in r.content.decode()


def test_region_outside_the_jurisdiction_is_refused_with_a_message(client_as, people, cast):
    r = client_as("clerk_a").get(URL, {"region": cast.village_c.code})
    assert r.context["form"].errors["region"]
    assert names(r) == set()


def test_filters_from_query_is_reusable_and_validates(cast, people):
    from django.core.exceptions import ValidationError
    from django.http import QueryDict

    f = filters_from_query(QueryDict("q=zsf&sex=M&age_min=18&flag=is_veteran"))
    assert (f.q, f.sex, f.age_min, f.flag) == ("zsf", "M", 18, "is_veteran")
    with pytest.raises(ValidationError) as exc:
        filters_from_query(QueryDict("sex=X&region=123"))
    assert set(exc.value.message_dict) == {"sex", "region"}
    with pytest.raises(ValidationError):
        filters_from_query(
            QueryDict(f"region={cast.village_c.code}"), jurisdiction_of(cast.clerk_a)
        )


def test_pages_follow_without_counting_the_whole_register(client_as, register, household_a):
    for i in range(rules.PAGE_SIZE + 3):
        register(f"王{i:03d}", date(1980, 1, 1 + i % 28), seq=10 + i, relationship="80")
    c = client_as("clerk_a")
    first = c.get(URL)
    assert len(first.context["persons"]) == rules.PAGE_SIZE and first.context["more"]
    second = c.get(URL, {"page": "2"})
    assert len(second.context["persons"]) == 3 and not second.context["more"]


def test_list_query_count_is_constant(client_as, register, django_assert_num_queries):
    for i in range(12):
        register(f"赵{i:02d}", date(1980, 2, 1 + i), seq=40 + i, relationship="80" if i else "02")
    c = client_as("clerk_a")
    c.get(URL)  # warm the session
    with django_assert_num_queries(9):
        r = c.get(URL, {"q": "zhao"})
    assert len(r.context["persons"]) == 12


def test_villager_is_refused_and_outsider_sees_nothing_of_a(client_as, people):
    assert client_as("villager").get(URL).status_code == 403
    assert names(client_as("outsider").get(URL)) == set()
    assert names(client_as("outsider").get(URL, {"q": people["head"].id_number})) == set()


def test_anonymous_is_sent_to_sign_in():
    r = Client().get(URL)
    assert r.status_code == 302 and "login" in r["Location"]


def test_export_button_only_when_the_export_page_exists(client_as, people):
    from django.urls import NoReverseMatch

    html = client_as("clerk_a").get(URL, {"q": "zsf"}).content.decode()
    try:
        url = reverse("residents:export")
    except NoReverseMatch:
        assert "导出Excel" not in html
    else:
        assert f"{url}?q=zsf" in html


def test_filters_stay_folded_for_a_plain_search_and_open_when_one_is_set(client_as, cast):
    c = client_as("clerk_a")
    assert c.get("/residents/?q=wang").context["filters_open"] is False
    assert c.get("/residents/?q=wang&sex=F").context["filters_open"] is True
    assert c.get("/residents/?age_min=abc").context["filters_open"] is True
