"""Escalation of overdue applications: once per period, one level further up each time, to the
right supervisors (and nobody in another county), claimed once even by two runs at once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.db import connections as db_connections

from cunshe.core.models import AuditEvent, Notification
from cunshe.core.scheduling import registered_jobs
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.jobs import escalation
from cunshe.servicedesk.models import Application, ApplicationEvent
from cunshe.servicedesk.services import applications as svc
from cunshe.servicedesk.tests.factories import act, submit, villager_person
from cunshe.servicedesk.tests.metrics_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.metrics_fixtures import adjust

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)  # a Monday; no calendar is seeded, so weekdays are working days
FRI_BEFORE = date(2026, 2, 27)
TUE, WED, THU = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)


def notified(app: Application) -> set[str]:
    """Usernames told (in-app) about this application's escalation."""
    rows = Notification.objects.filter(channel="in_app", body__contains=app.number)
    return set(rows.values_list("recipient__username", flat=True))


@pytest.fixture
def person(cast, register):  # type: ignore[no-untyped-def]
    return villager_person(cast, register)


@pytest.fixture
def overdue_app(cast, officials, person, township_item):  # type: ignore[no-untyped-def]
    """A township matter accepted by the township officer, due on the Friday before MON."""
    app = submit(cast, person, township_item)
    app = act(cast, app, "accept")
    return adjust(app, due_on=FRI_BEFORE)


def test_the_job_is_registered_hourly_under_its_name():
    job = {j.name: j for j in registered_jobs()}["servicedesk.applications.escalate"]
    assert job.every.total_seconds() == 3600
    assert job.task.module_path.endswith("escalate_overdue_applications")


def test_escalated_once_per_period_then_one_level_further_up(cast, overdue_app):
    app = overdue_app
    assert escalation.escalate_overdue(MON) == 1
    assert escalation.escalate_overdue(MON) == 0  # the same day again: nothing
    app.refresh_from_db()
    assert (app.escalation_level, app.escalated_on) == (1, MON)
    events = app.events.filter(kind=ApplicationEvent.Kind.ESCALATE)
    assert events.count() == 1
    assert events.get().public_text == "已超期，已提请上级督办"
    assert events.get().detail["supervisor"] == cast.county.code
    assert (
        AuditEvent.objects.filter(
            action="servicedesk.application.escalated", object_id=str(app.pk)
        ).count()
        == 1
    )
    # One and two working days later: not yet.
    assert escalation.escalate_overdue(TUE) == 0
    assert escalation.escalate_overdue(WED) == 0
    # Three working days after the first escalation: level 2, the city.
    assert escalation.escalate_overdue(THU) == 1
    app.refresh_from_db()
    assert (app.escalation_level, app.escalated_on) == (2, THU)
    level2 = app.events.filter(kind=ApplicationEvent.Kind.ESCALATE).last()
    assert level2.detail["supervisor"] == "2201"
    assert "已超期" in svc.public_timeline(app)[-1].text


def test_weekends_do_not_count_towards_the_next_escalation(cast, overdue_app):
    escalation.escalate_overdue(THU)  # first escalation on a Thursday
    assert escalation.escalate_overdue(date(2026, 3, 9)) == 0  # Fri, Mon: two working days
    assert escalation.escalate_overdue(date(2026, 3, 10)) == 1  # Tuesday: three


def test_level_one_tells_the_unit_the_assignee_and_the_county_department(cast, overdue_app):
    escalation.escalate_overdue(MON)
    told = notified(overdue_app)
    assert told == {"township_officer", "county_civil"}
    # Another department of the same county, and everyone in another county, hear nothing.
    assert not told & {"yushu_hr", "lishu_civil", "gujiazi_officer", "city_sp", "city_cc"}
    supervisor = Notification.objects.get(
        recipient=cast.county_civil, channel="in_app", body__contains=overdue_app.number
    )
    assert "闵家镇" in supervisor.body and "第1次督办" in supervisor.body
    assert supervisor.subject.startswith("超期督办")


def test_level_two_reaches_the_city_above_and_not_the_other_city(cast, overdue_app):
    escalation.escalate_overdue(MON)
    Notification.objects.all().delete()
    escalation.escalate_overdue(THU)
    told = notified(overdue_app)
    assert "city_cc" in told
    assert "township_officer" in told  # the assignee hears of every escalation
    assert not told & {"city_sp", "lishu_civil", "gujiazi_officer", "county_civil"}


