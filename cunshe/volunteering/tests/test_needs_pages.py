"""Needs pages: the desk (list, post, detail with explanations, propose, confirm, close), the
batch page, the care need button, the volunteer's invitations on the phone; 403 / 404."""

from __future__ import annotations

from django.urls import reverse

from cunshe.care.models import CareNeed
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.volunteering.models import Match, Need
from cunshe.volunteering.services import needs as svc
from cunshe.volunteering.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.needs_fixtures import tomorrow_at


def test_list_page_roles_and_query_count(cast, client_as, need_maker, django_assert_num_queries):
    for i in range(3):
        need_maker(title=f"需求{i}")
    clerk = client_as("clerk_a")
    url = reverse("volunteering:needs")
    clerk.get(url)  # warm the session
    with django_assert_num_queries(8):
        page = clerk.get(url)
    assert page.status_code == 200 and page.content.decode().count("data-need=") == 3
    assert client_as("villager").get(url).status_code == 403
    assert client_as("leader_a").get(url).status_code == 200
    outsider = client_as("outsider").get(url)
    assert outsider.status_code == 200 and "data-need=" not in outsider.content.decode()


def test_post_need_page(cast, client_as):
    clerk = client_as("clerk_a")
    url = reverse("volunteering:need_new")
    data = {
        "title": "帮忙收玉米",
        "category": "agriculture",
        "skills": ["farming"],
        "region": cast.village_a.code,
        "starts_at": tomorrow_at(8).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": tomorrow_at(7).strftime("%Y-%m-%dT%H:%M"),
        "volunteers_needed": 3,
    }
    bad = clerk.post(url, data)
    assert bad.status_code == 400 and "结束时间须晚于开始时间" in bad.content.decode()
    assert Need.objects.within(jurisdiction_of(cast.clerk_a)).count() == 0
    ok = clerk.post(url, {**data, "ends_at": tomorrow_at(12).strftime("%Y-%m-%dT%H:%M")})
    assert ok.status_code == 302
    assert client_as("leader_a").get(url).status_code == 403


def test_detail_shows_explanations_and_confirm_works(cast, client_as, need_maker, volunteer):
    need = need_maker()
    v = volunteer("王桂兰", skills=["housework"], shifts_attended=8, shifts_signed=9)
    clerk = client_as("clerk_a")
    r = clerk.post(reverse("volunteering:need_propose", args=[need.pk]))
    assert r.status_code == 302
    page = clerk.get(reverse("volunteering:need", args=[need.pk])).content.decode()
    assert "技能 1/1：家政保洁" in page and "出勤 8/9" in page and "data-confirm" in page
    assert "王*兰" in page or "王桂兰" in page
    m = Match.objects.within(jurisdiction_of(cast.clerk_a)).get(need=need)
    assert (
        client_as("leader_a").post(reverse("volunteering:match_confirm", args=[m.pk])).status_code
        == 403
    )
    assert (
        client_as("outsider").post(reverse("volunteering:match_confirm", args=[m.pk])).status_code
        == 404
    )
    assert (
        client_as("outsider").get(reverse("volunteering:need", args=[need.pk])).status_code == 404
    )
    clerk.post(reverse("volunteering:match_confirm", args=[m.pk]))
    m.refresh_from_db()
    assert m.status == "confirmed" and m.volunteer_id == v.pk
    r = clerk.post(
        reverse("volunteering:need_close", args=[need.pk]),
        {"close-text": "", "close-version": need.version},
    )
    need.refresh_from_db()
    assert need.status == "open"


def test_volunteer_accepts_on_the_phone(cast, client_as, need_maker, volunteer):
    clerk_j = jurisdiction_of(cast.clerk_a)
    need = need_maker()
    volunteer("王桂兰", skills=["housework"], account=cast.villager)
    (m,) = svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=m)
    phone = client_as("villager")
    url = reverse("volunteering:my_matches")
    page = phone.get(url).content.decode()
    assert f'data-invitation="{m.pk}"' in page
    bad = phone.post(url, {"match": m.pk, "answer": "decline", "reason": ""})
    assert bad.status_code == 400
    phone.post(url, {"match": m.pk, "answer": "accept"})
    m.refresh_from_db()
    need.refresh_from_db()
    assert m.status == "accepted" and need.status == "matched"
    assert client_as("clerk_a").get(url).status_code == 403


def test_care_need_button_converts_and_links_back(cast, client_as, care_needs):
    clerk = client_as("clerk_a")
    care = care_needs["elder"]
    r = clerk.post(reverse("volunteering:need_from_care", args=[care.pk]))
    assert r.status_code == 302
    care = CareNeed.objects.within(jurisdiction_of(cast.clerk_a)).get(pk=care.pk)
    assert r["Location"] == reverse("volunteering:need", args=[care.volunteer_need_id])
    page = clerk.get(reverse("care:need_detail", args=[care.pk])).content.decode()
    assert (
        f'data-volunteer-need="{care.volunteer_need_id}"' in page
        and 'data-volunteer-status="open"' in page
    )
    assert (
        client_as("leader_a")
        .post(reverse("volunteering:need_from_care", args=[care.pk]))
        .status_code
        == 403
    )
    assert (
        client_as("outsider")
        .post(reverse("volunteering:need_from_care", args=[care.pk]))
        .status_code
        == 404
    )


def test_batch_page(cast, client_as, need_maker, volunteer):
    need_maker()
    volunteer("王桂兰", skills=["housework"])
    clerk = client_as("clerk_a")
    url = reverse("volunteering:matching_batch")
    today = tomorrow_at(0).date()
    r = clerk.post(
        url, {"since": today.isoformat(), "until": today.replace(day=today.day).isoformat()}
    )
    assert r.status_code == 400
    from datetime import timedelta

    r = clerk.post(
        url,
        {
            "since": (today - timedelta(days=1)).isoformat(),
            "until": (today + timedelta(days=2)).isoformat(),
        },
    )
    assert r.status_code == 302
    page = clerk.get(r["Location"]).content.decode()
    assert "data-batch-row" in page and "技能 1/1" in page
    assert client_as("leader_a").get(url).status_code == 403


def test_batch_page_query_count_does_not_grow_with_rows(
    cast, client_as, need_maker, volunteer, django_assert_num_queries
):
    from datetime import timedelta

    from cunshe.volunteering.services import matching as batch_svc

    clerk = client_as("clerk_a")
    j = jurisdiction_of(cast.clerk_a)
    url = reverse("volunteering:matching_batch")
    since = tomorrow_at(0)
    counts = []
    for round_ in range(2):
        for i in range(1 + 3 * round_):
            need_maker(title=f"需求{round_}-{i}", starts_at=tomorrow_at(8 + 2 * i))
            volunteer(f"志愿者{round_}-{i}", skills=["housework"])
        res = batch_svc.batch_run(
            actor=cast.clerk_a, jurisdiction=j, since=since, until=since + timedelta(days=2)
        )
        clerk.get(f"{url}?batch={res.batch}")  # warm the session
        with django_assert_num_queries(8) as ctx:
            page = clerk.get(f"{url}?batch={res.batch}")
        rows = page.content.decode().count("data-batch-row")
        assert page.status_code == 200 and rows == res.proposed
        counts.append((rows, len(ctx.captured_queries)))
    assert counts[0][0] < counts[1][0] and counts[0][1] == counts[1][1]
