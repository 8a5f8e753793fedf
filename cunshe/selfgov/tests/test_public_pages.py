"""The public village page, no sign-in: the "How it will be checked" flow (a matter through
四议两公开 appears on the public page with its progress), items by category newest first, the
item page, age-friendly mode, no personal data, the chooser, the villager's tile, 404s for what
is not a village, and pinned query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from cunshe.selfgov.services import disclosure as services
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
A, B, C = "220182102200", "220182102201", "220322103200"


def _publish(cast, js, category, title, **kw):  # type: ignore[no-untyped-def]
    return services.disclosure_publish(
        actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a,
        category=category, title=title, body=kw.pop("body", "内容"), **kw,
    )  # fmt: skip


def test_a_matter_through_all_steps_appears_on_the_public_page(cast, js, new_matter, walk):
    matter = walk(new_matter("村道硬化工程筹资筹劳方案"), 4)
    anonymous = Client()
    page = anonymous.get(f"/gov/villages/{A}/disclosures/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "村道硬化工程筹资筹劳方案" in body
    assert body.count('data-step-state="done"') == 4
    assert 'data-step-state="current"' in body
    walk(matter, 6)
    body = anonymous.get(f"/gov/villages/{A}/disclosures/").content.decode()
    assert body.count('data-step-state="done"') == 6
    assert "决议公开" in body and "实施结果公开" in body
    detail = anonymous.get(f"/gov/villages/{A}/matters/{matter.pk}/").content.decode()
    assert detail.count('data-step-state="done"') == 6
    assert "党支部提议" in detail and "实施结果公开" in detail
    # Nobody's name: not the clerk who recorded, not who published.
    for marker in ("clerk_a", "leader_a"):
        assert marker not in body and marker not in detail


def test_items_by_category_newest_first(cast, js):
    _publish(cast, js, "general", "一季度村务", period_start=date(2026, 1, 1),
             period_end=date(2026, 3, 31))  # fmt: skip
    _publish(cast, js, "finance", "三月财务收支", period_start=date(2026, 3, 1),
             period_end=date(2026, 3, 31))  # fmt: skip
    _publish(cast, js, "major", "村部维修决定")
    anonymous = Client()
    body = anonymous.get(f"/gov/villages/{A}/disclosures/").content.decode()
    assert body.index("村部维修决定") < body.index("三月财务收支") < body.index("一季度村务")
    finance = anonymous.get(f"/gov/villages/{A}/disclosures/?category=finance").content.decode()
    assert "三月财务收支" in finance and "一季度村务" not in finance
    assert anonymous.get(f"/gov/villages/{A}/disclosures/?category=x").status_code == 404
    assert "三月财务收支" not in anonymous.get(f"/gov/villages/{B}/disclosures/").content.decode()


def test_the_item_page_shows_the_body_and_no_personal_data(cast, js):
    item = _publish(cast, js, "major", "低保评议结果", body="经村民代表会议评议，共3户。")
    page = Client().get(f"/gov/villages/{A}/disclosures/{item.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "经村民代表会议评议" in body
    assert "clerk_a" not in body
    assert "本村村民登录后可以提问" in body
    # Another village's address for the same item: 404.
    assert Client().get(f"/gov/villages/{B}/disclosures/{item.pk}/").status_code == 404


def test_age_friendly_mode_renders_the_public_page_large(cast, js):
    _publish(cast, js, "general", "村务一般事项")
    client = Client()
    client.cookies["cunshe_age_friendly"] = "1"
    body = client.get(f"/gov/villages/{A}/disclosures/").content.decode()
    assert 'class="age-friendly"' in body
    assert "大字模式：开" in body


@pytest.mark.parametrize(
    "url",
    [
        "/gov/villages/220182102/disclosures/",  # a township, not a village
        "/gov/villages/220182102200001/disclosures/",  # a group
        "/gov/villages/999999999999/disclosures/",
        "/gov/villages/abc/disclosures/",
        f"/gov/villages/{A}/disclosures/?page=999",
        f"/gov/villages/{A}/matters/999999/",
    ],
)
def test_what_is_not_a_village_or_an_item_is_404(cast, url):
    assert Client().get(url).status_code == 404


def test_the_chooser_walks_down_to_villages(cast):
    anonymous = Client()
    top = anonymous.get("/gov/villages/").content.decode()
    assert "长春市" in top
    township = anonymous.get("/gov/villages/?in=220182102").content.decode()
    assert "闵家村委会" in township and "一组" not in township
    assert f"/gov/villages/{A}/disclosures/" in township
    assert anonymous.get("/gov/villages/?in=2201821022").status_code == 404


def test_the_tile_sends_each_to_their_page(cast, client_as):
    villager = client_as("villager").get("/gov/disclosures/")
    assert villager["Location"] == f"/gov/villages/{A}/disclosures/"
    assert client_as("clerk_a").get("/gov/disclosures/")["Location"] == "/gov/disclosures/desk/"
    assert client_as("township_officer").get("/gov/disclosures/")["Location"] == (
        "/gov/disclosures/desk/"
    )
    anonymous = Client().get("/gov/disclosures/")["Location"]
    assert anonymous.startswith("/accounts/login/")
    assert client_as("system_admin").get("/gov/disclosures/")["Location"] == "/gov/villages/"


def test_the_staff_pages_refuse_others(cast, client_as, js):
    item = _publish(cast, js, "general", "村务")
    assert client_as("villager").get("/gov/disclosures/desk/").status_code == 403
    assert client_as("outsider").get(f"/gov/disclosures/{item.pk}/").status_code == 404
    assert client_as("township_officer").get("/gov/disclosures/new/").status_code == 403
    assert client_as("clerk_a").get("/gov/disclosures/overdue/").status_code == 403
    assert client_as("township_officer").get("/gov/disclosures/overdue/").status_code == 200
    outsider_desk = client_as("outsider").get("/gov/disclosures/desk/").content.decode()
    assert "村务" in outsider_desk  # the page title
    assert f"/gov/disclosures/{item.pk}/" not in outsider_desk
    anonymous = Client().get("/gov/disclosures/desk/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_public_pages_take_a_fixed_number_of_queries(
    cast, js, new_matter, walk, django_assert_num_queries
):
    for i in range(3):
        walk(new_matter(f"事项{i}"), 6)
        _publish(cast, js, "general", f"一般事项{i}")
    client = Client()
    client.get(f"/gov/villages/{A}/disclosures/")
    # session/user lookups aside: village, items, matters, their steps.
    with django_assert_num_queries(4):
        assert client.get(f"/gov/villages/{A}/disclosures/").status_code == 200
    walk(new_matter("再一件"), 6)
    with django_assert_num_queries(4):
        assert client.get(f"/gov/villages/{A}/disclosures/").status_code == 200


def test_the_township_sees_overdue_disclosures_of_its_villages(cast, client_as):
    from cunshe.selfgov.jobs.disclosure import disclosure_daily
    from cunshe.selfgov.tests.matters_fixtures import aware

    disclosure_daily(now=aware(2026, 1, 5))
    body = client_as("township_officer").get("/gov/disclosures/overdue/").content.decode()
    assert body.count("data-overdue=") == 4  # A and B, finance and general, long overdue
    assert "孤家子村" not in body


def test_the_outsider_walks_every_route_of_this_part_and_sees_nothing_private(
    cast, js, client_as, new_matter, walk
):
    from django.urls import reverse

    from cunshe.selfgov.models import DisclosureQuestion

    matter = walk(new_matter("集体收益分配方案"), 6)
    item = _publish(cast, js, "general", "春季植树安排", body="公开内容")
    cast.villager.display_name = "王秀兰"
    cast.villager.save()
    question = services.question_ask(actor=cast.villager, jurisdiction=js.villager,
                                     disclosure=item, question="什么时候分配？")  # fmt: skip
    private = ("王秀兰", "villager", "clerk_a", "leader_a")
    outsider = client_as("outsider")
    staff_urls = [
        reverse("selfgov:matters"), reverse("selfgov:matter", args=[matter.pk]),
        reverse("selfgov:disclosure_desk"), reverse("selfgov:disclosure", args=[item.pk]),
        reverse("selfgov:disclosure_overdue"), reverse("selfgov:disclosure_new"),
        "/api/v1/selfgov/matters/", f"/api/v1/selfgov/matters/{matter.pk}",
        "/api/v1/selfgov/disclosures/", f"/api/v1/selfgov/disclosures/{item.pk}",
        "/api/v1/selfgov/disclosures/dues", "/api/v1/selfgov/disclosures/overdue",
    ]  # fmt: skip
    for url in staff_urls:
        response = outsider.get(url)
        body = response.content.decode()
        assert response.status_code in (200, 403, 404), url
        assert "集体收益分配方案" not in body and "春季植树安排" not in body, url
        assert not any(p in body for p in private), url
    public_urls = [
        f"/gov/villages/{A}/disclosures/", f"/gov/villages/{A}/disclosures/{item.pk}/",
        f"/gov/villages/{A}/matters/{matter.pk}/",
    ]  # fmt: skip
    for client in (outsider, Client()):
        for url in public_urls:
            body = client.get(url).content.decode()
            assert not any(p in body for p in private), url
    assert "什么时候分配" in Client().get(public_urls[1]).content.decode()
    for url, data in (
        (f"/gov/villages/{A}/disclosures/{item.pk}/ask/", {"question": "x"}),
        (f"/gov/disclosures/{item.pk}/", {"action": "hide", "question": question.pk,
                                          "reason": "x"}),
        (f"/gov/matters/{matter.pk}/", {"record": 1, "version": 1}),
    ):  # fmt: skip
        assert outsider.post(url, data).status_code in (403, 404), url
    question.refresh_from_db()
    assert not question.hidden
    assert DisclosureQuestion.objects.within(js.clerk_a).count() == 1
