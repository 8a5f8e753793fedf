"""The active-jurisdiction switcher in the desk's top bar."""

import pytest
from django.urls import reverse

from cunshe.accounts.middleware import ACTIVE_ASSIGNMENT_KEY
from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.roles import Role
from cunshe.core.models import AuditEvent


@pytest.fixture
def clerk_with_two_roles(cast):
    """clerk_a is also a village-committee member of village B."""
    second = RoleAssignment.objects.create(
        user=cast.clerk_a, role=Role.VILLAGE_LEADER, region=cast.village_b
    )
    return cast.clerk_a, second


def test_switcher_lists_every_live_assignment_and_posts_to_switch(client_as, clerk_with_two_roles):
    user, _second = clerk_with_two_roles
    html = client_as(user).get(reverse("web:home")).content.decode()
    assert f'action="{reverse("accounts:switch")}"' in html
    for a in RoleAssignment.objects.filter(user=user):
        assert f'name="assignment" value="{a.pk}"' in html
    assert "村两委成员" in html and "古城村委会" in html


def test_switching_changes_the_active_assignment_and_is_audited(client_as, clerk_with_two_roles):
    user, second = clerk_with_two_roles
    client = client_as(user)
    response = client.post(reverse("accounts:switch"), {"assignment": second.pk, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[ACTIVE_ASSIGNMENT_KEY] == second.pk
    event = AuditEvent.objects.get(action="accounts.role.switched")
    assert event.actor_username == user.username
    html = client.get(reverse("web:home")).content.decode()
    assert "古城村委会" in html.split('id="role-card-title"')[1]


def test_switching_to_someone_elses_assignment_is_refused(client_as, cast):
    client = client_as("clerk_a")
    foreign = RoleAssignment.objects.get(user=cast.outsider)
    response = client.post(reverse("accounts:switch"), {"assignment": foreign.pk}, follow=True)
    assert ACTIVE_ASSIGNMENT_KEY not in client.session
    assert not AuditEvent.objects.filter(action="accounts.role.switched").exists()
    html = response.content.decode()
    assert "无法切换到该角色" in html
    assert "孤家子村" not in html  # the outsider's village never shows
