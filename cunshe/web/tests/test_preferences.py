"""Language and age-friendly mode: saved on the user, in cookies before sign-in."""

from django.conf import settings
from django.test import Client
from django.urls import reverse


def test_language_choice_is_saved_on_the_user_and_in_the_cookie(client_as, cast):
    client = client_as("clerk_a")
    response = client.post(reverse("accounts:preferences"), {"language": "ko", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    cast.clerk_a.refresh_from_db()
    assert cast.clerk_a.language == "ko"
    html = client.get(reverse("web:home")).content.decode()
    assert '<html lang="ko"' in html


def test_age_friendly_mode_is_saved_on_the_user_and_marks_the_html_element(client_as, cast):
    client = client_as("villager")
    assert 'class="age-friendly"' not in client.get(reverse("web:home")).content.decode()
    client.post(reverse("accounts:preferences"), {"age_friendly": "1", "next": "/"})
    cast.villager.refresh_from_db()
    assert cast.villager.age_friendly is True
    # A fresh session (another phone) still gets it: it is the user's, not the browser's.
    html = client_as("villager").get(reverse("web:home")).content.decode()
    assert '<html lang="zh-hans" class="age-friendly">' in html


def test_age_friendly_mode_can_be_switched_off_again(client_as, cast):
    client = client_as("villager")
    client.post(reverse("accounts:preferences"), {"age_friendly": "1"})
    client.post(reverse("accounts:preferences"), {"age_friendly": "0"})
    cast.villager.refresh_from_db()
    assert cast.villager.age_friendly is False


def test_anonymous_preferences_live_in_cookies_and_show_on_the_login_page(db):
    client = Client()
    login = reverse("accounts:login")
    client.post(reverse("accounts:preferences"), {"age_friendly": "1", "next": login})
    client.post(reverse("accounts:preferences"), {"language": "en", "next": login})
    html = client.get(login).content.decode()
    assert '<html lang="en" class="age-friendly">' in html
    assert "Sign in" in html  # needs the compiled catalogue (manage.py compilemessages)


def test_preference_controls_post_to_the_preferences_view(client_as):
    for who in ("villager", "clerk_a"):
        html = client_as(who).get(reverse("web:home")).content.decode()
        assert html.count(f'action="{reverse("accounts:preferences")}"') == 2
        for code in ("zh-hans", "en", "ko"):
            assert f'name="language" value="{code}"' in html
        assert 'name="age_friendly" value="1"' in html
