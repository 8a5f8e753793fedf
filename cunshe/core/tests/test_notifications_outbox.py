"""notify() writes the outbox; SMS goes out after commit through the pluggable gateway, failures
are kept and retried by the periodic job up to the limit."""

from __future__ import annotations

import pytest

from cunshe.accounts.models import User
from cunshe.core.models import Notification
from cunshe.core.notifications import notify
from cunshe.core.tasks import SMS_MAX_ATTEMPTS, retry_failed_sms, send_sms

pytestmark = pytest.mark.django_db

FAILING = "cunshe.core.sms.FailingSmsBackend"


@pytest.fixture
def villager() -> User:
    return User.objects.create_user(
        username="v1", password="x-long-password", display_name="张三", phone="13812345678"
    )


def test_in_app_message_is_delivered_by_being_written(villager):
    (note,) = notify(recipient=villager, subject="办件受理", body="您的申请已受理。", link="/x/")
    assert note.channel == Notification.Channel.IN_APP
    assert note.status == Notification.Status.SENT
    assert note.read_at is None
    assert villager.notifications.count() == 1


def test_sms_is_sent_only_after_commit_and_stores_only_the_masked_phone(
    villager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (note,) = notify(
            recipient=villager, subject="提醒", body="明天入户走访。", channels=["sms"]
        )
        assert Notification.objects.get(pk=note.pk).status == Notification.Status.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT
    assert note.gateway_reference.startswith("outbox-")
    assert note.attempts == 1
    assert note.phone_masked == "138****5678"
    stored = [getattr(note, f.attname) for f in Notification._meta.concrete_fields]
    assert not any("13812345678" in str(v) for v in stored)


def test_both_channels_make_two_rows(villager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipient=villager, subject="s", body="b", channels=("in_app", "sms"))
    assert sorted(r.channel for r in rows) == ["in_app", "sms"]
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2


def test_gateway_failure_is_recorded_not_lost(
    villager, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = notify(recipient=villager, subject="s", body="b", channels=["sms"])
    note.refresh_from_db()
    assert note.status == Notification.Status.FAILED
    assert note.attempts == 1
    assert "gateway unavailable" in note.last_error


def test_retry_job_sends_failed_messages_once_the_gateway_is_back(
    villager, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = notify(recipient=villager, subject="s", body="b", channels=["sms"])
    settings.SMS_BACKEND = "cunshe.core.sms.OutboxSmsBackend"
    assert retry_failed_sms.call() == 1
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT
    assert note.attempts == 2
    assert note.last_error == ""
    assert retry_failed_sms.call() == 0  # nothing left to retry


def test_retries_stop_after_five(villager, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = notify(recipient=villager, subject="s", body="b", channels=["sms"])
    retried = 0
    for _ in range(10):
        retried += retry_failed_sms.call()
    note.refresh_from_db()
    assert retried == 5
    assert note.attempts == SMS_MAX_ATTEMPTS == 6
    assert note.status == Notification.Status.FAILED
    assert send_sms.call(note.pk) == "gave-up"


def test_recipient_without_phone_fails_with_a_reason(django_capture_on_commit_callbacks):
    user = User.objects.create_user(username="nophone", password="x-long-password")
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = notify(recipient=user, subject="s", body="b", channels=["sms"])
    note.refresh_from_db()
    assert note.status == Notification.Status.FAILED
    assert "no phone" in note.last_error


def test_a_sent_message_is_never_sent_twice(villager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = notify(recipient=villager, subject="s", body="b", channels=["sms"])
    assert send_sms.call(note.pk) == "already-sent"
    note.refresh_from_db()
    assert note.attempts == 1


def test_bad_channels_and_outside_links_are_refused(villager):
    with pytest.raises(ValueError):
        notify(recipient=villager, subject="s", body="b", channels=["fax"])
    with pytest.raises(ValueError):
        notify(recipient=villager, subject="s", body="b", link="https://evil.example/")
    with pytest.raises(ValueError):
        notify(recipient=villager, subject="s", body="b", link="//evil.example/")
    assert not Notification.objects.exists()
