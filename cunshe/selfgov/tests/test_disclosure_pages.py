"""The disclosure desk: due dates with their state (met, waiting, overdue), publishing from the
page (bad input refused with the message, nothing published), a matter's decision published from
its page moving the matter, pinned query counts for the desk and an item's page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cunshe.core.jurisdiction import system_scope
from cunshe.selfgov.jobs.disclosure import disclosure_daily
from cunshe.selfgov.models import Disclosure, DisclosureDue, Matter
from cunshe.selfgov.services import disclosure as services
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)
from cunshe.selfgov.tests.matters_fixtures import aware

pytestmark = pytest.mark.django_db


def test_the_desk_shows_each_due_and_its_state(cast, js, client_as):
    from django.utils import timezone

    disclosure_daily(now=aware(2026, 1, 5))  # January finance and Q1 general: long overdue
    today = timezone.localdate()
    disclosure_daily(now=timezone.now())  # this month's and this quarter's
    start, end = services.period_of("finance", today)
    item = services.disclosure_publish(
        actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a, category="finance",
        title="本月财务收支", body="明细", period_start=start, period_end=end,
    )  # fmt: skip
    body = client_as("clerk_a").get("/gov/disclosures/desk/").content.decode()
    assert body.count("data-due=") == 4  # village A's own dues only
    assert f'href="/gov/disclosures/{item.pk}/"' in body  # this month's: met
    assert body.count("data-overdue") == 2  # January's and the first quarter's
    assert "待公开" in body  # this quarter's general one, not yet due
    township = client_as("township_officer").get("/gov/disclosures/desk/").content.decode()
    assert township.count("data-due=") == 8  # A and B


def test_publishing_from_the_page(cast, js, client_as):
    clerk = client_as("clerk_a")
    assert clerk.get("/gov/disclosures/new/").status_code == 200
    bad = clerk.post("/gov/disclosures/new/", {"village": cast.village_a.pk, "category": "finance",
                                               "title": "财务", "body": "明细"})  # fmt: skip
    assert bad.status_code == 400
    assert "财务公开须注明所属期间" in bad.content.decode()
    assert not Disclosure.objects.within(js.clerk_a).exists()
    data = {"village": cast.village_a.pk, "category": "general", "title": "春耕安排",
            "body": "四月初开始。"}  # fmt: skip
    good = clerk.post("/gov/disclosures/new/", data)
    assert good.status_code == 302
    item = Disclosure.objects.within(js.clerk_a).get()
    assert good["Location"] == f"/gov/disclosures/{item.pk}/"
    assert item.period_start == item.period_end == timezone.localdate(item.published_at)


def test_a_decision_published_from_the_matter_page_moves_it(cast, js, client_as, new_matter, walk):
    matter = walk(new_matter(), 4)
    clerk = client_as("clerk_a")
    page = clerk.get(f"/gov/matters/{matter.pk}/").content.decode()
    assert f"/gov/disclosures/new/?matter={matter.pk}" in page
    form = clerk.get(f"/gov/disclosures/new/?matter={matter.pk}").content.decode()
    assert "决议公开" in form
    response = clerk.post("/gov/disclosures/new/", {
        "matter": matter.pk, "village": cast.village_a.pk, "category": "major",
        "title": "决议公开", "body": "经村民代表会议通过。",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/gov/matters/{matter.pk}/"
    assert Matter.objects.within(js.clerk_a).get(pk=matter.pk).step == 5
    with system_scope("test"):
        assert DisclosureDue.objects.get(matter=matter).fulfilled_by is not None
    # A matter of another village cannot be named.
    assert clerk.get("/gov/disclosures/new/?matter=999999").status_code == 404


def test_desk_and_item_pages_take_a_fixed_number_of_queries(
    cast, js, client_as, django_assert_max_num_queries
):
    disclosure_daily(now=aware(2026, 1, 5))
    for i in range(5):
        item = services.disclosure_publish(
            actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a,
            category="general", title=f"公开{i}", body="内容",
        )  # fmt: skip
        services.question_ask(actor=cast.villager, jurisdiction=js.villager, disclosure=item,
                              question=f"问题{i}")  # fmt: skip
    client = client_as("clerk_a")
    client.get("/gov/disclosures/desk/")
    with django_assert_max_num_queries(12):
        assert client.get("/gov/disclosures/desk/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/gov/disclosures/{item.pk}/").status_code == 200
