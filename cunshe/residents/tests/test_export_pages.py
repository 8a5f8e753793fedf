"""Exporting a filtered list: masked by role, re-authentication above one page, audited."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from python_calamine import CalamineWorkbook

from cunshe.core.models import AuditEvent
from cunshe.core.testing.cast import PASSWORD
from cunshe.residents import exporting, rules
from cunshe.residents.tests.conftest import jurisdiction_of

pytestmark = pytest.mark.django_db


def sheet_of(response):  # type: ignore[no-untyped-def]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


@pytest.fixture
def family(register):  # type: ignore[no-untyped-def]
    head = register("张三", date(1970, 5, 1), phone="13812345678")
    register("张小小", date(2018, 1, 1), relationship="20", seq=3)  # a minor
    return head


def bulk(register, household_a, n: int) -> None:  # type: ignore[no-untyped-def]
    register("户主", date(1960, 1, 1), seq=400)
    for i in range(n):
        register(f"成员{i}", date(1990, 1, 1), relationship="70", seq=i + 10)


def test_clerk_export_is_unmasked_and_audited(client_as, family) -> None:
    response = client_as("clerk_a").get(reverse("residents:export"))
    assert response.status_code == 200
    rows = sheet_of(response)
    header = rows[0]
    head = next(r for r in rows if r[header.index("姓名")] == "张三")
    assert head[header.index("身份证号")] == family.id_number
    assert head[header.index("手机号")] == "13812345678"
    assert len(rows) == 3  # header, the head and the minor (the clerk may see minors)
    event = AuditEvent.objects.get(action="residents.export.downloaded")
    assert event.detail["rows"] == 2 and event.detail["unmasked"] is True


def test_leader_export_is_masked_and_without_minors(client_as, family) -> None:
    response = client_as("leader_a").get(reverse("residents:export"))
    rows = sheet_of(response)
    header = rows[0]
    assert [r[header.index("姓名")] for r in rows[1:]] == ["张三"]
    assert rows[1][header.index("身份证号")] == "220182********" + family.id_number[-4:]
    assert rows[1][header.index("手机号")] == "138****5678"
    assert "残疾类别/等级" not in header
    event = AuditEvent.objects.get(action="residents.export.downloaded")
    assert event.detail == {"rows": 1, "unmasked": False, "filters": {}}


def test_export_uses_the_list_filters(client_as, family) -> None:
    response = client_as("clerk_a").get(reverse("residents:export") + "?q=zs")
    names = [r[4] for r in sheet_of(response)[1:]]
    assert names == ["张三"]
    assert AuditEvent.objects.get(action="residents.export.downloaded").detail["filters"] == {
        "q": "text"
    }


def test_bad_filters_send_the_clerk_back_to_the_list(client_as, family) -> None:
    response = client_as("clerk_a").get(reverse("residents:export") + "?age_min=90&age_max=10")
    assert response.status_code == 302 and reverse("residents:person_list") in response["Location"]


def test_export_needs_the_export_permission(client_as, family) -> None:
    for who in ("villager", "auditor", "system_admin"):
        assert client_as(who).get(reverse("residents:export")).status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="residents.export.downloaded").exists()


def test_outsider_exports_nothing_from_village_a(client_as, family) -> None:
    response = client_as("outsider").get(reverse("residents:export"))
    assert sheet_of(response)[1:] == []


def test_more_than_a_page_needs_reauthentication_then_works_for_five_minutes(
    client_as, register, household_a
) -> None:
    bulk(register, household_a, rules.PAGE_SIZE)
    client = client_as("clerk_a")
    url = reverse("residents:export") + "?sex=M"
    response = client.get(url)
    assert (
        response.status_code == 302 and reverse("residents:export_reauth") in response["Location"]
    )
    assert not AuditEvent.objects.filter(action="residents.export.downloaded").exists()
    form_page = client.get(response["Location"])
    assert form_page.status_code == 200
    wrong = client.post(response["Location"], {"secret": "wrong-password"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(action="residents.export.reauth_failed").count() == 1
    ok = client.post(response["Location"], {"secret": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == url
    done = client.get(url)
    assert done.status_code == 200 and len(sheet_of(done)) > rules.PAGE_SIZE
    # Five minutes later the confirmation has lapsed.
    session = client.session
    session[exporting.REAUTH_SESSION_KEY] = time.time() - exporting.REAUTH_VALID_SECONDS - 1
    session.save()
    assert client.get(url).status_code == 302


def test_a_totp_code_also_confirms(client_as, cast, register, household_a) -> None:
    bulk(register, household_a, rules.PAGE_SIZE)
    client = client_as("clerk_a")
    device = TOTPDevice.objects.get(user=cast.clerk_a)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code = f"{totp.token():06d}"
    response = client.post(reverse("residents:export_reauth"), {"secret": code})
    assert response.status_code == 302
    assert client.get(reverse("residents:export")).status_code == 200


def test_reauth_never_redirects_off_site(client_as) -> None:
    client = client_as("clerk_a")
    response = client.post(
        reverse("residents:export_reauth") + "?next=https://evil.example/", {"secret": PASSWORD}
    )
    assert response["Location"] == reverse("residents:export")


def test_export_service_refuses_very_large_lists(cast, family, monkeypatch) -> None:
    from django.core.exceptions import ValidationError

    from cunshe.residents import selectors

    monkeypatch.setattr(exporting, "EXPORT_MAX_ROWS", 1)
    with pytest.raises(ValidationError):
        exporting.export_persons(
            actor=cast.clerk_a,
            jurisdiction=jurisdiction_of(cast.clerk_a),
            filters=selectors.PersonFilters(),
        )
