"""Bodies pages: list and create, one body with warnings, add a member found by pinyin, the
Art. 32 refusal shown on the form, end a membership; outsider 404, villager 403."""

from __future__ import annotations

from django.urls import reverse

from cunshe.selfgov.models import Body, Membership
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)


def test_list_and_create(client_as, cast, clerk_j, bodies):
    client = client_as("clerk_a")
    page = client.get(reverse("selfgov:bodies")).content.decode()
    assert "闵家村村民委员会" in page and page.count("data-body=") == 3
    r = client.post(
        reverse("selfgov:bodies"),
        {
            "region": cast.village_a.pk,
            "kind": "supervision",
            "name": "村务监督委员会",
            "term_start": "2021-06-01",
        },
    )
    assert r.status_code == 302
    assert Body.objects.within(clerk_j).filter(kind="supervision").exists()
    r = client.post(
        reverse("selfgov:bodies"), {"region": cast.village_a.pk, "kind": "group", "name": "x"}
    )
    assert r.status_code == 400


def test_body_page_warnings_search_add_and_refusal(client_as, cast, clerk_j, bodies, hamlet):
    client = client_as("clerk_a")
    url = reverse("selfgov:body", args=[bodies.assembly.pk])
    page = client.get(url).content.decode()
    assert 'data-warning="assembly_women"' in page
    client.post(
        reverse("selfgov:bodies"),
        {
            "region": cast.village_a.pk,
            "kind": "supervision",
            "name": "监委会",
            "term_start": "2021-06-01",
        },
    )
    sup = Body.objects.within(clerk_j).get(kind="supervision")
    sup_url = reverse("selfgov:body", args=[sup.pk])
    page = client.get(sup_url, {"q": "wangzhao"}).content.decode()
    assert f'data-candidate="{hamlet.wives[0].pk}"' in page  # 王赵1 by pinyin
    r = client.post(
        sup_url,
        {
            "action": "add",
            "person": hamlet.wives[0].pk,
            "position": "member",
            "start": "2022-01-01",
        },
    )
    assert r.status_code == 400
    assert "村务监督委员会成员不得由村民委员会成员及其近亲属担任" in r.content.decode()
    assert not Membership.objects.within(clerk_j).filter(body=sup).exists()
    r = client.post(
        sup_url,
        {
            "action": "add",
            "person": hamlet.heads[5].pk,
            "position": "member",
            "start": "2022-01-01",
        },
    )
    assert r.status_code == 302
    m = Membership.objects.within(clerk_j).get(body=sup)
    r = client.post(sup_url, {"action": "end", "membership": m.pk, "end": "2023-01-01"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert str(m.end) == "2023-01-01"


def test_body_access(client_as, bodies, hamlet):
    url = reverse("selfgov:body", args=[bodies.committee.pk])
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("villager").get(url).status_code == 403
    assert client_as("villager").get(reverse("selfgov:bodies")).status_code == 403
    township = client_as("township_officer")
    assert township.get(url).status_code == 200
    r = township.post(
        url,
        {
            "action": "add",
            "person": hamlet.heads[5].pk,
            "position": "member",
            "start": "2022-01-01",
        },
    )
    assert r.status_code == 403
