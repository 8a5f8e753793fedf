"""notify_many: the same rows and checks as notify, written in bulk; SMS rows handed to the
sending task once the transaction commits."""

from __future__ import annotations

import pytest

from cunshe.core.models import Notification
from cunshe.core.notifications import Message, notify_many

pytestmark = pytest.mark.django_db


def test_rows_per_channel_in_order(cast):
    cast.clerk_a.phone = "13700000001"
    cast.clerk_a.save()
    rows = notify_many(
        [
            Message(recipient=cast.clerk_a, subject="甲", body="正文甲", link="/care/board/",
                    channels=("in_app", "sms")),
            Message(recipient=None, subject="乙", body="正文乙", channels=("sms",),
                    phone="13911112222"),
        ]
    )  # fmt: skip
    assert [r.pk is not None for r in rows] == [True, True, True]
    stored = list(Notification.objects.order_by("id"))
    assert [(n.channel, n.subject) for n in stored] == [
        ("in_app", "甲"),
        ("sms", "甲"),
        ("sms", "乙"),
    ]
    assert stored[0].status == "sent" and stored[0].sent_at is not None
    assert stored[1].phone == "" and stored[1].phone_masked.endswith("0001")
    assert stored[2].phone == "13911112222" and stored[2].recipient_id is None


def test_sms_is_sent_after_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many([Message(recipient=None, subject="s", body="b", channels=("sms",),
                             phone="13911112222")])  # fmt: skip
    assert len(callbacks) == 1
    assert Notification.objects.get().status == "sent"  # the outbox backend "sent" it


@pytest.mark.parametrize(
    "message",
    [
        Message(recipient=None, subject="s", body="b", channels=("in_app",), phone="1391111"),
        Message(recipient=None, subject="s", body="b", channels=("sms",)),
        Message(recipient=None, subject="s", body="b", channels=("fax",), phone="1"),
        Message(recipient=None, subject="s", body="b", channels=("sms",), phone="1",
                link="https://evil.example/"),
    ],
)  # fmt: skip
def test_bad_messages_are_refused_and_nothing_is_written(message):
    with pytest.raises(ValueError):
        notify_many([message])
    assert Notification.objects.count() == 0


def test_nothing_to_send_writes_nothing():
    assert notify_many([]) == []
