"""/api/v1/regions/: scoped exactly like the pages; anonymous 401, outside 404."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def tree(cast, run_import):  # type: ignore[no-untyped-def]
    run_import()
    return cast


def test_tree_returns_the_callers_root_with_counts(tree, client_as):
    response = client_as("county_civil").get("/api/v1/regions/tree")
    assert response.status_code == 200
    [root] = response.json()
    assert root["code"] == "220182" and root["name"] == "榆树市"
    assert root["parent_code"] == "2201"
    assert root["child_count"] > 20
    assert root["village_count"] > 300


def test_clerk_tree_is_their_village(tree, client_as):
    [root] = client_as("clerk_a").get("/api/v1/regions/tree").json()
    assert (root["code"], root["kind"], root["child_count"]) == ("220182102200", "village", 1)
    assert root["village_count"] is None
    assert root["initials"] == "mjcwh"


def test_node_inside_and_outside(tree, client_as):
    township = client_as("township_officer")
    assert township.get("/api/v1/regions/220182102200").json()["name"] == "闵家村委会"
    assert township.get("/api/v1/regions/220182").status_code == 404
    assert township.get("/api/v1/regions/220322103200").status_code == 404
    assert township.get("/api/v1/regions/nonsense").status_code == 404


def test_children_are_paginated_with_counts(tree, client_as):
    client = client_as("province_official")
    page = client.get("/api/v1/regions/22/children", {"page_size": 4}).json()
    assert page["count"] == 9 and page["page"] == 1 and page["pages"] == 3
    assert [i["code"] for i in page["items"]] == ["2201", "2202", "2203", "2204"]
    assert all(i["village_count"] > 0 and i["child_count"] > 0 for i in page["items"])
    last = client.get("/api/v1/regions/22/children", {"page_size": 4, "page": 3}).json()
    assert [i["code"] for i in last["items"]] == ["2224"]


def test_township_children_have_no_village_count(tree, client_as):
    page = client_as("township_officer").get("/api/v1/regions/220182102/children").json()
    assert page["count"] > 10
    assert all(i["village_count"] is None for i in page["items"])


def test_children_query_count_is_constant(tree, client_as, django_assert_num_queries):
    client = client_as("province_official")
    client.get("/api/v1/regions/22/children")
    # 7 for the request (session, user, OTP device, assignments, session save), then the
    # node, the count, the page of children with their child counts, the grouped village counts.
    with django_assert_num_queries(11):
        assert client.get("/api/v1/regions/22/children").status_code == 200
    with django_assert_num_queries(11):
        assert client.get("/api/v1/regions/2201/children").status_code == 200


def test_search_by_initials_is_scoped(tree, client_as):
    found = client_as("county_civil").get("/api/v1/regions/search", {"q": "mjcwh"}).json()
    assert "220182102200" in [r["code"] for r in found]
    assert all(r["initials"].startswith("mjcwh") for r in found)
    assert client_as("outsider").get("/api/v1/regions/search", {"q": "mjcwh"}).json() == []
    assert client_as("outsider").get("/api/v1/regions/search", {"q": "2201"}).json() == []


def test_search_needs_a_query(tree, client_as):
    assert client_as("clerk_a").get("/api/v1/regions/search").status_code in (400, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/regions/220182102200",
        "/api/v1/regions/220182102200/children",
        "/api/v1/regions/22",
        "/api/v1/regions/22/children",
    ],
)
def test_outsider_gets_404(tree, client_as, path):
    assert client_as("outsider").get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/regions/tree",
        "/api/v1/regions/22",
        "/api/v1/regions/22/children",
        "/api/v1/regions/search?q=mj",
    ],
)
def test_anonymous_gets_401(tree, path):
    assert Client().get(path).status_code == 401
