"""Polls pages: staff create/open/record/close; the villager votes once and sees results only
after close; outsiders get 404, roles without the permission 403."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunshe.selfgov.models import Poll, PollParticipation
from cunshe.selfgov.selectors import polls as sel
from cunshe.selfgov.tests.polls_fixtures import *  # noqa: F403 (fixtures)
from cunshe.selfgov.tests.polls_fixtures import expire


def test_clerk_creates_opens_records_and_closes(client_as, cast, hamlet):
    client = client_as("clerk_a")
    assert client.get("/gov/polls/new/").status_code == 200
    now = timezone.localtime()
    data = {
        "region": cast.village_a.pk,
        "question": "是否同意调整垃圾清运时间？",
        "options": "同意\n不同意",
        "opens_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "secret": "on",
    }
    r = client.post("/gov/polls/new/", {**data, "options": "只有一个"})
    assert r.status_code == 400 and "2到10" in r.content.decode()
    r = client.post("/gov/polls/new/", data)
    assert r.status_code == 302
    poll = Poll._base_manager.get()
    r = client.post(f"/gov/polls/{poll.pk}/", {"action": "open", "version": poll.version})
    assert r.status_code == 302
    option = sel.options_of(poll)[0]
    r = client.post(f"/gov/polls/{poll.pk}/", {"action": "record", "origin": "hall",
                    "person": hamlet.heads[2].pk, "option": option.pk})  # fmt: skip
    assert r.status_code == 302
    r = client.post(f"/gov/polls/{poll.pk}/", {"action": "record", "origin": "hall",
                    "person": hamlet.heads[2].pk, "option": option.pk})  # fmt: skip
    assert r.status_code == 400  # the voter is no longer offered
    poll.refresh_from_db()
    r = client.post(f"/gov/polls/{poll.pk}/", {"action": "close", "version": poll.version})
    assert r.status_code == 400 and "不能提前结束" in r.content.decode()
    expire(poll)
    r = client.post(f"/gov/polls/{poll.pk}/", {"action": "close", "version": poll.version})
    assert r.status_code == 302
    page = client.get(f"/gov/polls/{poll.pk}/").content.decode()
    assert "投票结果" in page and hamlet.heads[2].name in page
    assert client.get("/gov/polls/").status_code == 200


def test_villager_votes_once_and_sees_results_after_close(client_as, cast, poll_maker,
                                                          villager_person):  # fmt: skip
    poll = poll_maker()
    client = client_as("villager")
    assert poll.question in client.get("/gov/my/polls/").content.decode()
    page = client.get(f"/gov/my/polls/{poll.pk}/").content.decode()
    assert "确认投票" in page and "投票结果" not in page
    option = sel.options_of(poll)[1]
    assert client.post(f"/gov/my/polls/{poll.pk}/", {"option": option.pk}).status_code == 302
    r = client.post(f"/gov/my/polls/{poll.pk}/", {"option": option.pk})
    assert r.status_code == 400 and "已经投过票" in r.content.decode()
    assert PollParticipation.objects.count() == 1
    page = client.get(f"/gov/my/polls/{poll.pk}/").content.decode()
    assert "您已投票" in page and "投票结果" not in page
    poll = expire(poll)
    from cunshe.residents.tests.conftest import jurisdiction_of
    from cunshe.selfgov.services import polls as svc

    svc.poll_close(actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), poll=poll)
    page = client.get(f"/gov/my/polls/{poll.pk}/").content.decode()
    assert "投票结果" in page and "参与率 9%" in page


def test_refusals_and_query_counts(client_as, cast, poll_maker, django_assert_max_num_queries):
    poll = poll_maker()
    assert client_as("outsider").get(f"/gov/polls/{poll.pk}/").status_code == 404
    assert client_as("outsider").get(f"/gov/my/polls/{poll.pk}/").status_code == 404
    assert client_as("villager").get(f"/gov/polls/{poll.pk}/").status_code == 403
    r = client_as("township_officer").post(f"/gov/polls/{poll.pk}/", {"action": "open"})
    assert r.status_code == 403
    assert client_as("clerk_a").get(f"/gov/my/polls/{poll.pk}/").status_code == 403
    client = client_as("clerk_a")
    for _i in range(3):
        poll_maker(open=False)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/gov/polls/").status_code == 200
    n = len(ctx.captured_queries)
    poll_maker(open=False)
    with CaptureQueriesContext(connection) as ctx2:
        client.get("/gov/polls/")
    assert len(ctx2.captured_queries) == n  # no query per row
