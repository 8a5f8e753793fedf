"""Material files are streamed only after the application's access check, as attachments that
browsers must not sniff, and every read is audited without personal data."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.core.models import AuditEvent
from cunshe.residents import services as rsvc
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.tests.desk_fixtures import *  # noqa: F403 - the fixtures
from cunshe.servicedesk.tests.desk_fixtures import material_url
from cunshe.servicedesk.tests.factories import PDF, PNG, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(cast, person, item):  # type: ignore[no-untyped-def]
    id_req = item.materials.get(doc_type="id_card")
    return submit(cast, person, item, uploads={id_req.pk: upload("id.png", PNG, "image/png")})


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def test_staff_in_scope_download_with_the_stored_type_as_an_attachment(client_as, app):
    m = app.materials.get(doc_type="id_card")
    r = client_as("township_officer").get(material_url(app, m.pk))
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("attachment;")
    assert "no-store" in r["Cache-Control"]
    assert _body(r) == PNG
    event = AuditEvent.objects.get(action="servicedesk.material.downloaded")
    assert event.object_id == str(m.pk)
    assert event.detail == {"application": app.pk, "doc_type": "id_card", "reused": False}
    assert "张桂兰" not in str(event.detail)


def test_the_written_authorisation_downloads_as_pdf(client_as, app):
    m = app.materials.get(doc_type="authorisation")
    r = client_as("clerk_a").get(material_url(app, m.pk))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert _body(r) == PDF


def test_a_material_of_another_application_is_404(client_as, cast, person, item, app):
    other = submit(cast, person, item)
    foreign = other.materials.get(doc_type="authorisation")
    r = client_as("township_officer").get(material_url(app, foreign.pk))
    assert r.status_code == 404
    assert not AuditEvent.objects.filter(action="servicedesk.material.downloaded").exists()


def test_outsider_gets_404_and_a_role_without_view_403(client_as, app):
    m = app.materials.get(doc_type="id_card")
    assert client_as("outsider").get(material_url(app, m.pk)).status_code == 404
    assert client_as("security_admin").get(material_url(app, m.pk)).status_code == 403
    assert client_as("audit_admin").get(material_url(app, m.pk)).status_code == 403
    assert not AuditEvent.objects.filter(action="servicedesk.material.downloaded").exists()


def test_applicant_household_may_download_another_household_may_not(client_as, cast, app, register):
    m = app.materials.get(doc_type="id_card")
    assert client_as("villager").get(material_url(app, m.pk)).status_code == 200
    # A villager of another household in the same village sees nothing of it.
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role

    neighbour_hh = rsvc.household_create(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), region=cast.village_a,
        number="A-009",
    )  # fmt: skip
    neighbour = register("李四", date(1980, 1, 1), household=neighbour_hh, seq=9)
    user = User.objects.create_user("13900000009", password="x" * 12)
    RoleAssignment.objects.create(user=user, role=Role.VILLAGER, region=cast.village_a)
    neighbour.account = user
    neighbour.save(update_fields=["account"])
    assert client_as(user).get(material_url(app, m.pk)).status_code == 404


def test_a_missing_file_is_404_not_500(client_as, app, media):
    m = app.materials.get(doc_type="id_card")
    (media / m.file.name).unlink()
    assert client_as("township_officer").get(material_url(app, m.pk)).status_code == 404


def test_only_those_who_work_the_matter_open_the_scans(client_as, app):
    """Supervisors list the matter but do not read ID-card scans: refused with an audited 403."""
    m = app.materials.get(doc_type="id_card")
    for who in ("leader_a", "province_official", "auditor", "county_civil"):
        r = client_as(who).get(material_url(app, m.pk))
        assert r.status_code == 403, who
    denied = AuditEvent.objects.filter(action="core.permission.denied", object_id=str(m.pk))
    assert denied.count() == 4
    assert not AuditEvent.objects.filter(action="servicedesk.material.downloaded").exists()
    # The handling unit, the village's clerk and the applicant's household do.
    for who in ("township_officer", "clerk_a", "villager"):
        assert client_as(who).get(material_url(app, m.pk)).status_code == 200, who
