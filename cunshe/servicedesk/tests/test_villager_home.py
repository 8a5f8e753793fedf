"""The villager's 办事 hub (/desk/): the village's catalogue grouped by theme and searchable,
online items offered for application, the others sent to the village service station, and the
household's own matters, newest first."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from cunshe.servicedesk.models import CountyAdjustment
from cunshe.servicedesk.tests.factories import make_item, submit
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
URL = reverse("servicedesk:villager_home")


def entries(response) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {e["item"].code: e for g in response.context["groups"] for e in g["entries"]}


def test_online_items_link_to_the_form_and_others_to_the_service_station(
    client_as, me, item, offline_item
):
    r = client_as("villager").get(URL)
    assert r.status_code == 200 and "web/villager.html" in [t.name for t in r.templates]
    rows = entries(r)
    assert rows["T-001"]["apply_url"] == reverse("servicedesk:apply", args=["T-001"])
    assert rows["T-010"]["apply_url"] is None
    html = r.content.decode()
    assert "请到村便民服务站代办" in html
    assert [g["theme"] for g in r.context["groups"]] == ["社会救助"]
    try:
        book = reverse("servicedesk:book")
    except NoReverseMatch:
        book = None
    if book is not None:  # the appointments page exists: bookable items link to it
        assert rows["T-010"]["book_url"].startswith(book)
        assert rows["T-010"]["book_url"] in html.replace("&amp;", "&")


def test_items_the_county_does_not_offer_are_not_listed(cast, client_as, me, item, offline_item):
    CountyAdjustment.objects.create(item=offline_item, county=cast.county, offered=False)
    assert set(entries(client_as("villager").get(URL))) == {"T-001"}


@pytest.mark.parametrize("q", ["低保", "dibao", "生活保障", "zuidi", "zdshbz", "t-001"])
def test_search_by_words_pinyin_initials_or_code(client_as, me, item, offline_item, q):
    r = client_as("villager").get(URL, {"q": q})
    assert set(entries(r)) == {"T-001"}


def test_search_without_a_match_says_so(client_as, me, item):
    r = client_as("villager").get(URL, {"q": "不存在的事"})
    assert entries(r) == {} and "没有找到这个事项" in r.content.decode()


def test_my_household_matters_newest_first_and_nobody_elses(
    cast, client_as, me, item, offline_item, my_app, neighbour_app
):
    second = submit(cast, me, offline_item)  # a 代办 by the clerk for the villager
    r = client_as("villager").get(URL)
    assert [a.pk for a in r.context["mine"]] == [second.pk, my_app.pk]
    html = r.content.decode()
    assert reverse("servicedesk:my_application", args=[my_app.pk]) in html
    assert reverse("servicedesk:my_application", args=[neighbour_app.pk]) not in html
    assert "赵大伯" not in html and "已提交" in html


def test_finished_matters_not_yet_rated_ask_for_a_rating(cast, client_as, me, item, my_app):
    from cunshe.servicedesk.tests.factories import act

    for action in ("accept", "start", "approve"):
        my_app = act(cast, my_app, action)
    client = client_as("villager")
    r = client.get(URL)
    assert r.context["to_rate"] == set() and "请给个评价" not in r.content.decode()
    act(cast, my_app, "deliver", by="clerk_a")
    r = client.get(URL)
    try:
        reverse("servicedesk:rate", args=[my_app.pk])
    except NoReverseMatch:
        assert r.context["to_rate"] == set()
    else:
        assert r.context["to_rate"] == {my_app.pk} and "请给个评价" in r.content.decode()


def test_villager_without_matters_is_told_where_they_will_appear(client_as, me, item):
    r = client_as("villager").get(URL)
    assert r.context["mine"] == [] and "您家还没有办过事" in r.content.decode()


def test_staff_are_sent_to_the_desk_or_refused(client_as, me):
    for who in ("clerk_a", "outsider"):
        r = client_as(who).get(URL)
        try:
            assert r.status_code == 302 and r["Location"] == reverse("servicedesk:desk_list")
        except NoReverseMatch:
            assert r.status_code == 403
    # A role with neither the villager's nor the desk's permission.
    assert client_as("system_admin").get(URL).status_code == 403
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_query_count_does_not_grow_with_matters_or_items(
    cast, client_as, me, item, my_app, django_assert_num_queries
):
    client = client_as("villager")
    client.get(URL)
    # 7 for the request (session, user, OTP device, assignments, session save in a savepoint),
    # then the household id, the matters with their items, the catalogue, its materials and
    # the county's adjustments: nothing per row.
    with django_assert_num_queries(12):
        assert len(client.get(URL).context["mine"]) == 1
    for n in range(2, 8):
        extra = make_item(f"T-1{n:02d}", name=f"事项{n}")
        submit(cast, me, extra, by="villager", mode="online")
    with django_assert_num_queries(12):
        r = client.get(URL)
    assert len(r.context["mine"]) == 7 and len(entries(r)) == 7
