"""The staff list of applications: scoped to the jurisdiction (a county department to its own
matters), filtered, names masked for roles that may not unmask, paged, query count pinned."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.servicedesk.models import Application, Status
from cunshe.servicedesk.tests.desk_fixtures import *  # noqa: F403 - the fixtures
from cunshe.servicedesk.tests.desk_fixtures import LIST
from cunshe.servicedesk.tests.factories import act, make_item, submit

pytestmark = pytest.mark.django_db


def numbers(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {a.number for a in response.context["applications"]}


@pytest.fixture
def apps(cast, person, item):  # type: ignore[no-untyped-def]
    """A township civil-affairs matter, a county 残联 matter and a village-level matter."""
    township = submit(cast, person, item)
    disabled = submit(
        cast, person, make_item("T-030", name="残疾人两项补贴", level="county",
                                department="disabled_federation"),
    )  # fmt: skip
    village = submit(cast, person, make_item("T-031", name="村级证明", level="village"))
    return {"township": township, "disabled": disabled, "village": village}


def test_staff_see_the_matters_of_their_jurisdiction(client_as, apps):
    everything = {a.number for a in apps.values()}
    assert numbers(client_as("clerk_a").get(LIST)) == everything
    assert numbers(client_as("township_officer").get(LIST)) == everything
    assert numbers(client_as("province_official").get(LIST)) == everything


def test_outsider_sees_nothing(client_as, apps):
    r = client_as("outsider").get(LIST)
    assert r.status_code == 200 and numbers(r) == set()
    r = client_as("outsider").get(LIST, {"number": apps["township"].number})
    assert numbers(r) == set()


def test_county_civil_affairs_sees_only_civil_affairs_matters(client_as, apps):
    seen = numbers(client_as("county_civil").get(LIST))
    assert apps["township"].number in seen  # routed to the township, civil affairs
    assert apps["disabled"].number not in seen
    assert apps["village"].number not in seen


def test_roles_without_servicedesk_view_are_refused(client_as, apps):
    assert client_as("security_admin").get(LIST).status_code == 403
    assert client_as("villager").get(LIST).status_code == 403


def test_names_are_masked_for_roles_that_may_not_unmask(client_as, apps):
    assert "张桂兰" in client_as("clerk_a").get(LIST).content.decode()
    for who in ("township_officer", "province_official", "county_civil"):
        text = client_as(who).get(LIST).content.decode()
        assert "张桂兰" not in text and "张**" in text


def test_filters(client_as, cast, apps):
    c = client_as("township_officer")
    act(cast, apps["township"], "accept")
    assert numbers(c.get(LIST, {"status": Status.ACCEPTED})) == {apps["township"].number}
    assert numbers(c.get(LIST, {"item": apps["disabled"].item_id})) == {apps["disabled"].number}
    assert numbers(c.get(LIST, {"mode": "lingban"})) == set()
    assert numbers(c.get(LIST, {"number": apps["village"].number.lower()})) == {
        apps["village"].number
    }
    # "mine": waiting at the township itself, not at the county or the village.
    assert numbers(c.get(LIST, {"mine": "on"})) == {apps["township"].number}
    assert numbers(client_as("clerk_a").get(LIST, {"mine": "on"})) == {apps["village"].number}


def test_overdue_filter(client_as, apps):
    Application._base_manager.filter(pk=apps["township"].pk).update(due_on=date(2020, 1, 3))
    r = client_as("township_officer").get(LIST, {"overdue": "on"})
    assert numbers(r) == {apps["township"].number}
    assert "超期" in r.content.decode()


def test_bad_filter_values_show_a_message_and_list_nothing(client_as, apps):
    r = client_as("township_officer").get(LIST, {"status": "lost", "item": "x"})
    assert r.status_code == 200
    assert numbers(r) == set() and r.context["form"].errors


def test_paging_stops_at_the_limit(client_as, apps):
    r = client_as("township_officer").get(LIST, {"page": "201"})
    assert r.context["too_deep"] and numbers(r) == set()
    assert "页数太多" in r.content.decode()


def test_list_query_count_is_constant(client_as, cast, person, item, django_assert_num_queries):
    c = client_as("township_officer")
    county_item = make_item("T-032", level="county", department="civil_affairs")
    submit(cast, person, item)
    c.get(LIST)  # warm the session
    with django_assert_num_queries(10):
        r = c.get(LIST)
    assert len(r.context["applications"]) == 1
    for i in range(6):
        app = submit(cast, person, county_item if i % 2 else item)
        if i % 3 == 0:
            act(cast, app, "accept", by="county_civil" if i % 2 else "township_officer")
    with django_assert_num_queries(10):
        r = c.get(LIST)
    assert len(r.context["applications"]) == 7
