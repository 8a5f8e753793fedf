"""The profile pages: list (filters, children hidden without the right, audited, query count
pinned), detail (masked, audited), edits (version-checked), export (masked, audited),
the agreement download; the outsider gets 404 and roles without care.view 403."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import PDF, at
from cunshe.core.models import AuditEvent

LIST = reverse("care:profile_list")


@pytest.fixture
def profiles(family, make_profile):  # type: ignore[no-untyped-def]
    return {
        "child": make_profile(family.child, "child", risk="high"),
        "woman": make_profile(family.mother, "woman"),
        "elderly": make_profile(family.grandmother, "elderly", risk="priority",
                                next_visit_due=at("2026-01-01 00:00")),
        "closed": make_profile(family.grandfather, "elderly", status="closed"),
    }  # fmt: skip


def _names(response):  # type: ignore[no-untyped-def]
    return {p.person.name for p in response.context["profiles"]}


def test_clerk_sees_active_profiles_and_the_read_is_audited(client_as, profiles):
    r = client_as("clerk_a").get(LIST)
    assert r.status_code == 200
    assert _names(r) == {"张小明", "李娜", "王桂芝"}
    ev = AuditEvent.objects.filter(action="care.list.viewed").last()
    assert ev.detail["count"] == 3 and ev.detail["children"] == 1


def test_filters_kind_risk_overdue_and_status(client_as, profiles):
    c = client_as("clerk_a")
    assert _names(c.get(LIST, {"kind": "elderly"})) == {"王桂芝"}
    assert _names(c.get(LIST, {"risk": "high"})) == {"张小明"}
    assert _names(c.get(LIST, {"overdue": "on"})) == {"王桂芝"}
    assert _names(c.get(LIST, {"status": "closed"})) == {"张大山"}
    assert _names(c.get(LIST, {"q": "wgz"})) == {"王桂芝"}
    assert c.get(LIST, {"kind": "nonsense"}).context["profiles"] == []


def test_disabled_federation_sees_adults_only_and_no_child_option(
    client_as, county_officer, profiles
):
    officer = county_officer("disabled_federation")
    r = client_as(officer).get(LIST)
    assert _names(r) == {"李娜", "王桂芝"}
    assert "child" not in dict(r.context["form"].fields["kind"].choices)
    child = profiles["child"]
    assert (
        client_as(officer).get(reverse("care:profile_detail", args=[child.pk])).status_code == 403
    )


def test_womens_federation_sees_children(client_as, county_officer, profiles):
    officer = county_officer("womens_federation")
    assert "张小明" in _names(client_as(officer).get(LIST))
    r = client_as(officer).get(reverse("care:profile_detail", args=[profiles["child"].pk]))
    assert r.status_code == 200


@pytest.mark.parametrize("who", ["province_official", "auditor", "villager", "system_admin"])
def test_roles_without_care_view_get_403(client_as, profiles, who):
    assert client_as(who).get(LIST).status_code == 403
    r = client_as(who).get(reverse("care:profile_detail", args=[profiles["woman"].pk]))
    assert r.status_code in (403, 404)


def test_county_justice_officer_is_refused(client_as, county_officer, profiles):
    officer = county_officer("justice")
    assert client_as(officer).get(LIST).status_code == 403
    r = client_as(officer).get(reverse("care:profile_detail", args=[profiles["woman"].pk]))
    assert r.status_code == 403
    assert AuditEvent.objects.filter(
        action="care.permission.denied", actor_username="county_justice"
    ).exists()


def test_outsider_gets_404_on_every_profile_page(client_as, profiles):
    c = client_as("outsider")
    assert _names(c.get(LIST)) == set()
    pk = profiles["child"].pk
    for url in [
        reverse("care:profile_detail", args=[pk]),
        reverse("care:profile_agreement", args=[pk]),
        reverse("care:profile_edit", args=[pk, "school"]),
        reverse("care:visit_new", args=[pk]),
    ]:
        assert c.get(url).status_code == 404, url
    assert c.post(reverse("care:profile_edit", args=[pk, "school"]),
                  {"version": 1, "school": "x"}).status_code == 404  # fmt: skip


def test_list_query_count_is_constant(client_as, profiles, family, make_profile, register):
    c = client_as("leader_a")
    c.get(LIST)
    with CaptureQueriesContext(connection) as few:
        c.get(LIST)
    for i in range(6):
        person = register(f"老人{i}", date(1940, 1, 1 + i), "F", "52", seq=40 + i,
                          household=_household(family, i))  # fmt: skip
        make_profile(person, "elderly")
    with CaptureQueriesContext(connection) as many:
        r = c.get(LIST)
    assert len(r.context["profiles"]) == 9
    assert len(many.captured_queries) == len(few.captured_queries)
    # Session, user, role, nav; the page's reads; one audit event (PostgreSQL also takes
    # the audit chain's advisory lock).
    assert len(many.captured_queries) == 14 + (connection.vendor == "postgresql")


def _household(family, i):  # type: ignore[no-untyped-def]
    from cunshe.accounts.models import User
    from cunshe.care.tests.profiles_fixtures import jurisdiction_of
    from cunshe.residents import services as rs

    clerk = User.objects.get(username="clerk_a")
    return rs.household_create(actor=clerk, jurisdiction=jurisdiction_of(clerk),
                               region=family.household.region, number=f"B-{i}")  # fmt: skip


def test_detail_masks_id_and_phone_and_is_audited(client_as, profiles, family):
    r = client_as("leader_a").get(reverse("care:profile_detail", args=[profiles["woman"].pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert family.mother.id_number not in body
    assert r.context["person_id_masked"].count("*") == 8
    assert AuditEvent.objects.filter(
        action="care.profile.viewed", object_id=str(profiles["woman"].pk)
    ).exists()


def test_edit_school_then_stale_page_is_409(client_as, profiles):
    c = client_as("clerk_a")
    child = profiles["child"]
    url = reverse("care:profile_edit", args=[child.pk, "school"])
    assert c.get(url).status_code == 200
    r = c.post(url, {"version": 1, "school": "闵家小学", "school_class": "四年级"})
    assert r.status_code == 302
    r = c.post(url, {"version": 1, "school": "旧页面"})
    assert r.status_code == 409
    child.refresh_from_db()
    assert child.school == "闵家小学"


def test_leader_cannot_edit(client_as, profiles):
    url = reverse("care:profile_edit", args=[profiles["child"].pk, "school"])
    assert client_as("leader_a").get(url).status_code == 403


def test_school_section_is_for_children_only(client_as, profiles):
    url = reverse("care:profile_edit", args=[profiles["woman"].pk, "school"])
    assert client_as("clerk_a").get(url).status_code == 404


def test_edit_risk_contacts_and_carers_through_the_pages(client_as, profiles, cast):
    c = client_as("clerk_a")
    p = profiles["elderly"]
    r = c.post(reverse("care:profile_edit", args=[p.pk, "risk"]),
               {"version": 1, "criteria": ["alone", "incapacitated"]})  # fmt: skip
    assert r.status_code == 302
    r = c.post(reverse("care:profile_edit", args=[p.pk, "contacts"]), {
        "version": 2, "contacts-TOTAL_FORMS": 2, "contacts-INITIAL_FORMS": 0,
        "contacts-0-name": "邻居", "contacts-0-relation": "邻居", "contacts-0-phone": "13900000009",
        "contacts-1-name": "张伟", "contacts-1-relation": "儿子", "contacts-1-phone": "13900000001",
        "contacts-1-is_family": "on",
    })  # fmt: skip
    assert r.status_code == 302
    r = c.post(reverse("care:profile_edit", args=[p.pk, "carers"]),
               {"version": 3, "carer_type": "cadre", "user": str(cast.leader_a.pk)})  # fmt: skip
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.risk_level == "high" and p.version == 4
    assert list(p.contacts.values_list("name", flat=True)) == ["张伟", "邻居"]
    assert p.carers.get().user == cast.leader_a
    r = c.post(reverse("care:profile_edit", args=[p.pk, "carers"]),
               {"version": 4, "carer_type": "grid", "name": "网格员"})  # fmt: skip
    assert r.status_code == 400 and "phone" in r.context["form"].errors


def test_guardian_agreement_upload_and_audited_download(client_as, profiles, media, family):
    c = client_as("clerk_a")
    child = profiles["child"]
    r = c.post(reverse("care:profile_edit", args=[child.pk, "guardian"]), {
        "version": 1, "guardian_person": str(family.grandfather.pk), "guardian_relation": "祖父",
        "guardian_phone": "13900001111", "agreement_signed_on": "2026-01-10",
        "agreement_file": SimpleUploadedFile("协议.pdf", PDF, "application/pdf"),
    })  # fmt: skip
    assert r.status_code == 302, r.context and r.context["form"].errors
    r = client_as("leader_a").get(reverse("care:profile_agreement", args=[child.pk]))
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="care.agreement.viewed").exists()


def test_export_is_masked_and_audited(client_as, profiles, family):
    from openpyxl import load_workbook

    r = client_as("clerk_a").get(reverse("care:profile_export"))
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    rows = list(book.active.values)
    assert len(rows) == 4  # header + 3 active
    flat = " ".join(str(v) for row in rows for v in row)
    assert family.mother.id_number not in flat
    assert "********" in flat
    ev = AuditEvent.objects.filter(action="care.export.downloaded").last()
    assert ev.detail["rows"] == 3 and ev.detail["children"] == 1


def test_leader_may_not_export(client_as, profiles):
    assert client_as("leader_a").get(reverse("care:profile_export")).status_code == 403
