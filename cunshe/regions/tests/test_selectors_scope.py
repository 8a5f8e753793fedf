"""Scoped reads: children with counts, search, breadcrumb, and 404 outside the subtree."""

from __future__ import annotations

import pytest
from django.http import Http404

from cunshe.regions import selectors
from cunshe.regions.models import Region


@pytest.fixture
def tree(cast, run_import):  # type: ignore[no-untyped-def]
    run_import()
    return cast


def _j(cast, name):  # type: ignore[no-untyped-def]
    return cast.users[name].assignments.get().jurisdiction()


def test_children_come_with_child_counts_in_one_query(tree, django_assert_num_queries):
    j = _j(tree, "province_official")
    province = Region.objects.get(code="22")
    with django_assert_num_queries(1):
        children = list(selectors.region_children(j, province))
    assert len(children) == 9
    changchun = next(c for c in children if c.code == "2201")
    assert changchun.child_count == Region.objects.filter(parent=changchun).count() > 5


def test_child_rows_carry_village_counts_that_add_up(tree, django_assert_num_queries):
    j = _j(tree, "province_official")
    province = Region.objects.get(code="22")
    with django_assert_num_queries(2):
        rows = selectors.region_child_rows(j, province)
    assert sum(r.village_count for r in rows) == 11860


def test_township_children_have_no_village_count(tree):
    j = _j(tree, "township_officer")
    rows = selectors.region_child_rows(j, tree.township)
    assert rows and all(r.village_count is None for r in rows)
    village_a = next(r for r in rows if r.region.code == "220182102200")
    assert village_a.child_count == 1  # the cast's group 一组


def test_search_by_initials_name_and_code_stays_inside_the_jurisdiction(tree):
    county = _j(tree, "county_civil")
    assert "220182102200" in [r.code for r in selectors.region_search(county, "mjcwh")]
    assert "220182102200" in [r.code for r in selectors.region_search(county, "minjia")]
    assert "220182102200" in [r.code for r in selectors.region_search(county, "闵家村")]
    assert next(r.code for r in selectors.region_search(county, "220182102")) == "220182102"
    outsider = _j(tree, "outsider")
    assert selectors.region_search(outsider, "mjcwh") == []
    assert selectors.region_search(outsider, "2201") == []
    found = selectors.region_search(_j(tree, "province_official"), "gjz")
    assert all(r.code.startswith("22") for r in found) and found


def test_breadcrumb_starts_at_the_users_root(tree):
    group = Region.objects.get(code="220182102200001")
    township = selectors.region_breadcrumb(_j(tree, "township_officer"), group)
    assert [r.code for r in township] == ["220182102", "220182102200", "220182102200001"]
    province = selectors.region_breadcrumb(_j(tree, "province_official"), group)
    assert next(r.code for r in province) == "22" and len(province) == 6


def test_get_region_for_is_404_outside_and_for_nonsense(tree):
    clerk = _j(tree, "clerk_a")
    assert selectors.get_region_for(clerk, "220182102200").name == "闵家村委会"
    for code in ("220182102201", "220182102", "22", "abc", "220322103200"):
        with pytest.raises(Http404):
            selectors.get_region_for(clerk, code)
    with pytest.raises(Http404):
        selectors.get_region_for(None, "22")
