from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment


@pytest.mark.django_db
def test_assignment_starting_today_in_beijing_is_active_before_8am(cast, monkeypatch):
    # 2026-03-02 06:30 in Beijing is still 2026-03-01 in UTC.
    moment = datetime(2026, 3, 2, 6, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(ZoneInfo("UTC")))
    a = RoleAssignment.objects.get(user=cast.clerk_a)
    RoleAssignment.objects.filter(pk=a.pk).update(valid_from=date(2026, 3, 2))
    assert RoleAssignment.objects.active().filter(pk=a.pk).exists()


@pytest.mark.django_db
def test_assignment_ended_yesterday_is_not_active(cast):
    a = RoleAssignment.objects.get(user=cast.clerk_a)
    yesterday = timezone.localdate() - timedelta(days=1)
    RoleAssignment.objects.filter(pk=a.pk).update(
        valid_from=yesterday - timedelta(days=10), valid_to=yesterday
    )
    assert not RoleAssignment.objects.active().filter(pk=a.pk).exists()
