"""Activities, shifts and hours pages: the clerk's flow, the villager's pages and check-in, 403
without the permission, 404 for the outsider, query counts pinned on the lists."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.volunteering.models import Activity, HoursEntry, Project, Shift, Signup
from cunshe.volunteering.services import shifts as ssvc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import move_shift, reload


def test_clerk_creates_project_activity_shift_and_publishes(client_as, cast):
    c = client_as("clerk_a")
    today = timezone.localdate()
    r = c.post(
        "/vol/projects/",
        {"region": cast.village_a.pk, "name": "", "category": "elderly", "starts_on": today},
    )
    assert r.status_code == 400 and Project._base_manager.count() == 0
    r = c.post(
        "/vol/projects/",
        {
            "region": cast.village_a.pk,
            "name": "敬老服务",
            "category": "elderly",
            "starts_on": today,
        },
    )
    assert r.status_code == 302
    project = Project._base_manager.get()
    r = c.post(
        "/vol/activities/new/",
        {"project": project.pk, "title": "义务理发", "place": "村委会", "public": "on"},
    )
    assert r.status_code == 302
    activity = Activity._base_manager.get()
    assert activity.organiser == cast.clerk_a and activity.status == "draft"
    r = c.post(f"/vol/activities/{activity.pk}/", {"action": "publish", "version": 1})
    assert r.status_code == 400 and "班次" in r.content.decode()
    start = timezone.localtime() + timedelta(days=1)
    fmt = "%Y-%m-%dT%H:%M"
    r = c.post(
        f"/vol/activities/{activity.pk}/",
        {
            "action": "shift",
            "starts_at": start.strftime(fmt),
            "ends_at": (start - timedelta(hours=1)).strftime(fmt),
            "capacity": 3,
        },
    )
    assert r.status_code == 400 and "结束时间须晚于" in r.content.decode()
    r = c.post(
        f"/vol/activities/{activity.pk}/",
        {
            "action": "shift",
            "starts_at": start.strftime(fmt),
            "ends_at": (start + timedelta(hours=2)).strftime(fmt),
            "capacity": 3,
            "required_skills": ["haircut"],
        },
    )
    assert r.status_code == 302 and Shift._base_manager.count() == 1
    r = c.post(f"/vol/activities/{activity.pk}/", {"action": "publish", "version": 1})
    assert r.status_code == 302 and reload(activity).status == "open"
    page = c.get(f"/vol/activities/{activity.pk}/").content.decode()
    assert "理发" in page and "0 / 3" in page
    # A stale version is refused.
    r = c.post(f"/vol/activities/{activity.pk}/", {"action": "close", "version": 1})
    assert r.status_code == 400 and "已被他人修改" in r.content.decode()
    shift = Shift._base_manager.get()
    poster = c.get(f"/vol/shifts/{shift.pk}/poster/").content.decode()
    assert f"/vol/checkin/{shift.checkin_token}/" in poster and "data:image/svg+xml" in poster


def test_cancel_needs_a_reason_and_withdraws(client_as, cast, vol, activity_maker, jurisdictions):
    activity = activity_maker()
    v = vol()
    ssvc.signup_create(
        actor=cast.clerk_a,
        jurisdiction=jurisdictions["clerk_a"],
        shift=activity.first_shift,
        volunteer=v,
    )
    c = client_as("clerk_a")
    r = c.post(
        f"/vol/activities/{activity.pk}/",
        {"action": "cancel", "version": activity.version, "reason": ""},
    )
    assert r.status_code == 400 and reload(activity).status == "open"
    r = c.post(
        f"/vol/activities/{activity.pk}/",
        {"action": "cancel", "version": activity.version, "reason": "暴雨预警"},
    )
    assert r.status_code == 302
    assert reload(activity).cancel_reason == "暴雨预警"
    assert Signup._base_manager.get().status == "withdrawn" and reload(v).shifts_signed == 0


def test_roster_clerk_signs_up_signs_in_and_out(client_as, cast, vol, activity_maker):
    shift = activity_maker(capacity=1).first_shift
    v, w = vol("张三"), vol("李四")
    c = client_as("clerk_a")
    assert (
        c.post(f"/vol/shifts/{shift.pk}/", {"action": "signup", "volunteer": v.pk}).status_code
        == 302
    )
    r = c.post(f"/vol/shifts/{shift.pk}/", {"action": "signup", "volunteer": w.pk})
    assert r.status_code == 400 and "已满" in r.content.decode()
    signup = Signup._base_manager.get()
    move_shift(shift, -timedelta(minutes=90), hours=2)
    assert (
        c.post(f"/vol/shifts/{shift.pk}/", {"action": "checkin", "signup": signup.pk}).status_code
        == 302
    )
    r = c.post(f"/vol/shifts/{shift.pk}/", {"action": "checkout", "signup": signup.pk})
    assert r.status_code == 302
    page = c.get(f"/vol/shifts/{shift.pk}/").content.decode()
    assert "张三" in page and "工作人员代签" in page
    assert reload(signup).status == "attended"


def test_hours_pages_bulk_confirm_then_leader_approves(client_as, cast, vol, jurisdictions):
    from cunshe.volunteering.services import hours as hsvc

    v = vol("赵六")
    entries = [
        hsvc.hours_record_manual(
            actor=cast.clerk_a,
            jurisdiction=jurisdictions["clerk_a"],
            volunteer=v,
            minutes=60,
            service_date=timezone.localdate(),
            reason="补录",
        )
        for _ in range(2)
    ]
    c = client_as("clerk_a")
    assert "赵六" in c.get("/vol/hours/?status=recorded").content.decode()
    r = c.post(
        "/vol/hours/?status=recorded", {"action": "confirm", "entry": [e.pk for e in entries]}
    )
    assert r.status_code == 302
    leader = client_as("leader_a")
    r = leader.post(
        "/vol/hours/?status=confirmed", {"action": "approve", "entry": [e.pk for e in entries]}
    )
    assert r.status_code == 302 and reload(v).approved_minutes == 120
    # The clerk cannot approve (no volunteering.approve): 403.
    assert c.post("/vol/hours/", {"action": "approve", "entry": [entries[0].pk]}).status_code == 403
    # A correction from the entry page.
    r = c.post(
        f"/vol/hours/{entries[0].pk}/",
        {"action": "correct", "minutes": -30, "reason": "多记了半小时"},
    )
    assert r.status_code == 302
    assert HoursEntry._base_manager.filter(kind="correction", minutes=-30).exists()
    r = c.post(
        f"/vol/hours/{entries[0].pk}/", {"action": "correct", "minutes": -999, "reason": "x"}
    )
    assert r.status_code == 400 and reload(entries[0]).minutes == 60


def test_villager_signs_up_checks_in_and_out_on_the_phone_pages(
    client_as, cast, me, activity_maker
):
    activity = activity_maker(title="清扫村道")
    shift = activity.first_shift
    c = client_as("villager")
    page = c.get("/vol/me/activities/").content.decode()
    assert "清扫村道" in page and "已报名 0 / 3" in page
    assert c.post("/vol/me/activities/", {"shift": shift.pk}).status_code == 302
    r = c.post("/vol/me/activities/", {"shift": shift.pk})
    assert r.status_code == 400 and "已经报名" in r.content.decode()
    page = c.get("/vol/me/shifts/").content.decode()
    assert f"/vol/checkin/{shift.checkin_token}/" in page
    url = f"/vol/checkin/{shift.checkin_token}/"
    r = c.post(url, {"action": "in"})
    assert r.status_code == 400 and "还没到签到时间" in r.content.decode()
    move_shift(shift, -timedelta(minutes=1))
    assert c.post(url, {"action": "in"}).status_code == 302
    Signup._base_manager.filter(shift=shift).update(
        checked_in_at=timezone.now() - timedelta(minutes=61)
    )
    move_shift(shift, -timedelta(minutes=61))
    assert c.post(url, {"action": "out"}).status_code == 302
    page = c.get(url).content.decode()
    assert "服务时长 60 分钟" in page
    assert "60" in c.get("/vol/me/shifts/").content.decode()


def test_permissions_403_inside_and_404_outside(
    client_as, cast, vol, activity_maker, jurisdictions
):
    shift = activity_maker().first_shift
    activity = shift.activity
    v = vol()
    signup = ssvc.signup_create(
        actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], shift=shift, volunteer=v
    )
    from cunshe.volunteering.services import hours as hsvc

    entry = hsvc.hours_record_manual(
        actor=cast.clerk_a,
        jurisdiction=jurisdictions["clerk_a"],
        volunteer=v,
        minutes=60,
        service_date=timezone.localdate(),
        reason="补录",
    )
    outsider = client_as("outsider")
    for url in (
        f"/vol/activities/{activity.pk}/",
        f"/vol/shifts/{shift.pk}/",
        f"/vol/shifts/{shift.pk}/poster/",
        f"/vol/hours/{entry.pk}/",
        f"/vol/checkin/{shift.checkin_token}/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(
            f"/vol/shifts/{shift.pk}/", {"action": "withdraw", "signup": signup.pk}
        ).status_code
        == 404
    )
    assert "data-activity=" not in outsider.get("/vol/activities/").content.decode()
    villager = client_as("villager")
    for url in (
        "/vol/activities/",
        f"/vol/activities/{activity.pk}/",
        "/vol/hours/",
        f"/vol/shifts/{shift.pk}/",
        "/vol/projects/",
    ):
        assert villager.get(url).status_code == 403, url
    leader = client_as("leader_a")
    assert leader.get(f"/vol/activities/{activity.pk}/").status_code == 200
    assert (
        leader.post(
            f"/vol/activities/{activity.pk}/", {"action": "close", "version": 2}
        ).status_code
        == 403
    )
    assert leader.get("/vol/activities/new/").status_code == 403
    assert client_as("clerk_a").get("/vol/me/activities/").status_code == 403
    assert client_as("auditor").get(f"/vol/checkin/{shift.checkin_token}/").status_code == 403


def test_list_query_counts_are_pinned(
    client_as, cast, vol, me, activity_maker, jurisdictions, django_assert_num_queries
):
    from cunshe.volunteering.services import hours as hsvc

    def grow():  # type: ignore[no-untyped-def]
        a = activity_maker()
        ssvc.signup_create(
            actor=cast.clerk_a,
            jurisdiction=jurisdictions["clerk_a"],
            shift=a.first_shift,
            volunteer=vol(),
        )
        ssvc.signup_create(
            actor=cast.villager,
            jurisdiction=jurisdictions["villager"],
            shift=activity_maker(starts_in=timedelta(days=3 + a.pk)).first_shift,
        )
        hsvc.hours_record_manual(
            actor=cast.clerk_a,
            jurisdiction=jurisdictions["clerk_a"],
            volunteer=me,
            minutes=30,
            service_date=timezone.localdate(),
            reason="补录",
        )

    c = client_as("clerk_a")
    villager = client_as("villager")
    grow()
    counts = {}
    for url, who in (
        ("/vol/activities/", c),
        ("/vol/hours/?status=all", c),
        ("/vol/me/activities/", villager),
        ("/vol/me/shifts/", villager),
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert who.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    for _ in range(3):
        grow()
    for url, who in (
        ("/vol/activities/", c),
        ("/vol/hours/?status=all", c),
        ("/vol/me/activities/", villager),
        ("/vol/me/shifts/", villager),
    ):
        with django_assert_num_queries(counts[url]):
            assert who.get(url).status_code == 200


def test_a_shift_with_attendance_cannot_be_cancelled(client_as, cast, vol, activity_maker):
    shift = activity_maker().first_shift
    c = client_as("clerk_a")
    c.post(f"/vol/shifts/{shift.pk}/", {"action": "signup", "volunteer": vol().pk})
    signup = Signup._base_manager.get()
    move_shift(shift, -timedelta(minutes=90), hours=2)
    c.post(f"/vol/shifts/{shift.pk}/", {"action": "checkin", "signup": signup.pk})
    c.post(f"/vol/shifts/{shift.pk}/", {"action": "checkout", "signup": signup.pk})
    r = c.post(f"/vol/shifts/{shift.pk}/", {"action": "cancel"})
    assert r.status_code == 400 and "已有志愿者签到" in r.content.decode()
    assert reload(shift).cancelled_at is None
    activity = reload(shift.activity)
    r = c.post(f"/vol/activities/{activity.pk}/", {"action": "cancel", "version": activity.version,
                                                   "reason": "下雨"})  # fmt: skip
    assert r.status_code == 400 and reload(activity).status == "open"
