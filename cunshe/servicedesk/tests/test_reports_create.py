"""随手拍 creation: who may report where, photo checked by content, location checked, routing by
category and village."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import ProblemReport
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import (
    JPEG,
    LAT,
    LON,
    PNG,
    REPORTER_NAME,
    REPORTER_PHONE,
    jpeg,
    jurisdiction_of,
)

URL = reverse("servicedesk:report_new")


def count() -> int:
    from cunshe.core.jurisdiction import system_scope

    with system_scope("test count"):
        return ProblemReport.objects.count()


def test_villager_report_is_routed_to_their_village_and_keeps_identity(make_report, cast):
    report = make_report("rubbish")
    assert report.handler_level == "village"
    assert report.handler_code == cast.village_a.code
    assert report.handler_department == ""
    assert report.region_code == cast.village_a.code
    assert report.state == "open"
    assert report.reporter_name == REPORTER_NAME
    assert report.reporter_phone == REPORTER_PHONE
    event = AuditEvent.objects.get(action="servicedesk.report.created")
    assert REPORTER_NAME not in str(event.detail) and REPORTER_PHONE not in str(event.detail)


@pytest.mark.parametrize(
    "category,level,code,department",
    [
        ("streetlight", "township", "220182102", "housing"),
        ("sewage", "county", "220182", "environment"),
    ],
)
def test_routing_by_category_level_and_department(make_report, category, level, code, department):
    report = make_report(category)
    assert (report.handler_level, report.handler_code, report.handler_department) == (
        level,
        code,
        department,
    )


def test_routing_follows_the_village(cast, categories, villager):
    clerk_b = _clerk_of(cast, cast.village_b)
    report = services.report_create(
        actor=clerk_b,
        jurisdiction=jurisdiction_of(clerk_b),
        region=cast.village_b,
        category=categories["rubbish"],
        description="路边有死鸡",
        address="古城村西头",
        reporter_name="李大爷",
    )
    assert report.handler_code == cast.village_b.code
    assert report.reporter is None and report.reporter_name == "李大爷"


def _clerk_of(cast, village):  # type: ignore[no-untyped-def]
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role

    user = User.objects.create_user(f"clerk_{village.code}", password="x" * 12)
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_CLERK, region=village)
    return user


def test_fake_jpeg_is_refused_and_nothing_is_stored(make_report, media):
    fake = SimpleUploadedFile(
        "rubbish.jpg", b"this is text, not a photo", content_type="image/jpeg"
    )
    with pytest.raises(ValidationError) as exc:
        make_report(photo=fake)
    assert "photo" in exc.value.message_dict
    assert count() == 0
    assert not any(Path(media).rglob("*")) if Path(media).exists() else True


def test_pdf_is_not_a_photo(make_report, media):
    pdf = SimpleUploadedFile("x.jpg", b"%PDF-1.4 ...", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        make_report(photo=pdf)
    assert count() == 0


def test_too_large_photo_is_refused(make_report, media, settings):
    settings.SERVICEDESK_RULES = {"MAX_UPLOAD_BYTES": 100}
    with pytest.raises(ValidationError) as exc:
        make_report(photo=jpeg())
    assert "photo" in exc.value.message_dict
    assert count() == 0


def test_real_jpeg_and_png_are_stored_under_media_not_static(make_report, media):
    report = make_report(photo=jpeg())
    assert report.photo_type == "image/jpeg"
    path = Path(report.photo.path)
    assert path.is_relative_to(media)
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert path.read_bytes() == JPEG
    assert "." not in path.name  # a random name that says nothing about the content
    png = make_report(photo=SimpleUploadedFile("a.png", PNG, content_type="image/png"))
    assert png.photo_type == "image/png"


@pytest.mark.parametrize(
    "lat,lon,address,field",
    [
        ("39.9", "116.4", "", "lat"),  # Beijing
        ("44.8", "140.0", "", "lon"),
        ("abc", LON, "", "lat"),
        (LAT, "", "", "lat"),  # one without the other
        ("", "", "   ", "address"),  # neither a point nor an address
    ],
)
def test_location_outside_jilin_or_missing_is_refused(make_report, lat, lon, address, field):
    with pytest.raises(ValidationError) as exc:
        make_report(lat=lat, lon=lon, address=address)
    assert field in exc.value.message_dict
    assert count() == 0


def test_address_alone_is_enough(make_report):
    report = make_report(lat="", lon="", address="二组东头桥边")
    assert report.lat is None and report.address == "二组东头桥边"


def test_villager_cannot_report_in_another_village(cast, villager, categories):
    with pytest.raises(PermissionDenied):
        services.report_create(
            actor=villager,
            jurisdiction=jurisdiction_of(villager),
            region=cast.village_b,
            category=categories["rubbish"],
            description="x",
            address="y",
        )
    assert count() == 0


def test_inactive_category_and_township_place_refused(make_report, categories, cast):
    categories["rubbish"].active = False
    categories["rubbish"].save()
    with pytest.raises(ValidationError):
        make_report("rubbish")
    with pytest.raises((ValidationError, PermissionDenied)):
        make_report("sewage", region=cast.township)
    assert count() == 0


def test_clerk_must_name_the_villager(cast, categories, clerk_j):
    with pytest.raises(ValidationError) as exc:
        services.report_create(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=cast.village_a,
            category=categories["rubbish"],
            description="x",
            address="y",
        )
    assert "reporter_name" in exc.value.message_dict


def test_role_without_permission_is_refused(cast, categories):
    with pytest.raises(PermissionDenied):
        services.report_create(
            actor=cast.leader_a,
            jurisdiction=jurisdiction_of(cast.leader_a),
            region=cast.village_a,
            category=categories["rubbish"],
            description="x",
            address="y",
        )


# --- the page --------------------------------------------------------------------------------


def test_page_offers_camera_and_location_without_inline_script(client_as, villager, categories):
    r = client_as(villager).get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert "servicedesk/report_locate.js" in html
    assert "<script>" not in html and " onclick=" not in html
    assert "web/villager.html" in [t.name for t in r.templates]


def test_villager_posts_a_report_with_photo_and_sees_it_listed(
    client_as, villager, categories, media
):
    client = client_as(villager)
    r = client.post(
        URL,
        {
            "category": categories["rubbish"].pk,
            "description": "垃圾桶满了",
            "lat": LAT,
            "lon": LON,
            "address": "",
            "photo": jpeg(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert count() == 1
    page = client.get(URL).content.decode()
    assert "垃圾桶满了" in page


def test_page_refuses_fake_photo_with_a_message(client_as, villager, categories, media):
    r = client_as(villager).post(
        URL,
        {
            "category": categories["rubbish"].pk,
            "description": "垃圾",
            "address": "村口",
            "photo": SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg"),
        },
    )
    assert r.status_code == 400
    assert "JPG" in r.content.decode()
    assert count() == 0


def test_clerk_reports_for_a_villager_from_the_desk(client_as, cast, categories):
    r = client_as("clerk_a").post(
        URL,
        {
            "region": cast.village_a.pk,
            "reporter_name": "赵四",
            "reporter_phone": "13600001111",
            "category": categories["streetlight"].pk,
            "description": "路灯不亮",
            "address": "二组",
        },
    )
    assert r.status_code == 302
    from cunshe.core.jurisdiction import system_scope

    with system_scope("test"):
        report = ProblemReport.objects.get()
    assert r["Location"] == reverse("servicedesk:report", args=[report.pk])
    assert report.handler_code == cast.township.code


def test_leader_without_permission_gets_403(client_as, categories):
    assert client_as("leader_a").get(URL).status_code == 403
