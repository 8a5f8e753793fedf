"""Sign-in, lock-out, two-factor and error pages."""

from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cunshe.core.testing.cast import PASSWORD


def test_login_page_has_the_form_and_the_display_controls_before_sign_in(db):
    html = Client().get(reverse("accounts:login") + "?next=/regions/").content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "用户名或手机号" in html
    assert 'name="next" value="/regions/"' in html
    assert 'name="language" value="ko"' in html and "한국어" in html
    assert 'name="age_friendly"' in html


def test_login_page_shows_a_clear_error_for_a_wrong_password(cast):
    response = Client().post(
        reverse("accounts:login"), {"username": "villager", "password": "wrong-password"}
    )
    html = response.content.decode()
    assert "用户名或密码不正确" in html
    assert 'class="alert alert-danger"' in html
    assert 'value="villager"' in html  # the user name is kept, the password is not
    assert "wrong-password" not in html


def test_locked_page_says_how_many_minutes_to_wait(cast):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "clerk_a", "password": "nope-nope"})
    response = client.post(reverse("accounts:login"), {"username": "clerk_a", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"请在 {minutes} 分钟后再试" in html


def test_two_factor_enrolment_shows_qr_secret_and_code_field(cast):
    client = Client()
    client.force_login(cast.clerk_a)
    html = client.get(reverse("accounts:two_factor")).content.decode()
    assert "设置两步验证" in html
    assert 'src="data:image/svg+xml' in html
    assert 'class="cs-secret' in html
    assert 'name="token"' in html and 'inputmode="numeric"' in html


def test_two_factor_verification_asks_only_for_the_code(cast):
    TOTPDevice.objects.create(user=cast.clerk_a, name="phone", confirmed=True)
    client = Client()
    client.force_login(cast.clerk_a)
    html = client.get(reverse("accounts:two_factor")).content.decode()
    assert "输入验证码" in html
    assert 'name="token"' in html
    assert "data:image/svg+xml" not in html and "cs-secret" not in html


def test_404_page_is_friendly_chinese_with_a_way_home(client_as):
    response = client_as("clerk_a").get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "没有找到这个页面" in html
    assert f'href="{reverse("web:home")}"' in html


def test_403_and_500_templates_render_without_a_request():
    for name, text in (("403.html", "您没有权限做这件事"), ("500.html", "系统出了点问题")):
        html = render_to_string(name)
        assert text in html
        assert 'href="/"' in html


def test_english_and_korean_catalogues_translate_the_shell(client_as):
    """Needs `manage.py compilemessages` (make messages) to have built the .mo files."""
    for code, expected in (("en", "Dashboard"), ("ko", "업무 화면")):
        client = client_as("clerk_a")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        html = client.get(reverse("web:home")).content.decode()
        assert expected in html, f"{code} catalogue missing: run manage.py compilemessages"
    client = client_as("villager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    # The villager's home tiles are translated too (村务公开 → 촌무 공개).
    assert "촌무 공개" in client.get(reverse("web:home")).content.decode()
