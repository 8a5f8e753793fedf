"""/api/v1/selfgov/polls/: create, open, vote (online, hall, proxy), close, results."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.selfgov.models import PollParticipation
from cunshe.selfgov.tests.polls_fixtures import *  # noqa: F403 (fixtures)
from cunshe.selfgov.tests.polls_fixtures import expire

P = "/api/v1/selfgov/polls/"


def _post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def test_poll_flow_over_the_api(client_as, cast, hamlet, villager_person):
    clerk = client_as("clerk_a")
    now = timezone.now()
    payload = {
        "region_code": cast.village_a.code,
        "question": "村里的健身器材放在哪里？",
        "options": ["文化广场", "村委会院内"],
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }
    r = _post(clerk, P, {**payload, "options": ["甲", "甲"]})
    assert r.status_code == 400 and "重复" in str(r.json())
    r = _post(clerk, P, payload)
    assert r.status_code == 201, r.content
    poll = r.json()
    pid, opts = poll["id"], [o["id"] for o in poll["options"]]
    assert _post(clerk, f"{P}{pid}/open", {"expected_version": 99}).status_code == 409
    r = _post(clerk, f"{P}{pid}/open", {"expected_version": poll["version"]})
    assert r.status_code == 200 and r.json()["eligible_persons"] == 11
    villager = client_as("villager")
    r = _post(villager, f"{P}{pid}/votes", {"option_id": opts[0]})
    assert r.status_code == 201 and r.json()["person_id"] == villager_person.pk
    r = _post(villager, f"{P}{pid}/votes", {"option_id": opts[1]})
    assert r.status_code == 400 and "已经投过票" in str(r.json())
    # A villager cannot record for others.
    r = _post(villager, f"{P}{pid}/votes", {"option_id": opts[0], "origin": "hall",
                                            "person_id": hamlet.heads[1].pk})  # fmt: skip
    assert r.status_code in (403, 404)
    r = _post(clerk, f"{P}{pid}/votes", {"option_id": opts[1], "origin": "hall",
                                         "person_id": hamlet.heads[1].pk})  # fmt: skip
    assert r.status_code == 201
    r = _post(clerk, f"{P}{pid}/votes", {"option_id": opts[1], "origin": "proxy",
              "person_id": hamlet.wives[1].pk, "proxy_holder_id": hamlet.heads[1].pk})  # fmt: skip
    assert r.status_code == 201 and PollParticipation.objects.filter(origin="proxy").count() == 1
    assert villager.get(f"{P}{pid}/results").status_code == 409
    from cunshe.selfgov.models import Poll

    expire(Poll._base_manager.get(pk=pid))
    r = _post(clerk, f"{P}{pid}/close", {})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    res = villager.get(f"{P}{pid}/results").json()
    assert [c["votes"] for c in res["counts"]] == [1, 2] and res["votes_cast"] == 3
    assert res["eligible"] == 11 and res["turnout_percent"] == 27
    assert clerk.get(P).json()["items"][0]["id"] == pid


def test_refusals(client_as, cast, poll_maker):
    poll = poll_maker()
    assert client_as("outsider").get(f"{P}{poll.pk}").status_code == 404
    assert client_as("outsider").get(f"{P}{poll.pk}/results").status_code == 404
    r = _post(client_as("township_officer"), f"{P}{poll.pk}/close", {})
    assert r.status_code == 403
    assert client_as("township_officer").get(f"{P}{poll.pk}").status_code == 200
