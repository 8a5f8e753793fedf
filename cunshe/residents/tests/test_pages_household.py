"""Household card and the new-household page."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.residents import idcard
from cunshe.residents.models import Household, Person


def url(h) -> str:  # type: ignore[no-untyped-def]
    return reverse("residents:household", args=[h.pk])


@pytest.fixture
def family(register):  # type: ignore[no-untyped-def]
    today = date.today()
    wife = register("李秀英", date(1978, 2, 2), sex="F", seq=3, relationship="12")
    head = register("王建国", date(1975, 5, 5), seq=1)
    kid = register("王小宝", date(today.year - 8, 1, 1), seq=2, relationship="20")
    return head, wife, kid


def test_card_lists_members_head_first_with_labels(client_as, household_a, family):
    r = client_as("clerk_a").get(url(household_a))
    assert r.status_code == 200
    assert [m.name for m in r.context["members"]] == ["王建国", "李秀英", "王小宝"]
    html = r.content.decode()
    assert "户主" in html and "妻" in html and "闵家村一组3号" in html
    assert r.context["member_form"] is not None


def test_township_reads_without_the_add_form_and_cannot_post(client_as, household_a, family):
    c = client_as("township_officer")
    r = c.get(url(household_a))
    assert r.status_code == 200 and r.context["member_form"] is None
    post = c.post(reverse("residents:household_add_member", args=[household_a.pk]), {})
    assert post.status_code == 403
    assert c.post(reverse("residents:household_new"), {}).status_code == 403


def test_outsider_villager_and_anonymous_are_kept_out(client_as, household_a, family):
    assert client_as("outsider").get(url(household_a)).status_code == 404
    assert (
        client_as("outsider")
        .post(reverse("residents:household_add_member", args=[household_a.pk]), {})
        .status_code
        == 404
    )
    assert client_as("villager").get(url(household_a)).status_code == 403
    r = Client().get(url(household_a))
    assert r.status_code == 302 and "login" in r["Location"]


def test_minors_are_left_off_the_card_for_roles_without_minor_access(cast, household_a, family):
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Department, Role
    from cunshe.core.testing.cast import login

    agri = User.objects.create_user("agri", password="x" * 12)
    RoleAssignment.objects.create(
        user=agri, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.AGRICULTURE
    )
    r = login(Client(), agri).get(url(household_a))
    assert [m.name for m in r.context["members"]] == ["王建国", "李秀英"]


def test_add_member_registers_through_the_service(client_as, household_a, family):
    r = client_as("clerk_a").post(
        reverse("residents:household_add_member", args=[household_a.pk]),
        {"name": "王二", "id_number": idcard.make("220182", date(2001, 6, 1), 5, "M"),
         "relationship": "23", "since": "2020-01-01", "ethnicity": "01", "phone": ""},
    )  # fmt: skip
    assert r.status_code == 302
    p = Person._base_manager.get(name="王二")
    assert p.household_id == household_a.pk and p.events.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"id_number": "220182200106010050"},  # wrong check digit
        {"id_number": "123"},
        {"name": ""},
        {"relationship": "02"},  # the household has a head already
        {"since": "2999-01-01"},
        {"phone": "12ab"},
    ],
)
def test_bad_member_input_shows_a_message_and_registers_nobody(client_as, household_a, family, bad):
    good = {"name": "王二", "id_number": idcard.make("220182", date(2001, 6, 1), 5, "M"),
            "relationship": "23", "since": "2020-01-01", "ethnicity": "01"}  # fmt: skip
    n = Person._base_manager.count()
    r = client_as("clerk_a").post(
        reverse("residents:household_add_member", args=[household_a.pk]), {**good, **bad}
    )
    assert r.status_code == 400
    assert r.context["member_form"].errors
    assert Person._base_manager.count() == n


def test_new_household_page_creates_one(client_as, cast):
    c = client_as("clerk_a")
    page = c.get(reverse("residents:household_new"))
    codes = [v for v, _label in page.context["form"].fields["region"].choices]
    assert cast.village_a.code in codes and cast.village_b.code not in codes
    r = c.post(
        reverse("residents:household_new"),
        {"region": "220182102200001", "number": "A-009", "address": "一组9号", "hukou_here": "on",
         "is_dibao": "on"},
    )  # fmt: skip
    h = Household._base_manager.get(number="A-009")
    assert r.status_code == 302 and r["Location"] == url(h)
    assert h.is_dibao and h.region_code == "220182102200001"


@pytest.mark.parametrize(
    "bad", [{"number": ""}, {"number": "A-001"}, {"region": "220322103200"}, {"region": ""}]
)
def test_bad_household_input_shows_a_message_and_creates_nothing(client_as, household_a, bad):
    n = Household._base_manager.count()
    r = client_as("clerk_a").post(
        reverse("residents:household_new"), {"region": "220182102200", "number": "A-010", **bad}
    )
    assert r.status_code == 400 and r.context["form"].errors
    assert Household._base_manager.count() == n


def test_household_page_query_count_is_pinned(
    client_as, household_a, family, register, django_assert_num_queries
):
    for i in range(4):
        register(f"亲属{i}", date(1990 + i, 1, 1), seq=30 + i, relationship="97")
    c = client_as("township_officer")
    c.get(url(household_a))
    with django_assert_num_queries(9):
        r = c.get(url(household_a))
    assert len(r.context["members"]) == 7
