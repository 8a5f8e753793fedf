"""The public page of a village's two lists (村委会依法履行职责事项 / 村委会协助政府工作事项):
open to anyone without signing in, built from the effective catalogue, 404 for anything that
is not a current village; constant queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from cunshe.servicedesk.models import ServiceItem, VillageRole
from cunshe.servicedesk.services.catalogue import adjustment_save
from cunshe.servicedesk.tests.catalogue_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.catalogue_fixtures import LOW_INCOME, RESIDENCE

URL = "/desk/villages/{}/lists/"


def _items_in(html: str, kind: str) -> set[str]:
    section = re.search(rf'data-list="{kind}".*?</section>', html, re.S)
    assert section is not None, f"no {kind} section"
    return set(re.findall(r'data-item="([A-Z0-9-]+)"', section.group(0)))


def test_anonymous_visitor_reads_both_lists(cast, seeded):
    r = Client().get(URL.format(cast.village_a.code))
    assert r.status_code == 200
    html = r.content.decode()
    assert "村委会依法履行职责事项" in html and "村委会协助政府工作事项" in html
    assert cast.village_a.name in html and cast.township.name in html
    performs = set(
        ServiceItem.objects.filter(village_role=VillageRole.PERFORMS).values_list("code", flat=True)
    )
    assists = set(
        ServiceItem.objects.filter(village_role=VillageRole.ASSISTS).values_list("code", flat=True)
    )
    assert _items_in(html, "performs") == performs
    assert _items_in(html, "assists") == assists
    # Who handles it, in words: the township for the homestead, the village for its own.
    assert "闵家镇 · 农业农村" in html
    assert f'href="/desk/catalogue/{RESIDENCE}/?village={cast.village_a.code}"' in html
    # Plain layout for a visitor: no staff menu, no sign-out button.
    assert "cs-sidebar" not in html and "退出登录" not in html


def test_each_list_has_its_own_page(cast, seeded):
    html = Client().get(URL.format(cast.village_a.code) + "performs/").content.decode()
    assert 'data-list="performs"' in html and 'data-list="assists"' not in html
    html = Client().get(URL.format(cast.village_a.code) + "assists/").content.decode()
    assert 'data-list="assists"' in html and 'data-list="performs"' not in html
    assert Client().get(URL.format(cast.village_a.code) + "other/").status_code == 404


def test_the_county_adjustment_shows_on_the_public_list(cast, county_j, seeded):
    adjustment_save(
        actor=cast.county_civil,
        jurisdiction=county_j,
        item=ServiceItem.objects.get(code=LOW_INCOME),
        county=cast.county,
        offered=False,
    )
    html_a = Client().get(URL.format(cast.village_a.code)).content.decode()
    html_c = Client().get(URL.format(cast.village_c.code)).content.decode()
    assert LOW_INCOME not in _items_in(html_a, "assists")
    assert LOW_INCOME in _items_in(html_c, "assists")


@pytest.mark.parametrize(
    "code",
    [
        "220182102",  # a township
        "220182102200001",  # a group inside the village
        "220182102299",  # no such village
        "22018210220x",
    ],
)
def test_anything_but_a_current_village_is_404(cast, seeded, code):
    assert Client().get(URL.format(code)).status_code == 404


def test_a_merged_away_village_is_404(cast, seeded):
    village = cast.village_b
    village.valid_to = date(2024, 1, 1)
    village.save(update_fields=["valid_to"])
    assert Client().get(URL.format(village.code)).status_code == 404


def test_signed_in_readers_get_their_own_layout(cast, client_as, seeded):
    html = client_as("clerk_a").get(URL.format(cast.village_a.code)).content.decode()
    assert "cs-sidebar" in html
    # The outsider reads another county's public page like anyone else.
    assert client_as("outsider").get(URL.format(cast.village_a.code)).status_code == 200


def test_query_count_is_constant(cast, seeded, django_assert_num_queries):
    # village (+ township, county) · items · materials · adjustments
    with django_assert_num_queries(4):
        assert Client().get(URL.format(cast.village_a.code)).status_code == 200
    with django_assert_num_queries(4):
        assert Client().get(URL.format(cast.village_a.code) + "assists/").status_code == 200
