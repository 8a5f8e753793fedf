"""The receipt page /desk/applications/<pk>/receipt.pdf: who may download it, the audit trail,
and the headers a PDF with personal data needs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.core.pdf import PdfDocument

# The fixtures (accepted, submitted, person, item, fresh_cache) come with this import.
from cunshe.servicedesk.tests.status_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def url(app) -> str:  # type: ignore[no-untyped-def]
    return reverse("servicedesk:receipt", args=[app.pk])


def reads(app) -> int:  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(
        action="servicedesk.receipt.viewed", object_id=str(app.pk)
    ).count()


@pytest.mark.parametrize("who", ["township_officer", "clerk_a", "county_civil", "villager"])
def test_staff_in_scope_and_the_applicant_get_the_pdf_inline(client_as, accepted, who):
    response = client_as(who).get(url(accepted))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="receipt-{accepted.number}.pdf"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="servicedesk.receipt.viewed", object_id=str(accepted.pk))
    assert event.actor_username == who
    assert event.detail == {"status": "accepted"}


def test_the_qr_code_points_at_this_site(client_as, accepted, monkeypatch):
    seen: list[str] = []
    original = PdfDocument.qr

    def spy(self, data, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(data)
        return original(self, data, **kwargs)

    monkeypatch.setattr(PdfDocument, "qr", spy)
    client_as("clerk_a").get(url(accepted))
    assert seen == [f"http://testserver/desk/status/?n={accepted.number}"]


def test_the_outsider_gets_404_and_nothing_is_logged_as_read(client_as, accepted):
    response = client_as("outsider").get(url(accepted))
    assert response.status_code == 404
    assert reads(accepted) == 0


def test_a_role_without_servicedesk_view_in_scope_gets_403_audited(client_as, accepted):
    response = client_as("system_admin").get(url(accepted))
    assert response.status_code == 403
    assert reads(accepted) == 0
    assert AuditEvent.objects.filter(
        action="core.permission.denied", object_id=str(accepted.pk)
    ).exists()


def test_anonymous_visitors_are_sent_to_sign_in(accepted):
    response = Client().get(url(accepted))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_receipt_before_acceptance(client_as, submitted):
    response = client_as("township_officer").get(url(submitted))
    assert response.status_code == 404
    assert reads(submitted) == 0


def test_an_unknown_id_is_404(client_as, accepted):
    response = client_as("township_officer").get(
        reverse("servicedesk:receipt", args=[accepted.pk + 1000])
    )
    assert response.status_code == 404


def test_only_get(client_as, accepted):
    assert client_as("township_officer").post(url(accepted)).status_code == 405
