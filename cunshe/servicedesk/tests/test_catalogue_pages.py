"""The catalogue page (/desk/catalogue/) and the public guide of one item
(/desk/catalogue/<code>/)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cunshe.servicedesk.models import ServiceItem
from cunshe.servicedesk.services.catalogue import adjustment_save
from cunshe.servicedesk.tests.catalogue_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.catalogue_fixtures import HOMESTEAD, LOW_INCOME, RESIDENCE

LIST = "/desk/catalogue/"
ITEM = "/desk/catalogue/{}/"


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-item="([A-Z0-9-]+)"', html)


def _shorten(cast, county_j, code=LOW_INCOME, **kw):  # type: ignore[no-untyped-def]
    return adjustment_save(
        actor=cast.county_civil,
        jurisdiction=county_j,
        item=ServiceItem.objects.get(code=code),
        county=cast.county,
        **kw,
    )


# --- the catalogue page ----------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(seeded):
    r = Client().get(LIST)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_clerk_sees_the_catalogue_of_their_village_grouped_by_theme(
    cast, client_as, county_j, seeded
):
    _shorten(cast, county_j, promised_days=12)
    _shorten(cast, county_j, code=HOMESTEAD, offered=False)
    r = client_as("clerk_a").get(LIST)
    assert r.status_code == 200
    html = r.content.decode()
    codes = _codes(html)
    assert LOW_INCOME in codes and HOMESTEAD not in codes  # not offered in this county
    assert len(codes) == ServiceItem.objects.count() - 1
    assert "社会救助" in html and "农业生产" in html
    row = re.search(rf'<tr data-item="{LOW_INCOME}".*?</tr>', html, re.S).group(0)
    assert "12 / 30" in row and "本县已调整" in row
    assert f"?village={cast.village_a.code}" in row
    assert f'href="/desk/villages/{cast.village_a.code}/lists/"' in html


def test_county_officer_also_sees_what_the_county_does_not_offer(cast, client_as, county_j, seeded):
    _shorten(cast, county_j, code=HOMESTEAD, offered=False)
    html = client_as("county_civil").get(LIST).content.decode()
    row = re.search(rf'<tr data-item="{HOMESTEAD}".*?</tr>', html, re.S).group(0)
    assert "本县不开展" in row
    assert "/desk/catalogue/adjustments/" in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("宅基地", HOMESTEAD),
        ("低保", LOW_INCOME),  # the characters of 最低生活保障, in order
        ("zdsh", LOW_INCOME),  # initials of 最低生活保障
        ("jl-cw-001", RESIDENCE),
    ],
)
def test_search_by_name_abbreviation_pinyin_or_code(client_as, seeded, q, expected):
    html = client_as("clerk_a").get(LIST, {"q": q}).content.decode()
    codes = _codes(html)
    assert codes and codes[0] == expected


def test_search_with_no_match_says_so(client_as, seeded):
    html = client_as("clerk_a").get(LIST, {"q": "火箭发射"}).content.decode()
    assert _codes(html) == [] and "没有找到符合的事项" in html


def test_province_official_picks_a_county(cast, client_as, county_j, seeded):
    _shorten(cast, county_j, promised_days=12)
    client = client_as("province_official")
    html = client.get(LIST).content.decode()
    assert '<option value="220182"' in html and '<option value="220322"' in html
    row = re.search(rf'<tr data-item="{LOW_INCOME}".*?</tr>', html, re.S).group(0)
    assert "20 / 30" in row  # the province's own values
    row = re.search(
        rf'<tr data-item="{LOW_INCOME}".*?</tr>',
        client.get(LIST, {"county": "220182"}).content.decode(),
        re.S,
    ).group(0)
    assert "12 / 30" in row and "?county=220182" in row
    assert client.get(LIST, {"county": "999999"}).status_code == 404


def test_another_countys_page_is_404_for_county_and_village_staff(client_as, seeded):
    assert client_as("outsider").get(LIST, {"county": "220182"}).status_code == 404
    assert client_as("county_civil").get(LIST, {"county": "220322"}).status_code == 404
    assert client_as("county_civil").get(LIST, {"county": "220182"}).status_code == 200


def test_villager_reads_it_in_the_phone_layout(client_as, seeded):
    html = client_as("villager").get(LIST).content.decode()
    assert "cs-villager" in html and LOW_INCOME in html


def test_catalogue_page_query_count_is_constant(client_as, seeded, django_assert_num_queries):
    client = client_as("clerk_a")
    client.get(LIST)  # warm the session
    # session · user · OTP device · assignments · items · materials · adjustments · the
    # session's idle-timeout save (savepoint, update, release)
    with django_assert_num_queries(10):
        assert client.get(LIST).status_code == 200
    with django_assert_num_queries(10):
        assert client.get(LIST, {"q": "救助"}).status_code == 200


def test_province_page_query_count_is_constant(client_as, seeded, django_assert_num_queries):
    client = client_as("province_official")
    client.get(LIST)
    # session · user · OTP device · assignments · counties · items · materials · session save (3)
    with django_assert_num_queries(10):
        assert client.get(LIST).status_code == 200
    # … + adjustments of the county picked
    with django_assert_num_queries(11):
        assert client.get(LIST, {"county": "220182"}).status_code == 200


# --- one item's guide --------------------------------------------------------------------------


def test_guide_is_public_with_every_field(seeded):
    r = Client().get(ITEM.format(LOW_INCOME))
    assert r.status_code == 200
    html = r.content.decode()
    item = ServiceItem.objects.get(code=LOW_INCOME)
    for text in (item.name, "行政给付", "县级", "民政", "不收费", "《社会救助暂行办法》"):
        assert text in html
    assert 'data-promised="20"' in html
    for m in item.materials.all():
        assert m.name in html
    for step in item.steps:
        assert step in html
    assert "cs-plain" in html and "cs-sidebar" not in html


def test_guide_for_a_village_shows_its_county_adjustment_and_handler(cast, county_j, seeded):
    _shorten(cast, county_j, promised_days=12, department="hr_social_security", note="试点")
    html = Client().get(ITEM.format(LOW_INCOME), {"village": cast.village_a.code}).content.decode()
    assert 'data-promised="12"' in html and "全省 20 个工作日" in html
    assert 'data-handler="220182"' in html and "榆树市 · 人社" in html and "试点" in html
    html = Client().get(ITEM.format(LOW_INCOME), {"village": cast.village_c.code}).content.decode()
    assert 'data-promised="20"' in html and 'data-handler="220322"' in html


def test_guide_says_when_the_county_does_not_offer_it(cast, county_j, seeded):
    _shorten(cast, county_j, offered=False)
    html = Client().get(ITEM.format(LOW_INCOME), {"village": cast.village_a.code}).content.decode()
    assert "data-not-offered" in html and "data-handler" not in html


@pytest.mark.parametrize(
    ("code", "query"),
    [
        ("JL-XX-999", {}),
        (LOW_INCOME, {"village": "220182102"}),
        (LOW_INCOME, {"village": "220182102299"}),
        (LOW_INCOME, {"county": "229999"}),
    ],
)
def test_guide_404s(seeded, code, query):
    assert Client().get(ITEM.format(code), query).status_code == 404


def test_an_inactive_item_is_shown_as_stopped(seeded):
    ServiceItem.objects.filter(code=LOW_INCOME).update(active=False)
    html = Client().get(ITEM.format(LOW_INCOME)).content.decode()
    assert "该事项已停止办理" in html


def test_guide_query_count(cast, seeded, django_assert_num_queries):
    # item · materials
    with django_assert_num_queries(2):
        Client().get(ITEM.format(LOW_INCOME))
    # … + village (with township and county) · adjustment
    with django_assert_num_queries(4):
        Client().get(ITEM.format(LOW_INCOME), {"village": cast.village_a.code})