def test_each_recipient_reads_it_in_their_own_language(cast, overdue_app):
    officer = cast.township_officer
    officer.language = "en"
    officer.save(update_fields=["language"])
    escalation.escalate_overdue(MON)
    english = Notification.objects.get(recipient=officer, channel="in_app")
    chinese = Notification.objects.get(recipient=cast.county_civil, channel="in_app")
    # The supervising unit's department is named in the reader's language.
    assert "Civil Affairs" in english.body
    assert "Civil Affairs" not in chinese.body


def test_village_matter_goes_to_the_township_then_the_county_department(
    cast, officials, person, village_item
):
    app = submit(cast, person, village_item)
    act(cast, app, "accept", by="clerk_a")
    adjust(app, due_on=FRI_BEFORE)
    escalation.escalate_overdue(MON)
    assert notified(app) == {"clerk_a", "township_officer"}
    Notification.objects.all().delete()
    escalation.escalate_overdue(THU)
    # A village matter has no department: the county supervises through the item's.
    assert notified(app) == {"county_civil", "clerk_a"}


def test_county_matter_goes_to_the_city_then_the_province(cast, officials, person, county_item):
    app = submit(cast, person, county_item)
    act(cast, app, "accept", by="county_civil")
    adjust(app, due_on=FRI_BEFORE)
    escalation.escalate_overdue(MON)
    assert notified(app) == {"county_civil", "city_cc"}
    Notification.objects.all().delete()
    escalation.escalate_overdue(THU)
    assert notified(app) == {"county_civil", "province_official"}


def test_not_escalated_when_not_yet_due_finished_or_waiting_for_material(
    cast, officials, person, township_item
):
    on_time = adjust(act(cast, submit(cast, person, township_item), "accept"), due_on=MON)
    finished = act(cast, submit(cast, person, township_item), "accept")
    finished = act(cast, act(cast, finished, "start"), "approve")
    adjust(finished, due_on=FRI_BEFORE)
    returned = act(cast, submit(cast, person, township_item), "return", reason="缺户口簿")
    adjust(returned, due_on=FRI_BEFORE)
    assert escalation.escalate_overdue(MON) == 0
    for app in (on_time, finished, returned):
        app.refresh_from_db()
        assert app.escalation_level == 0


def test_a_stale_copy_cannot_escalate_twice(cast, overdue_app):
    """Two runs that loaded the same row: the conditional UPDATE lets one of them through."""
    from cunshe.core.jurisdiction import Jurisdiction
    from cunshe.core.workdays import working_days_before

    j = Jurisdiction.system("test")
    due_again = working_days_before(MON, 3)
    stale = Application._base_manager.get(pk=overdue_app.pk)
    twin = Application._base_manager.get(pk=overdue_app.pk)
    assert escalation.escalate_one(stale, jurisdiction=j, today=MON, due_again=due_again)
    assert not escalation.escalate_one(twin, jurisdiction=j, today=MON, due_again=due_again)
    overdue_app.refresh_from_db()
    assert overdue_app.escalation_level == 1
    assert overdue_app.events.filter(kind=ApplicationEvent.Kind.ESCALATE).count() == 1


def test_reroute_starts_the_escalation_afresh(cast, overdue_app, county_item):
    escalation.escalate_overdue(MON)
    app = svc.application_reroute(
        actor=cast.township_officer,
        jurisdiction=jurisdiction_of(cast.township_officer),
        application=overdue_app,
        item=county_item,
        reason="应由县残联办理",
    )
    assert (app.escalation_level, app.escalated_on) == (0, None)


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks: PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_escalate_once(
    flushable_audit, cast, officials, register, township_item
):
    assert connection.vendor == "postgresql"
    person = villager_person(cast, register)
    app = adjust(act(cast, submit(cast, person, township_item), "accept"), due_on=FRI_BEFORE)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(escalation.escalate_overdue(MON))
        finally:
            db_connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    app.refresh_from_db()
    assert app.escalation_level == 1
    assert app.events.filter(kind=ApplicationEvent.Kind.ESCALATE).count() == 1
