from django.urls import reverse

from cunshe.accounts.roles import ROLE_PERMISSIONS
from cunshe.web.nav import NAV


def test_every_navigation_entry_points_at_a_real_page():
    # items_for() hides entries whose URL does not resolve; a typo must not hide a page silently.
    for item in NAV:
        assert reverse(item.url_name)


def test_every_navigation_permission_is_held_by_some_role():
    granted = set().union(*ROLE_PERMISSIONS.values())
    for item in NAV:
        assert item.perm is None or item.perm in granted, item.url_name
