from django.test import Client
from django.urls import reverse

from cunshe.accounts.models import User


def test_pages_are_chinese_even_for_an_english_browser(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("accounts:login"))
    assert response["Content-Language"] == "zh-hans"
    assert "密码" in response.content.decode()


def test_the_language_cookie_chosen_before_sign_in_is_honoured(db):
    client = Client()
    client.post(reverse("accounts:preferences"), {"language": "ko", "next": "/accounts/login/"})
    response = client.get(reverse("accounts:login"))
    assert response["Content-Language"] == "ko"


def test_a_saved_preference_follows_the_user_to_another_device(cast, client_as):
    User.objects.filter(pk=cast.villager.pk).update(language="en")
    response = client_as("villager").get(reverse("web:home"))
    assert response["Content-Language"] == "en"


def test_the_api_honours_accept_language(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Language"] == "en"


def test_a_request_does_not_leave_its_language_behind(db):
    from django.utils import translation

    before = translation.get_language()
    client = Client()
    client.post(reverse("accounts:preferences"), {"language": "ko", "next": "/"})
    client.get(reverse("accounts:login"))
    assert translation.get_language() == before
