"""Meetings pages: convene, open, htmx sign-in with the live quorum, decisions, minutes PDF;
outsider 404, villager 403, township reads only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunshe.selfgov.models import Decision, Meeting
from cunshe.selfgov.selectors import meetings as sel
from cunshe.selfgov.services import meetings as svc
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)

HX = {"HTTP_HX_REQUEST": "true"}


def test_convene_page_refuses_short_notice_then_convenes(client_as, cast, clerk_j, hamlet):
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting_new")
    assert client.get(url).status_code == 200
    data = {
        "kind": "villagers",
        "region": cast.village_a.pk,
        "title": "村民会议",
        "requested_by": "villagers",
        "notice_on": "2026-11-11",
        "scheduled_at": "2026-11-20T09:00",
        "place": "村委会",
        "agenda": "修路\n分红",
    }
    r = client.post(url, data)
    assert r.status_code == 400
    assert "第二十一条" in r.content.decode()
    assert not Meeting.objects.within(clerk_j).exists()
    r = client.post(url, {**data, "notice_on": "2026-11-10"})
    assert r.status_code == 302
    meeting = Meeting.objects.within(clerk_j).get()
    assert [i.title for i in sel.agenda_of(meeting)] == ["修路", "分红"]


def test_clerk_runs_a_meeting(client_as, cast, clerk_j, hamlet, convene):
    meeting = convene()
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting", args=[meeting.pk])
    assert client.post(url, {"action": "open", "version": meeting.version}).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-quorum="short"' in page and "已到 0 / 需 6" in page
    r = client.get(reverse("selfgov:meeting_search", args=[meeting.pk]), {"q": "zhao"})
    assert hamlet.heads[0].name in r.content.decode()
    assert hamlet.children[0].name not in r.content.decode()  # a child is no attendee
    signin = reverse("selfgov:meeting_signin", args=[meeting.pk])
    adults = hamlet.heads + hamlet.wives[:1]
    for p in adults[:5]:
        r = client.post(signin, {"person": p.pk}, **HX)
        assert r.status_code == 200
    assert 'data-quorum="short"' in r.content.decode()
    r = client.post(signin, {"person": adults[5].pk}, **HX)
    body = r.content.decode()
    assert 'data-quorum="reached"' in body and "已到 6 / 需 6" in body
    r = client.post(signin, {"person": adults[5].pk}, **HX)
    assert r.status_code == 400 and "已经签到" in r.content.decode()
    item = sel.agenda_of(meeting)[0]
    prefix = f"d{item.pk}"
    r = client.post(
        reverse("selfgov:meeting_decision", args=[item.pk]),
        {
            f"{prefix}-text": "同意修路",
            f"{prefix}-votes_for": 5,
            f"{prefix}-votes_against": 1,
            f"{prefix}-abstentions": 0,
        },
    )
    assert r.status_code == 302
    assert Decision.objects.get(agenda_item=item).passed
    page = client.get(url).content.decode()
    assert 'data-decision="passed"' in page
    meeting.refresh_from_db()
    r = client.post(url, {"action": "close", "version": meeting.version, "minutes_text": "散会"})
    assert r.status_code == 302
    r = client.get(reverse("selfgov:meeting_minutes", args=[meeting.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_decision_page_refused_without_quorum(client_as, cast, clerk_j, hamlet, convene):
    meeting = svc.meeting_open(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=convene())
    item = sel.agenda_of(meeting)[0]
    prefix = f"d{item.pk}"
    r = client_as("clerk_a").post(
        reverse("selfgov:meeting_decision", args=[item.pk]),
        {
            f"{prefix}-text": "同意",
            f"{prefix}-votes_for": 0,
            f"{prefix}-votes_against": 0,
            f"{prefix}-abstentions": 0,
        },
    )
    assert r.status_code == 400
    assert "会议未达到法定人数，不能作出决定" in r.content.decode()
    assert not Decision.objects.exists()


def test_stale_open_is_refused(client_as, convene):
    meeting = convene()
    r = client_as("clerk_a").post(
        reverse("selfgov:meeting", args=[meeting.pk]), {"action": "open", "version": 99}
    )
    assert r.status_code == 400 and "已被他人修改" in r.content.decode()


def test_access(client_as, convene, hamlet):
    meeting = convene()
    detail = reverse("selfgov:meeting", args=[meeting.pk])
    assert client_as("outsider").get(detail).status_code == 404
    assert (
        client_as("outsider").get(reverse("selfgov:meeting_minutes", args=[meeting.pk])).status_code
        == 404
    )
    assert client_as("villager").get(detail).status_code == 403
    assert client_as("villager").get(reverse("selfgov:meetings")).status_code == 403
    township = client_as("township_officer")
    assert township.get(detail).status_code == 200
    assert township.post(detail, {"action": "open", "version": 1}).status_code == 403
    assert (
        township.post(
            reverse("selfgov:meeting_signin", args=[meeting.pk]), {"person": hamlet.heads[0].pk}
        ).status_code
        == 403
    )
    assert township.get(reverse("selfgov:meeting_new")).status_code == 403


@pytest.mark.parametrize("n", [1, 6])
def test_list_query_count_is_constant(client_as, convene, django_assert_num_queries, n):
    for i in range(n):
        convene(title=f"会议{i}")
    client = client_as("clerk_a")
    client.get(reverse("selfgov:meetings"))
    with django_assert_num_queries(QUERIES_LIST):
        r = client.get(reverse("selfgov:meetings"))
    assert r.status_code == 200 and r.content.decode().count("data-meeting=") == n


QUERIES_LIST = 8  # session, user, roles, nav … and one list query, whatever the count


@pytest.mark.parametrize("n", [6, 11])
def test_detail_query_count_does_not_grow_with_attendance(
    client_as, cast, clerk_j, hamlet, convene, django_assert_num_queries, n
):
    meeting = svc.meeting_open(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=convene())
    for p in [*hamlet.heads, *hamlet.wives[:5]][:n]:
        svc.attendee_sign_in(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, person=p)
    item = sel.agenda_of(meeting)[0]
    svc.decision_record(
        actor=cast.clerk_a, jurisdiction=clerk_j, item=item, text="同意", votes_for=n
    )
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting", args=[meeting.pk])
    client.get(url)
    with django_assert_num_queries(QUERIES_DETAIL):
        r = client.get(url)
    assert r.content.decode().count("data-attendee=") == n


QUERIES_DETAIL = 13  # session and roles, meeting, counts, attendance, agenda, votes, attachments …
