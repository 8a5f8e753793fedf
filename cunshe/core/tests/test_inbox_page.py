"""The inbox: every signed-in user reads and marks read their own in-app messages, in the
layout of their active role; the unread count is available to the page shell."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from cunshe.core.models import AuditEvent, Notification
from cunshe.core.notifications import notify

pytestmark = pytest.mark.django_db

URL = "/core/inbox/"


@pytest.fixture
def messages(cast) -> dict[str, Notification]:  # type: ignore[no-untyped-def]
    (mine,) = notify(recipient=cast.villager, subject="办件已受理", body="请留意短信。", link="/")
    (theirs,) = notify(recipient=cast.clerk_a, subject="待办提醒", body="有新的代办申请。")
    return {"mine": mine, "theirs": theirs}


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = Client().post(f"{URL}1/read/")
    assert response.status_code == 302


def test_villager_sees_only_their_own_messages_in_the_phone_layout(client_as, messages):
    response = client_as("villager").get(URL)
    assert response.status_code == 200
    assert list(response.context["page"]) == [messages["mine"]]
    body = response.content.decode()
    assert "办件已受理" in body
    assert "待办提醒" not in body
    assert "web/villager.html" in [t.name for t in response.templates]


def test_staff_get_the_desk_layout(client_as, messages):
    response = client_as("clerk_a").get(URL)
    assert list(response.context["page"]) == [messages["theirs"]]
    assert "web/desk.html" in [t.name for t in response.templates]


def test_sms_rows_are_not_inbox_messages(client_as, cast, django_capture_on_commit_callbacks):
    notify(recipient=cast.villager, subject="短信", body="b", channels=["sms"])
    assert list(client_as("villager").get(URL).context["page"]) == []


def test_mark_read_by_post(client_as, messages):
    c = client_as("villager")
    response = c.post(f"{URL}{messages['mine'].pk}/read/")
    assert response.status_code == 302
    messages["mine"].refresh_from_db()
    assert messages["mine"].read_at is not None
    assert AuditEvent.objects.filter(
        action="core.notification.read", object_id=str(messages["mine"].pk)
    ).exists()


def test_open_marks_read_and_follows_the_link(client_as, messages):
    response = client_as("villager").post(f"{URL}{messages['mine'].pk}/read/", {"open": "1"})
    assert response["Location"] == "/"


def test_get_does_not_mark_read(client_as, messages):
    assert client_as("villager").get(f"{URL}{messages['mine'].pk}/read/").status_code == 405
    messages["mine"].refresh_from_db()
    assert messages["mine"].read_at is None


def test_someone_elses_message_is_not_found_and_unchanged(client_as, messages):
    response = client_as("outsider").post(f"{URL}{messages['theirs'].pk}/read/")
    assert response.status_code == 404
    messages["theirs"].refresh_from_db()
    assert messages["theirs"].read_at is None


def test_mark_all_read_touches_only_the_actors_messages(client_as, cast, messages):
    notify(recipient=cast.villager, subject="第二条", body="b")
    client_as("villager").post(f"{URL}read-all/")
    assert not Notification.objects.filter(recipient=cast.villager, read_at__isnull=True).exists()
    messages["theirs"].refresh_from_db()
    assert messages["theirs"].read_at is None


def test_unread_count_tag(cast, messages):
    notify(recipient=cast.villager, subject="第二条", body="b")
    request = RequestFactory().get("/")
    request.user = cast.villager
    rendered = Template("{% load core_tags %}{% unread_count %}").render(
        Context({"request": request})
    )
    assert rendered == "2"
    request.user = cast.outsider
    request._cunshe_unread_count = None
    assert (
        Template("{% load core_tags %}{% unread_count %}").render(Context({"request": request}))
        == "0"
    )


def test_unread_count_is_shown_on_the_page(client_as, messages):
    body = client_as("villager").get(URL).content.decode()
    assert 'data-unread-count="1"' in body


def test_query_count_is_constant(client_as, cast, django_assert_num_queries):
    for i in range(30):
        notify(recipient=cast.villager, subject=f"消息{i}", body="b")
    c = client_as("villager")
    c.get(URL)
    # session, user, assignments, OTP device; page count and rows; unread count; session save
    with django_assert_num_queries(10):
        response = c.get(URL)
    assert len(response.context["page"]) == 20
