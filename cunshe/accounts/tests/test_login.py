from django.test import Client
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.core.testing.cast import PASSWORD


def _post_login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_successful_login_redirects_and_is_audited(cast):
    client = Client()
    response = _post_login(client, "villager", PASSWORD)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="accounts.login.succeeded").get()
    assert event.actor_username == "villager"
    assert event.outcome == "success"
    assert event.role == "villager"
    assert event.region_code == "220182102200"


def test_failed_login_is_audited_without_the_password(cast):
    response = _post_login(Client(), "villager", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    event = AuditEvent.objects.filter(action="accounts.login.failed").get()
    assert event.outcome == "failure"
    assert "wrong-password" not in str(event.detail)


def test_login_page_refuses_offsite_next(cast):
    client = Client()
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "villager", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_account_locks_after_repeated_failures(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "clerk_a", "nope-nope-nope")
    # Even the right password is refused while locked.
    response = _post_login(client, "clerk_a", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.login.locked").exists()


def test_lockout_is_per_account_not_per_office(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "clerk_a", "nope-nope-nope")
    # A colleague in the same office (same IP) can still sign in.
    assert _post_login(Client(), "leader_a", PASSWORD).status_code == 302


def test_logout_requires_post_and_is_audited(client_as, cast):
    client = client_as("villager")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert AuditEvent.objects.filter(action="accounts.logout.succeeded").exists()


def test_sessions_expire_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
