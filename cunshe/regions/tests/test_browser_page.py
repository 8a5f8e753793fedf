"""The region browser page, walked as each member of the cast."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunshe.regions.models import Level, Region


@pytest.fixture
def tree(cast, run_import):  # type: ignore[no-untyped-def]
    run_import()
    return cast


def test_urls_are_named_in_the_regions_namespace():
    assert reverse("regions:browse") == "/regions/"
    assert reverse("regions:node", args=["22"]) == "/regions/22/"


def test_anonymous_is_sent_to_login(db):
    for url in ("/regions/", "/regions/22/"):
        response = pytest.importorskip("django.test").Client().get(url)
        assert response.status_code == 302
        assert "/accounts/" in response["Location"]


def test_province_official_sees_prefectures_with_counts(tree, client_as):
    response = client_as("province_official").get("/regions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "吉林省" in html and "长春市" in html and "延边朝鲜族自治州" in html
    assert "下辖 11860 个村/居委会" in html
    assert response.context["rows"][0].village_count is not None


def test_clerk_root_is_their_village_with_its_groups_and_form(tree, client_as):
    response = client_as("clerk_a").get("/regions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "闵家村委会" in html and "一组" in html
    assert 'action="/regions/220182102200/groups/"' in html
    # No breadcrumb above the clerk's own root.
    assert [r.code for r in response.context["breadcrumb"]] == ["220182102200"]


def test_township_officer_drills_into_a_village_without_the_add_form(tree, client_as):
    client = client_as("township_officer")
    response = client.get("/regions/220182102/")
    assert response.status_code == 200
    assert "古城村委会" in response.content.decode()
    village = client.get("/regions/220182102200/")
    assert village.status_code == 200
    assert village.context["group_form"] is None
    assert [r.code for r in village.context["breadcrumb"]] == ["220182102", "220182102200"]


@pytest.mark.parametrize("code", ["220182102200", "220182102", "22", "2201", "220182102200001"])
def test_outsider_gets_404_outside_their_village(tree, client_as, code):
    assert client_as("outsider").get(f"/regions/{code}/").status_code == 404


def test_outsider_cannot_post_a_group_into_another_village(tree, client_as):
    response = client_as("outsider").post(
        "/regions/220182102200/groups/", {"name": "二组", "kind": "group"}
    )
    assert response.status_code == 404
    assert not Region.objects.filter(code="220182102200002").exists()


def test_clerk_adds_a_group_and_sees_its_code(tree, client_as):
    client = client_as("clerk_a")
    response = client.post(
        "/regions/220182102200/groups/", {"name": "王家屯", "kind": "hamlet"}, follow=True
    )
    assert response.status_code == 200
    assert "220182102200002" in response.content.decode()
    assert Region.objects.get(code="220182102200002").name == "王家屯"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "group"}, "请填写名称。"),
        ({"name": "一组", "kind": "group"}, "本村已有名为“一组”的村民小组或自然屯。"),
        ({"name": "二组", "kind": "village"}, "类别必须是村民小组或自然屯。"),
        ({"name": "组" * 51, "kind": "group"}, "名称不能超过 50 个字。"),
    ],
)
def test_bad_group_input_gets_a_clear_chinese_message(tree, client_as, data, message):
    response = client_as("clerk_a").post("/regions/220182102200/groups/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Region.objects.filter(level=Level.GROUP).count() == 1


def test_township_officer_post_is_refused_with_403(tree, client_as):
    response = client_as("township_officer").post(
        "/regions/220182102200/groups/", {"name": "二组", "kind": "group"}
    )
    assert response.status_code == 403


def test_clerk_renames_and_retires_a_group(tree, client_as):
    client = client_as("leader_a")
    client.post("/regions/220182102200001/rename/", {"name": "第一组"})
    assert Region.objects.get(code="220182102200001").name == "第一组"
    response = client.post("/regions/220182102200001/retire/")
    assert response.status_code == 302
    assert Region.objects.get(code="220182102200001").valid_to is not None
    # A retired group no longer shows among the village's children.
    page = client.get("/regions/220182102200/")
    assert "220182102200001" not in [row.region.code for row in page.context["rows"]]


def test_search_box_finds_by_initials_inside_the_node(tree, client_as):
    response = client_as("county_civil").get("/regions/220182/", {"q": "mj"})
    assert response.status_code == 200
    codes = [r.code for r in response.context["results"]]
    assert "220182102200" in codes and "220182102" in codes
    outsider = client_as("outsider").get("/regions/", {"q": "mj"})
    assert outsider.context["results"] == []


def test_page_has_the_phone_viewport_and_responsive_table(tree, client_as):
    html = client_as("province_official").get("/regions/2201/").content.decode()
    assert 'name="viewport"' in html
    assert "table-responsive" in html


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("province_official", "/regions/"),
        ("province_official", "/regions/2201/"),
        ("county_civil", "/regions/220182/"),
        ("township_officer", "/regions/220182102/"),
        ("clerk_a", "/regions/220182102200/"),
    ],
)
def test_page_query_count_is_constant(tree, client_as, django_assert_num_queries, who, path):
    client = client_as(who)
    client.get(path)  # warm per-process caches
    with django_assert_num_queries(QUERIES[path]):
        response = client.get(path)
    assert response.status_code == 200


# 7 for the request itself (session read, user, OTP device, assignments; session save in a
# savepoint), then: the node, the breadcrumb, the children with their child counts, and (above
# township level) the villages below each child, grouped in one query.
QUERIES = {
    "/regions/": 11,
    "/regions/2201/": 11,
    "/regions/220182/": 11,
    "/regions/220182102/": 10,
    "/regions/220182102200/": 10,
}
