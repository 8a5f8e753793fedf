"""Due dates from the rules: periods at month and quarter ends and in leap years, the daily job
making each village's dues once, publishing fulfilling them (general: any item in the quarter;
finance: the whole month), items published before the due existed, and the overdue alert sent
to the township once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent, Notification
from cunshe.selfgov.jobs.disclosure import disclosure_daily
from cunshe.selfgov.models import DisclosureDue
from cunshe.selfgov.rules import rule
from cunshe.selfgov.services import disclosure as services
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)
from cunshe.selfgov.tests.matters_fixtures import aware

PERIODS = [
    # (category, day, period start, period end)
    ("finance", date(2026, 1, 31), date(2026, 1, 1), date(2026, 1, 31)),
    ("finance", date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28)),
    ("finance", date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),  # leap year
    ("finance", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
    ("finance", date(2026, 4, 30), date(2026, 4, 1), date(2026, 4, 30)),
    ("general", date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31)),
    ("general", date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30)),
    ("general", date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30)),
    ("general", date(2026, 10, 1), date(2026, 10, 1), date(2026, 12, 31)),
    ("general", date(2028, 2, 29), date(2028, 1, 1), date(2028, 3, 31)),
]


@pytest.mark.parametrize(("category", "day", "start", "end"), PERIODS)
def test_periods_follow_the_calendar(category, day, start, end):
    assert services.period_of(category, day) == (start, end)


def test_due_dates_add_the_grace_after_the_period(settings):
    grace = rule("DISCLOSURE_FINANCE_GRACE_DAYS")
    assert services.due_date("finance", date(2026, 1, 31)) == date(2026, 1, 31) + timedelta(
        days=grace
    )
    settings.SELFGOV_RULES = {"DISCLOSURE_FINANCE_GRACE_DAYS": 0, "DISCLOSURE_GENERAL_MONTHS": 6}
    assert services.due_date("finance", date(2028, 2, 29)) == date(2028, 2, 29)
    assert services.period_of("general", date(2026, 7, 1)) == (date(2026, 7, 1), date(2026, 12, 31))
    settings.SELFGOV_RULES = {"DISCLOSURE_GENERAL_MONTHS": 5}
    with pytest.raises(ValueError):
        services.period_of("general", date(2026, 7, 1))


@pytest.mark.django_db
def test_the_daily_job_makes_each_villages_dues_once(cast):
    first = disclosure_daily(now=aware(2028, 2, 29))
    # Villages A, B (榆树市) and C (梨树县); the group 一组 is not a village.
    assert first["dues_made"] == 6
    again = disclosure_daily(now=aware(2028, 2, 29, 18))
    assert again["dues_made"] == 0
    with system_scope("test"):
        rows = DisclosureDue.objects.filter(region=cast.village_a).order_by("category")
        finance, general = list(rows)
    assert (finance.period_start, finance.period_end) == (date(2028, 2, 1), date(2028, 2, 29))
    assert finance.due_on == date(2028, 2, 29) + timedelta(days=10)
    assert (general.period_start, general.period_end) == (date(2028, 1, 1), date(2028, 3, 31))
    assert general.due_on == date(2028, 4, 10)
    disclosure_daily(now=aware(2028, 3, 1))
    with system_scope("test"):
        assert DisclosureDue.objects.filter(region=cast.village_a).count() == 3  # March finance


def _publish(cast, js, category, start, end, title="公开"):  # type: ignore[no-untyped-def]
    return services.disclosure_publish(
        actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a, category=category,
        title=title, body="收入支出明细见附表。", period_start=start, period_end=end,
    )  # fmt: skip


@pytest.mark.django_db
def test_publishing_fulfils_the_due_of_its_category_and_period(cast, js, clock):
    clock.move_to(aware(2026, 5, 20))
    disclosure_daily(now=aware(2026, 5, 20))
    with system_scope("test"):
        finance = DisclosureDue.objects.get(region=cast.village_a, category="finance")
        general = DisclosureDue.objects.get(region=cast.village_a, category="general")
    # Half a month does not fulfil the month's finance due; a general item elsewhere neither.
    _publish(cast, js, "finance", date(2026, 5, 1), date(2026, 5, 15))
    finance.refresh_from_db()
    assert finance.fulfilled_by is None
    whole = _publish(cast, js, "finance", date(2026, 5, 1), date(2026, 5, 31), "五月财务收支")
    finance.refresh_from_db()
    general.refresh_from_db()
    assert finance.fulfilled_by_id == whole.pk
    assert general.fulfilled_by is None
    item = _publish(cast, js, "general", date(2026, 5, 10), date(2026, 5, 10), "村务一般事项")
    general.refresh_from_db()
    assert general.fulfilled_by_id == item.pk


@pytest.mark.django_db
def test_an_item_published_before_the_due_existed_fulfils_it(cast, js, clock):
    clock.move_to(aware(2026, 7, 2))
    item = _publish(cast, js, "finance", date(2026, 7, 1), date(2026, 7, 31), "七月财务预公开")
    disclosure_daily(now=aware(2026, 7, 2))
    with system_scope("test"):
        due = DisclosureDue.objects.get(region=cast.village_a, category="finance")
    assert due.fulfilled_by_id == item.pk


@pytest.mark.django_db
def test_overdue_dues_alert_the_township_once(cast, js, clock):
    disclosure_daily(now=aware(2026, 1, 15))
    # Village A publishes its January accounts; B does not; nothing is overdue yet on Feb 10.
    clock.move_to(aware(2026, 2, 3))
    _publish(cast, js, "finance", date(2026, 1, 1), date(2026, 1, 31), "一月财务")
    clock.reset()
    assert disclosure_daily(now=aware(2026, 2, 10))["dues_alerted"] == 0
    result = disclosure_daily(now=aware(2026, 2, 11))
    # B's January finance (due Feb 10) and C's, in another township.
    assert result["dues_alerted"] == 2
    notes = Notification.objects.filter(recipient=cast.township_officer)
    assert notes.count() == 1
    note = notes.get()
    assert "古城村" in note.body and "闵家村" not in note.body
    assert note.link == "/gov/disclosures/overdue/"
    assert not Notification.objects.filter(
        recipient=cast.clerk_a, subject__contains="逾期"
    ).exists()
    with system_scope("test"):
        alerted = DisclosureDue.objects.get(region=cast.village_b, category="finance",
                                            period_start=date(2026, 1, 1))  # fmt: skip
    assert alerted.alerted_at is not None
    assert disclosure_daily(now=aware(2026, 2, 12))["dues_alerted"] == 0
    assert Notification.objects.filter(recipient=cast.township_officer).count() == 1
    assert AuditEvent.objects.filter(action="selfgov.disclosure_due.alerted").count() == 1


@pytest.mark.django_db
def test_a_major_due_from_a_decision_is_overdue_after_the_major_days(
    cast, js, new_matter, walk, clock
):
    clock.move_to(aware(2026, 3, 2))
    matter = walk(new_matter(), 4)
    with system_scope("test"):
        due = DisclosureDue.objects.get(matter=matter)
    days = rule("DISCLOSURE_MAJOR_DAYS")
    assert due.due_on == date(2026, 3, 2) + timedelta(days=days)
    from cunshe.selfgov.services.disclosure import overdue_alert

    assert overdue_alert(now=aware(2026, 3, 2 + days)) == 0
    assert overdue_alert(now=aware(2026, 3, 3 + days)) == 1
