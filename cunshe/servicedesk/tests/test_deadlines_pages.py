"""The deadlines page (/desk/deadlines/): due-soon and overdue lists for the officer and the unit,
with working days overdue and the escalation level; supervisors see overdue matters below them,
grouped by unit; nobody sees another county's; query counts do not grow with the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cunshe.core.workdays import add_working_days, working_days_between, working_days_overdue
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.jobs.escalation import escalate_overdue
from cunshe.servicedesk.models import Application
from cunshe.servicedesk.selectors.deadlines import deadline_board
from cunshe.servicedesk.tests.factories import act, submit, villager_person
from cunshe.servicedesk.tests.metrics_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_fixtures import add_user, adjust, person_in

pytestmark = pytest.mark.django_db

URL = "/desk/deadlines/"


@pytest.fixture
def person(cast, register):  # type: ignore[no-untyped-def]
    return villager_person(cast, register)


@pytest.fixture
def board(cast, officials, person, township_item, county_item):  # type: ignore[no-untyped-def]
    """Township matters: one of the township officer's due soon, one of a colleague's overdue,
    one nobody has taken overdue; a county civil-affairs matter overdue; one in village C."""
    today = timezone.localdate()
    colleague = add_user(cast, "township_b", "township_officer", cast.township.code)
    mine_soon = act(cast, submit(cast, person, township_item), "accept")
    mine_soon = adjust(mine_soon, due_on=add_working_days(today, 1))
    theirs = act(cast, submit(cast, person, township_item), "accept", by="township_b")
    theirs = adjust(theirs, due_on=today - timedelta(days=10), escalation_level=2)
    untaken = adjust(submit(cast, person, township_item), due_on=today - timedelta(days=3))
    county = act(cast, submit(cast, person, county_item), "accept", by="county_civil")
    county = adjust(county, due_on=today - timedelta(days=20))
    elsewhere_person = person_in(cast.village_c, "赵大山")
    elsewhere = submit(cast, elsewhere_person, township_item, by="outsider")
    elsewhere = adjust(elsewhere, due_on=today - timedelta(days=10))
    return {
        "mine_soon": mine_soon, "theirs": theirs, "untaken": untaken, "county": county,
        "elsewhere": elsewhere, "colleague": colleague,
    }  # fmt: skip


def numbers(board_list) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.application.number for r in board_list.rows}


def test_mine_and_my_unit_for_a_township_officer(cast, board):
    j = jurisdiction_of(cast.township_officer)
    b = deadline_board(j, user_id=cast.township_officer.pk)
    assert numbers(b.mine_soon) == {board["mine_soon"].number}
    assert numbers(b.mine_overdue) == set()
    assert numbers(b.unit_soon) == {board["mine_soon"].number}
    assert numbers(b.unit_overdue) == {board["theirs"].number, board["untaken"].number}
    # The colleague's own list holds theirs.
    jb = jurisdiction_of(board["colleague"])
    assert numbers(deadline_board(jb, user_id=board["colleague"].pk).mine_overdue) == {
        board["theirs"].number
    }


def test_working_days_overdue_and_escalation_level_are_shown(cast, board, client_as):
    today = timezone.localdate()
    theirs = board["theirs"]
    b = deadline_board(jurisdiction_of(cast.township_officer), user_id=cast.township_officer.pk)
    row = next(r for r in b.unit_overdue.rows if r.application.pk == theirs.pk)
    assert row.days_overdue == working_days_between(theirs.due_on, today)
    html = client_as("township_officer").get(URL).content.decode()
    assert theirs.number in html and "第2级" in html


def test_supervisors_see_overdue_matters_below_grouped_by_unit(cast, board):
    city = deadline_board(jurisdiction_of(cast.city_cc), user_id=cast.city_cc.pk)
    assert not city.is_handler and city.is_supervisor
    units = {u.unit: u for u in city.below}
    assert set(units) == {"闵家镇", "榆树市 · 民政"}
    assert units["闵家镇"].count == 2 and units["闵家镇"].top_level == 2
    assert {r.application.number for r in units["榆树市 · 民政"].rows} == {board["county"].number}
    everything = {r.application.number for u in city.below for r in u.rows}
    assert board["elsewhere"].number not in everything


def test_a_county_department_supervises_its_own_department_only(cast, board):
    civil = deadline_board(jurisdiction_of(cast.county_civil), user_id=cast.county_civil.pk)
    assert numbers(civil.unit_overdue) == {board["county"].number}
    below = {r.application.number for u in civil.below for r in u.rows}
    assert below == {board["county"].number, board["theirs"].number, board["untaken"].number}
    hr = deadline_board(jurisdiction_of(cast.yushu_hr), user_id=cast.yushu_hr.pk)
    assert hr.below == [] and numbers(hr.unit_overdue) == set()


def test_the_page_for_each_reader(cast, board, client_as):
    officer = client_as("township_officer").get(URL)
    assert officer.status_code == 200
    html = officer.content.decode()
    for key in ("mine_soon", "theirs", "untaken"):
        assert board[key].number in html
    assert "辖区超期" in html  # a township officer also supervises its villages
    # The village's clerk and 两委 see their village's overdue matters, whoever handles them.
    clerk = client_as("clerk_a").get(URL).content.decode()
    leader = client_as("leader_a").get(URL).content.decode()
    in_village_a = (
        Application.objects.within(jurisdiction_of(cast.clerk_a))
        .filter(pk=board["theirs"].pk)
        .exists()
    )
    for html in (clerk, leader):
        assert "辖区超期" in html
        assert (board["theirs"].number in html) is in_village_a
    city = client_as("city_cc").get(URL).content.decode()
    assert "我的办件" not in city and board["county"].number in city


def test_links_to_the_application_page_when_it_exists(cast, board, client_as):
    html = client_as("township_officer").get(URL).content.decode()
    try:
        link = reverse("servicedesk:application", args=[board["theirs"].pk])
    except NoReverseMatch:
        assert 'href="/desk/applications/' not in html
    else:
        assert f'href="{link}"' in html


def test_outsiders_see_none_of_it(cast, board, client_as):
    for who in ("outsider", "lishu_civil", "gujiazi_officer", "city_sp"):
        response = client_as(who).get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        for key in ("mine_soon", "theirs", "untaken", "county"):
            assert board[key].number not in html, who
    assert board["elsewhere"].number in client_as("gujiazi_officer").get(URL).content.decode()


def test_roles_without_handle_or_supervision_are_refused(cast, client_as):
    assert client_as("villager").get(URL).status_code == 403
    assert client_as("system_admin").get(URL).status_code == 403


def test_query_count_does_not_grow_with_the_lists(
    cast, board, person, township_item, client_as, django_assert_num_queries
):
    # 4 sign-in and role, 3 session save; the board: 4 lists (2 calendar reads for the due-soon
    # horizon), the per-unit counts, the rows below, the unit names, one calendar read.
    client = client_as("township_officer")
    client.get(URL)
    with django_assert_num_queries(17):
        assert client.get(URL).status_code == 200
    today = timezone.localdate()
    for days in (4, 8, 15, 30, 45):
        adjust(submit(cast, person, township_item), due_on=today - timedelta(days=days))
    escalate_overdue()
    with django_assert_num_queries(17):
        html = client.get(URL).content.decode()
    assert html.count("第1级") >= 5


def test_working_days_overdue_reads_the_calendar_once(django_assert_num_queries):
    today = timezone.localdate()
    dates = [today - timedelta(days=d) for d in (1, 3, 9, 30, 200)] + [today, None]
    with django_assert_num_queries(1):
        out = working_days_overdue(dates, today)
    for d in dates[:5]:
        assert out[d] == working_days_between(d, today)
    assert today not in out
