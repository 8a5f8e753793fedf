import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cunshe.core.models import AuditEvent
from cunshe.core.testing.cast import PASSWORD


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_STAFF_2FA = True


def _signed_in(username):
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    return client


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_without_second_factor_are_sent_to_enrolment(cast, require_2fa):
    client = _signed_in("clerk_a")
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")


def test_villagers_are_not_asked_for_a_second_factor(cast, require_2fa):
    client = _signed_in("villager")
    assert client.get(reverse("web:home")).status_code == 200


def test_enrolment_confirms_device_and_lets_staff_in(cast, require_2fa):
    client = _signed_in("clerk_a")
    page = client.get(reverse("accounts:two_factor"))
    assert page.context["enrolling"] is True
    assert page.context["qr"].startswith("data:image/svg+xml")
    # Browsers refuse an SVG image without its namespace: the QR code would not show.
    from urllib.parse import unquote

    assert "http://www.w3.org/2000/svg" in unquote(page.context["qr"])
    device = TOTPDevice.objects.get(user=cast.clerk_a)
    assert device.confirmed is False
    response = client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.two_factor.enrolled").exists()


def test_wrong_code_is_refused_and_audited(cast, require_2fa):
    client = _signed_in("township_officer")
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=cast.township_officer)
    wrong = f"{(int(_code(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:two_factor"), {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302
    assert AuditEvent.objects.filter(action="accounts.two_factor.failed").exists()


def test_non_numeric_code_changes_nothing(cast, require_2fa):
    client = _signed_in("township_officer")
    client.get(reverse("accounts:two_factor"))
    response = client.post(reverse("accounts:two_factor"), {"token": "abcdef"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=cast.township_officer, confirmed=True).exists()


def test_two_factor_can_be_switched_off_for_the_demo(cast, settings):
    settings.REQUIRE_STAFF_2FA = False
    client = _signed_in("clerk_a")
    assert client.get(reverse("web:home")).status_code == 200


def test_user_management_needs_the_second_factor_too(cast, require_2fa):
    client = _signed_in("security_admin")
    response = client.get(reverse("accounts:users"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")
