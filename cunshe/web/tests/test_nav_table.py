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


def test_every_phone_icon_is_in_the_sprite():
    # The phone layout draws icons from the small sprite (scripts/build_assets.py SPRITE_ICONS);
    # a name missing there renders as an empty square in the bottom bar or on a hub page.
    from cunshe.volunteering.views.me import HUB_LINKS
    from cunshe.web.tests.test_build_assets import _load

    sprite = set(_load().SPRITE_ICONS)
    phone = [item.icon for item in NAV if item.audience in ("villager", "both")]
    missing = [name for name in [*phone, *(link[3] for link in HUB_LINKS)] if name not in sprite]
    assert not missing
