"""GET /api/v1/servicedesk/applications/ and /{id}: scoped like the pages (a county department
sees its own department's matters, a villager their household's, an outsider nothing), names
masked for staff who may not unmask, never an ID number, filters, cursor pages, and a query
count that does not grow with the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.testing.cast import login
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application
from cunshe.servicedesk.tests.factories import act, make_item, submit
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
URL = "/api/v1/servicedesk/applications/"


def numbers(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {a["number"] for a in response.json()["items"]}


@pytest.fixture
def county_item(db):  # type: ignore[no-untyped-def]
    """A county civil-affairs matter (handled by 榆树市民政)."""
    return make_item("C-001", name="特困人员救助供养申请", level="county")


@pytest.fixture
def county_app(cast, me, county_item):  # type: ignore[no-untyped-def]
    return submit(cast, me, county_item)


def county_officer(cast, department: str) -> Client:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(f"county_{department}", password="x" * 12)
    RoleAssignment.objects.create(
        user=user, role=Role.COUNTY_OFFICER, region=cast.county, department=department
    )
    return login(Client(), user)


def test_scoping_by_role(cast, client_as, my_app, neighbour_app, county_app):
    everyone = {my_app.number, neighbour_app.number, county_app.number}
    assert numbers(client_as("clerk_a").get(URL)) == everyone
    assert numbers(client_as("township_officer").get(URL)) == everyone
    # The villager sees their household's matters, not the neighbour's.
    assert numbers(client_as("villager").get(URL)) == {my_app.number, county_app.number}
    assert numbers(client_as("outsider").get(URL)) == set()
    # County civil affairs sees the civil-affairs matters in its county; agriculture none.
    assert numbers(client_as("county_civil").get(URL)) == everyone
    assert numbers(county_officer(cast, Department.AGRICULTURE).get(URL)) == set()


def test_other_department_and_outsider_cannot_open_a_civil_affairs_matter(
    cast, client_as, county_app
):
    agri = county_officer(cast, Department.AGRICULTURE)
    assert agri.get(f"{URL}{county_app.pk}").status_code == 403
    assert client_as("outsider").get(f"{URL}{county_app.pk}").status_code == 404


def test_villager_cannot_open_another_households_matter(client_as, me, neighbour_app):
    assert client_as("villager").get(f"{URL}{neighbour_app.pk}").status_code == 404


def test_names_masked_for_staff_without_unmask_and_never_an_id_number(client_as, me, my_app):
    def name_of(who: str) -> str:
        r = client_as(who).get(URL)
        assert me.id_number not in r.content.decode()
        return r.json()["items"][0]["applicant_name"]

    assert name_of("clerk_a") == "张桂兰"  # residents.unmask
    assert name_of("villager") == "张桂兰"  # their own household
    assert name_of("township_officer") == "张**"
    assert name_of("county_civil") == "张**"
    detail = client_as("township_officer").get(f"{URL}{my_app.pk}").json()
    assert detail["applicant_name"] == "张**"


def test_list_fields(client_as, my_app):
    row = client_as("township_officer").get(URL).json()["items"][0]
    assert row["item_code"] == "T-001" and row["item_name"] == "最低生活保障申请"
    assert (row["handler_level"], row["handler_code"], row["handler_department"]) == (
        "township", "220182102", "civil_affairs",
    )  # fmt: skip
    assert row["status"] == "submitted" and row["mode"] == "online"
    assert row["due_on"] == my_app.due_on.isoformat() and row["finished_at"] is None


def test_detail_has_the_plain_timeline_materials_and_the_callers_actions(cast, client_as, my_app):
    act(cast, my_app, "accept")
    body = client_as("township_officer").get(f"{URL}{my_app.pk}").json()
    assert [e["title"] for e in body["timeline"]] == ["已提交", "已受理"]
    assert body["allowed_actions"] == ["return", "start"]
    assert body["version"] == 2
    mine = client_as("villager").get(f"{URL}{my_app.pk}").json()
    assert mine["allowed_actions"] == ["withdraw"]


def test_filters(cast, client_as, me, my_app, neighbour_app, county_app):
    client = client_as("clerk_a")
    act(cast, my_app, "accept")
    assert numbers(client.get(URL, {"status": "accepted"})) == {my_app.number}
    assert numbers(client.get(URL, {"item": "C-001"})) == {county_app.number}
    assert numbers(client.get(URL, {"handler": "220182"})) == {county_app.number}
    assert numbers(client.get(URL, {"department": "civil_affairs", "item": "T-001"})) == {
        my_app.number, neighbour_app.number,
    }  # fmt: skip
    today = timezone.localdate()
    assert len(numbers(client.get(URL, {"submitted_from": today, "submitted_to": today}))) == 3
    assert numbers(client.get(URL, {"submitted_to": today - timedelta(days=1)})) == set()
    assert client.get(URL, {"status": "nonsense"}).status_code == 422


def test_cursor_pages_newest_first(client_as, my_app, neighbour_app, county_app):
    client = client_as("clerk_a")
    first = client.get(URL, {"page_size": 2}).json()
    assert [a["id"] for a in first["items"]] == [county_app.pk, neighbour_app.pk]
    second = client.get(URL, {"page_size": 2, "cursor": first["next_cursor"]}).json()
    assert [a["id"] for a in second["items"]] == [my_app.pk] and second["next_cursor"] is None


def test_roles_without_the_desk_are_refused_and_anonymous_must_sign_in(client_as, my_app):
    assert client_as("system_admin").get(URL).status_code == 403
    assert client_as("system_admin").get(f"{URL}{my_app.pk}").status_code == 403
    assert Client().get(URL).status_code == 401


def test_list_query_count_is_the_same_for_1_and_20_rows(
    cast, client_as, me, item, django_assert_num_queries
):
    submit(cast, me, item)
    client = client_as("township_officer")
    client.get(URL)
    # 7 for the request (session, user, OTP device, assignments, session save in a savepoint),
    # then one for the page with its items joined in: no COUNT, no query per row.
    with django_assert_num_queries(8):
        assert len(client.get(URL).json()["items"]) == 1
    for _ in range(19):
        submit(cast, me, item)
    with django_assert_num_queries(8):
        assert len(client.get(URL).json()["items"]) == 20


def test_villager_list_query_count(cast, client_as, me, item, django_assert_num_queries):
    for _ in range(3):
        submit(cast, me, item)
    client = client_as("villager")
    client.get(URL)
    # The household id is one more query.
    with django_assert_num_queries(9):
        assert len(client.get(URL).json()["items"]) == 3
    assert Application.objects.within(jurisdiction_of(cast.clerk_a)).count() == 3
