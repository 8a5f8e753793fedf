"""web:home picks the layout from the active role; anonymous visitors are sent to sign in."""

from django.urls import reverse
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.accounts.roles import Role
from cunshe.web.nav import VILLAGER_TILES, tiles_for


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_villager_gets_the_light_phone_layout(client_as):
    response = client_as("villager").get(reverse("web:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "web/home_villager.html" in [t.name for t in response.templates]
    assert 'class="cs-villager"' in html
    # The villager budget: no chart library, no icon font, no Bootstrap JavaScript.
    assert "echarts" not in html
    assert "bootstrap-icons.min.css" not in html
    assert "bootstrap.bundle" not in html
    assert "闵家村委会" in html


def test_villager_home_shows_unbuilt_areas_disabled_not_linked(client_as):
    html = client_as("villager").get(reverse("web:home")).content.decode()
    for label in ("办事", "村务公开", "消息", "我的"):
        assert label in html
    tiles = tiles_for(None)
    unbuilt = [t for t in tiles if t["url"] is None]
    assert html.count("即将开通") == len(unbuilt)
    assert html.count('aria-disabled="true"') == len(unbuilt)
    for tile in tiles:
        if tile["url"]:
            assert f'href="{tile["url"]}"' in html


def test_villager_home_has_the_four_big_buttons():
    # Four big buttons whatever is built: 办事 / 村务公开 / 消息 / 我的.
    assert [str(t.label) for t in VILLAGER_TILES] == ["办事", "村务公开", "消息", "我的"]


def test_clerk_gets_the_desk_with_role_region_and_breadcrumbs(client_as):
    response = client_as("clerk_a").get(reverse("web:home"))
    html = response.content.decode()
    assert "web/home_desk.html" in [t.name for t in response.templates]
    assert 'class="cs-desk"' in html
    assert "村社区工作者/代办员" in html
    for ancestor in ("吉林省", "长春市", "榆树市", "闵家镇", "闵家村委会"):
        assert ancestor in html
    assert html.index("吉林省") < html.index("榆树市") < html.index("闵家镇")


def test_desk_cards_link_to_the_menu_entries_the_role_may_use(client_as):
    html = client_as("system_admin").get(reverse("web:home")).content.decode()
    assert f'href="{reverse("regions:browse")}"' in html
    # The security administrator's page is not the system administrator's.
    assert f'href="{reverse("accounts:users")}"' not in html


def test_county_officer_sees_department_in_switcher(client_as):
    html = client_as("county_civil").get(reverse("web:home")).content.decode()
    assert "县级部门干部 · 民政" in html


def test_user_with_no_live_role_gets_the_desk_with_a_notice(client_as, cast):
    RoleAssignment.objects.filter(user=cast.clerk_a).update(revoked_at=timezone.now())
    html = client_as("clerk_a").get(reverse("web:home")).content.decode()
    assert "没有有效的角色授权" in html


def test_staff_user_whose_active_role_is_villager_gets_the_phone_layout(client_as, cast):
    """A clerk who also lives in the village sees the villager home after switching to it."""
    mine = RoleAssignment.objects.create(
        user=cast.clerk_a, role=Role.VILLAGER, region=cast.village_a
    )
    client = client_as("clerk_a")
    client.post(reverse("accounts:switch"), {"assignment": mine.pk})
    html = client.get(reverse("web:home")).content.decode()
    assert 'class="cs-villager"' in html


def test_home_query_count_is_constant_for_the_villager(client_as, django_assert_num_queries):
    client = client_as("villager")
    # session, user, OTP device, assignments (middleware), then the session save (savepoint,
    # update, release: SESSION_SAVE_EVERY_REQUEST keeps the 30-minute idle timer running)
    with django_assert_num_queries(7):
        client.get(reverse("web:home"))


def test_home_query_count_is_constant_for_the_clerk(client_as, django_assert_num_queries):
    client = client_as("clerk_a")
    # as the villager, plus one for the region path of the breadcrumbs
    with django_assert_num_queries(8):
        client.get(reverse("web:home"))
