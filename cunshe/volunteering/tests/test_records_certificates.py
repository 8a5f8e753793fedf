"""Certificates: issue freezes approved minutes (corrections included), star and activities;
numbered <prefix>-<year>-<seq>; the PDF is the same bytes as at issue and names the masked ID;
the public check page and JSON say VALID or REVOKED with nothing personal; downloads are access
checked and audited; refusals change nothing."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Certificate
from cunshe.volunteering.services import certificates as svc
from cunshe.volunteering.tests.records_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.records_fixtures import BASE


def test_no_certificate_without_approved_hours(cast, clerk_j, vols):
    with pytest.raises(ValidationError) as exc:
        svc.certificate_issue(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            volunteer=vols.li,
            issuer_name="站",
            base_url=BASE,
        )
    assert "没有审核通过的服务时长" in str(exc.value)
    assert not Certificate.objects.within(clerk_j).exists()


def test_issue_freezes_minutes_star_and_number(
    cast, clerk_j, vols, activity, approve_hours, settings
):
    settings.VOLUNTEERING_RULES = {"STAR_HOURS": (1, 3, 6, 10, 15), "CERTIFICATE_PREFIX": "TEST"}
    first = approve_hours(vols.zhang, 150, activity)
    approve_hours(vols.zhang, -30, activity, kind="correction", corrects=first)
    approve_hours(vols.zhang, 60)
    cert = svc.certificate_issue(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        volunteer=vols.zhang,
        issuer_name="闵家村",
        base_url=BASE,
    )
    year = timezone.localdate().year
    assert cert.number == f"TEST-{year}-000001"
    assert (cert.minutes, cert.star, cert.activities) == (180, 2, 1)
    approve_hours(vols.zhang, 600)
    cert.refresh_from_db()
    assert cert.minutes == 180  # frozen
    second = svc.certificate_issue(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        volunteer=vols.zhang,
        issuer_name="闵家村",
        base_url=BASE,
    )
    assert second.number == f"TEST-{year}-000002" and second.minutes == 780
    event = AuditEvent.objects.filter(action="volunteering.certificate.issued").first()
    assert event is not None and "id_number" not in event.detail


def test_pdf_is_stable_and_says_what_it_should(issued, vols):
    data = svc.render_pdf(issued, base_url=BASE)
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == issued.pdf_sha256
    text = svc.build_pdf(issued, base_url=BASE).text()
    assert "张三丰" in text and "2小时" in text and "闵家村志愿服务站" in text
    assert vols.zhang.id_number not in text and vols.zhang.id_number[:6] + "********" in text
    assert "/vol/cert/" + issued.token + "/" in svc.build_pdf(issued, base_url=BASE).blocks[-2].data


def test_public_page_valid_then_revoked(client, cast, clerk_j, issued, vols):
    url = reverse("volunteering:certificate_verify", args=[issued.token])
    assert url == f"/vol/cert/{issued.token}/"
    page = client.get(url).content.decode()
    assert 'data-verdict="valid"' in page and "张*丰" in page and issued.number in page
    assert "张三丰" not in page and vols.zhang.id_number[-4:] not in page
    with pytest.raises(ValidationError):
        svc.certificate_revoke(
            actor=cast.clerk_a, jurisdiction=clerk_j, certificate=issued, reason=""
        )
    svc.certificate_revoke(
        actor=cast.clerk_a, jurisdiction=clerk_j, certificate=issued, reason="时长有误"
    )
    page = client.get(url).content.decode()
    assert 'data-verdict="revoked"' in page and "时长有误" not in page
    assert client.get("/vol/cert/nonexistent-token/").status_code == 404


def test_public_check_api_needs_no_sign_in(client, issued):
    r = client.get(f"/api/v1/volunteering/records/certificates/check/{issued.token}")
    assert r.status_code == 200
    body = r.json()
    assert body["valid"] is True and body["name_masked"] == "张*丰" and body["minutes"] == 120
    assert set(body) == {
        "number",
        "name_masked",
        "minutes",
        "star",
        "activities",
        "issuer_name",
        "issued_on",
        "period_from",
        "period_to",
        "valid",
        "revoked_on",
    }


def test_pdf_download_access_and_audit(client_as, cast, issued):
    url = reverse("volunteering:certificate_pdf", args=[issued.pk])
    r = client_as("clerk_a").get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert hashlib.sha256(r.content).hexdigest() == issued.pdf_sha256
    event = AuditEvent.objects.filter(action="volunteering.certificate.downloaded").get()
    assert event.detail["matches_issue"] is True
    assert client_as("villager").get(url).status_code == 200  # 张三丰 is the villager
    assert client_as("outsider").get(url).status_code == 404


def test_villager_cannot_download_someone_elses(client_as, cast, clerk_j, vols, approve_hours):
    approve_hours(vols.li, 60)
    cert = svc.certificate_issue(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        volunteer=vols.li,
        issuer_name="站",
        base_url=BASE,
    )
    url = reverse("volunteering:certificate_pdf", args=[cert.pk])
    assert client_as("villager").get(url).status_code == 404


def test_issue_and_revoke_pages(client_as, vols, approve_hours, clerk_j):
    approve_hours(vols.li, 60)
    client = client_as("clerk_a")
    r = client.post(
        reverse("volunteering:certificate_issue", args=[vols.li.pk]), {"issuer_name": ""}
    )
    assert r.status_code == 400 and "出具单位" in r.content.decode()
    r = client.post(
        reverse("volunteering:certificate_issue", args=[vols.li.pk]),
        {"issuer_name": "闵家村志愿服务站"},
    )
    assert r.status_code == 302
    cert = Certificate.objects.within(clerk_j).get()
    assert (
        client_as("leader_a")
        .post(reverse("volunteering:certificate_revoke", args=[cert.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    client.post(reverse("volunteering:certificate_revoke", args=[cert.pk]), {"reason": "重复出具"})
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revoke_reason == "重复出具"
