"""The background-tasks page: periodic jobs and recent task results, for the system
administrator only."""

from __future__ import annotations

import pytest
from django.test import Client

from cunshe.core.models import AuditEvent
from cunshe.core.scheduling import registered_jobs, run_due

pytestmark = pytest.mark.django_db

URL = "/core/tasks/"


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["audit_admin", "security_admin", "clerk_a", "outsider"])
def test_others_are_refused_and_audited(client_as, who):
    assert client_as(who).get(URL).status_code == 403
    assert AuditEvent.objects.filter(
        action="core.permission.denied", actor_username=who, detail__permission="core.tasks_view"
    ).exists()


def test_system_admin_sees_the_jobs_and_their_last_run(client_as):
    c = client_as("system_admin")
    body = c.get(URL).content.decode()
    assert "core.notifications.retry" in body
    assert "尚未运行" in body
    run_due()
    response = c.get(URL)
    status = {s.job.name: s for s in response.context["jobs"]}
    assert status["core.notifications.retry"].last_enqueued_at is not None


def test_recent_task_results_are_listed(client_as, settings):
    from cunshe.core.tests.test_periodic_scheduler import DB_BACKEND, tick

    settings.TASKS = DB_BACKEND
    tick.enqueue()
    body = client_as("system_admin").get(URL).content.decode()
    assert "test_periodic_scheduler.tick" in body


def test_query_count_is_constant(client_as, settings, django_assert_num_queries):
    from cunshe.core.tests.test_periodic_scheduler import DB_BACKEND, tick

    settings.TASKS = DB_BACKEND
    for _ in range(5):
        tick.enqueue()
    c = client_as("system_admin")
    c.get(URL)
    assert registered_jobs()
    # session, user, assignments, OTP device; scheduled runs; task results; session save
    with django_assert_num_queries(9):
        c.get(URL)
