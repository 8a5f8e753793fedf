"""/api/v1/volunteering/activities/: lists and details, sign-up/withdraw, check-in/out by token,
hours confirm → approve, reject, correction; refusals 400, outsider 404, no permission 403."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.volunteering.models import HoursEntry, Signup
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import move_shift, reload

P = "/api/v1/volunteering/activities/"


def _post(client, url, data=None):  # type: ignore[no-untyped-def]
    return client.post(url, data or {}, content_type="application/json")


def test_villager_flow_over_the_api(client_as, cast, me, activity_maker):
    activity = activity_maker(title="环境整治", capacity=1)
    shift = activity.first_shift
    villager = client_as("villager")
    items = villager.get(P).json()["items"]
    assert [a["title"] for a in items] == ["环境整治"]
    detail = villager.get(f"{P}{activity.pk}").json()
    assert detail["shifts"][0]["capacity"] == 1 and detail["shifts"][0]["taken"] == 0
    r = _post(villager, f"{P}shifts/{shift.pk}/signups")
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = _post(villager, f"{P}shifts/{shift.pk}/signups")
    assert r.status_code == 400 and "已经报名" in str(r.json())
    r = _post(villager, f"{P}checkin/{shift.checkin_token}", {"action": "in"})
    assert r.status_code == 400 and "还没到签到时间" in str(r.json())
    move_shift(shift, -timedelta(minutes=5))
    r = _post(villager, f"{P}checkin/{shift.checkin_token}", {"action": "in"})
    assert r.status_code == 200 and r.json()["checkin_method"] == "qr"
    Signup._base_manager.filter(pk=sid).update(checked_in_at=timezone.now() - timedelta(minutes=50))
    move_shift(shift, -timedelta(minutes=50))
    r = _post(villager, f"{P}checkin/{shift.checkin_token}", {"action": "out"})
    assert r.status_code == 200 and r.json()["status"] == "attended"
    hours = villager.get(f"{P}hours/").json()["items"]
    assert [(h["minutes"], h["raw_minutes"], h["status"]) for h in hours] == [(45, 50, "recorded")]
    hid = hours[0]["id"]
    # The villager cannot confirm or approve.
    assert _post(villager, f"{P}hours/{hid}/confirm").status_code == 403
    clerk, leader = client_as("clerk_a"), client_as("leader_a")
    assert _post(leader, f"{P}hours/{hid}/approve").status_code == 400  # not confirmed yet
    assert _post(clerk, f"{P}hours/{hid}/confirm").json()["status"] == "confirmed"
    assert _post(clerk, f"{P}hours/{hid}/approve").status_code == 403
    assert _post(leader, f"{P}hours/{hid}/approve").json()["status"] == "approved"
    assert reload(me).approved_minutes == 45
    r = _post(clerk, f"{P}hours/{hid}/corrections", {"minutes": -60, "reason": "多记"})
    assert r.status_code == 400 and reload(me).approved_minutes == 45
    r = _post(clerk, f"{P}hours/{hid}/corrections", {"minutes": 15, "reason": "漏记收尾时间"})
    assert r.status_code == 201 and r.json()["corrects_id"] == hid
    # No route edits an entry's minutes.
    assert (
        clerk.put(f"{P}hours/{hid}", {"minutes": 999}, content_type="application/json").status_code
        == 405
    )
    assert (
        clerk.patch(
            f"{P}hours/{hid}", {"minutes": 999}, content_type="application/json"
        ).status_code
        == 405
    )
    assert HoursEntry._base_manager.get(pk=hid).minutes == 45


def test_clerk_signs_up_and_withdraws_and_reject(client_as, cast, vol, activity_maker):
    shift = activity_maker().first_shift
    v = vol("钱七")
    clerk = client_as("clerk_a")
    r = _post(clerk, f"{P}shifts/{shift.pk}/signups", {"volunteer_id": v.pk})
    assert r.status_code == 201
    roster = clerk.get(f"{P}shifts/{shift.pk}").json()["roster"]
    assert [s["volunteer"] for s in roster] == ["钱七"]
    r = _post(clerk, f"{P}signups/{roster[0]['id']}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    from cunshe.volunteering.services import hours as hsvc
    from cunshe.volunteering.tests.activities_fixtures import jof

    e = hsvc.hours_record_manual(
        actor=cast.clerk_a,
        jurisdiction=jof(cast.clerk_a),
        volunteer=v,
        minutes=30,
        service_date=timezone.localdate(),
        reason="补录",
    )
    leader = client_as("leader_a")
    assert _post(leader, f"{P}hours/{e.pk}/reject", {"note": ""}).status_code == 422
    r = _post(leader, f"{P}hours/{e.pk}/reject", {"note": "无此活动"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_outsider_gets_404_everywhere(client_as, cast, vol, activity_maker):
    shift = activity_maker().first_shift
    v = vol()
    from cunshe.volunteering.services import hours as hsvc
    from cunshe.volunteering.tests.activities_fixtures import jof

    e = hsvc.hours_record_manual(
        actor=cast.clerk_a,
        jurisdiction=jof(cast.clerk_a),
        volunteer=v,
        minutes=30,
        service_date=timezone.localdate(),
        reason="补录",
    )
    outsider = client_as("outsider")
    assert outsider.get(P).json()["items"] == []
    assert outsider.get(f"{P}hours/").json()["items"] == []
    for url in (f"{P}{shift.activity_id}", f"{P}shifts/{shift.pk}", f"{P}hours/{e.pk}"):
        assert outsider.get(url).status_code == 404, url
    assert (
        _post(outsider, f"{P}shifts/{shift.pk}/signups", {"volunteer_id": v.pk}).status_code == 404
    )
    assert _post(outsider, f"{P}hours/{e.pk}/confirm").status_code == 404
    assert _post(outsider, f"{P}checkin/{shift.checkin_token}", {"action": "in"}).status_code == 404


def test_api_list_query_count_is_flat(client_as, cast, vol, activity_maker,
                                      django_assert_max_num_queries):  # fmt: skip
    clerk = client_as("clerk_a")
    activity_maker()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        clerk.get(P)
    for _ in range(4):
        activity_maker()
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert len(clerk.get(P).json()["items"]) == 5
