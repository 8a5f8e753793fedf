"""The village's public volunteering and points pages, without signing in: what they show, what
they never show (people without consent, ID or phone numbers, unposted declarations, hidden
goods, private donors, full or past shifts), 404 for anything that is not a village, and their
query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from cunshe.volunteering.selectors.public import public_name
from cunshe.volunteering.tests.public_fixtures import public_village_a

A = "220182102200"


@pytest.fixture
def village(cast):  # type: ignore[no-untyped-def]
    return public_village_a(cast)


def _get(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_public_name_keeps_first_and_last_character():
    assert public_name("张德丰") == "张*丰"
    assert public_name("欧阳小明") == "欧**明"
    assert public_name("王五") == "王*"
    assert public_name("") == ""


@pytest.mark.django_db
def test_home_links_the_four_pages(village):
    html = _get(f"/vol/public/{A}/")
    for part in ("points", "store", "volunteers", "activities"):
        assert f"/vol/public/{A}/{part}/" in html
    assert f"/gov/villages/{A}/disclosures/" in html


@pytest.mark.django_db
def test_posted_points_show_masked_head_group_and_objection_link(village):
    html = _get(f"/vol/public/{A}/points/")
    assert "张*丰 · 一组" in html and "王*国" in html
    assert "照顾卧床婆婆一个月" in html and "送邻居老人就医" in html
    assert "孝老爱亲" in html or "filial" in html
    assert html.count("data-declaration=") == 2
    assert "尚未审核的申报" not in html and "已入账的申报" not in html
    assert "张德丰" not in html and "王建国" not in html
    assert "提出异议" in html and "/vol/" in html


@pytest.mark.django_db
def test_store_shows_active_goods_stock_and_only_public_donors(village):
    html = _get(f"/vol/public/{A}/store/")
    rice, powder = village.items["大米"], village.items["洗衣粉"]
    assert f'data-item="{rice.pk}"' in html and f'data-item="{powder.pk}"' in html
    assert "旧毛巾" not in html.split("data-public-donors")[0]  # off the shelf
    assert html.count('data-in-stock="yes"') == 1 and html.count('data-in-stock="no"') == 1
    assert "吉林爱心粮油有限公司" in html and "大米 20件" in html
    assert "匿名好心人" not in html and "13900001111" not in html


@pytest.mark.django_db
def test_top_volunteers_only_with_consent(village):
    html = _get(f"/vol/public/{A}/volunteers/")
    assert "刘玉芳" in html and 'data-star="1"' in html and "3.0 小时" in html
    assert "陈桂香" not in html  # no consent, though she served the most hours
    assert "赵志强" not in html  # withdrawn
    assert html.count("data-volunteer") == 1


@pytest.mark.django_db
def test_volunteer_without_consent_never_appears_even_alone(cast):
    from django.utils import timezone

    from cunshe.volunteering.tests.public_fixtures import hours, volunteer

    only = volunteer(cast.village_a, "孙无名", consent=False, minutes=6000)
    hours(only, 6000, timezone.localdate())
    html = _get(f"/vol/public/{A}/volunteers/")
    assert "孙无名" not in html and "data-volunteer" not in html


@pytest.mark.django_db
def test_open_activities_list_shifts_with_free_places_only(village):
    html = _get(f"/vol/public/{A}/activities/")
    assert "重阳敬老理发" in html and "村卫生室" in html
    assert "余 2 个名额" in html  # capacity 3, one live sign-up, one withdrawn
    assert html.count("data-shift") == 1  # the full and the past shift are left out
    assert "村屯大扫除" not in html and "党员内部学习" not in html
    assert "报名" in html and "陈桂香" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["220182102", "220182102200001", "abc", "22018210220099"])
def test_anything_but_a_village_is_404(cast, code):
    for part in ("", "points/", "store/", "volunteers/", "activities/"):
        assert Client().get(f"/vol/public/{code}/{part}").status_code == 404


@pytest.mark.django_db
def test_other_villages_records_stay_on_their_own_page(village):
    html = _get("/vol/public/220182102201/points/")
    assert "data-declaration=" not in html
    html = _get("/vol/public/220182102201/store/")
    assert "大米" not in html and "吉林爱心粮油有限公司" not in html
    html = _get("/vol/public/220182102201/activities/")
    assert "重阳敬老理发" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("part", "queries"),
    [("", 1), ("points/", 3), ("store/", 3), ("volunteers/", 2), ("activities/", 3)],
)
def test_query_counts_are_pinned(village, django_assert_num_queries, part, queries):
    client = Client()
    client.get(f"/vol/public/{A}/{part}")  # warm the session-less path
    with django_assert_num_queries(queries):
        assert client.get(f"/vol/public/{A}/{part}").status_code == 200


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_rows(village, django_assert_num_queries, cast):
    from django.utils import timezone

    from cunshe.volunteering.tests.public_fixtures import hours, shift, volunteer

    for i in range(5):
        v = volunteer(cast.village_a, f"志愿者{i}", consent=True, minutes=60)
        hours(v, 60, timezone.localdate())
        shift(village.activity, timezone.now() + timezone.timedelta(days=10 + i), 2)
    client = Client()
    with django_assert_num_queries(2):
        client.get(f"/vol/public/{A}/volunteers/")
    with django_assert_num_queries(3):
        client.get(f"/vol/public/{A}/activities/")
