"""随手拍 pages: the staff desk shows the reporter, the village's public page never does; access
(404 outside, 403 without the permission); the photo served inline after a check; query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import (
    JPEG,
    REPORTER_NAME,
    REPORTER_PHONE,
    jpeg,
    jurisdiction_of,
)

DESK = reverse("servicedesk:reports_desk")


def detail(report) -> str:  # type: ignore[no-untyped-def]
    return reverse("servicedesk:report", args=[report.pk])


def photo(report) -> str:  # type: ignore[no-untyped-def]
    return reverse("servicedesk:report_photo", args=[report.pk])


def public(code: str) -> str:
    return reverse("servicedesk:village_reports", args=[code])


@pytest.fixture
def handled(cast, make_report, media):  # type: ignore[no-untyped-def]
    report = make_report(photo=jpeg())
    services.report_step(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), report=report,
        step="resolve", text="已安排保洁员清运完毕",
    )  # fmt: skip
    return report


def test_public_page_hides_the_reporter_and_shows_state_and_public_updates(cast, handled):
    services.report_step(
        actor=cast.township_officer,
        jurisdiction=jurisdiction_of(cast.township_officer),
        report=make_second(cast),
        step="progress",
        text="内部备注：联系王秀兰家属",
        public=False,
    )
    r = Client().get(public(cast.village_a.code))  # no sign-in
    assert r.status_code == 200
    html = r.content.decode()
    assert "村口垃圾堆了三天" in html
    assert "已解决" in html and "已安排保洁员清运完毕" in html
    assert REPORTER_NAME not in html
    assert REPORTER_PHONE not in html and REPORTER_PHONE[-4:] not in html
    assert "内部备注" not in html
    assert photo(handled) not in html


def make_second(cast):  # type: ignore[no-untyped-def]
    from cunshe.servicedesk.models import ReportCategory

    return services.report_create(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), region=cast.village_a,
        category=ReportCategory.objects.get(code="streetlight"), description="路灯不亮",
        address="二组", reporter_name="赵四", reporter_phone="13600001111",
    )  # fmt: skip


def test_staff_page_shows_the_reporter(client_as, handled):
    html = client_as("clerk_a").get(detail(handled)).content.decode()
    assert REPORTER_NAME in html
    assert "139****5678" in html  # masked until revealed
    assert REPORTER_PHONE not in html
    assert photo(handled) in html
    desk = client_as("clerk_a").get(DESK).content.decode()
    assert REPORTER_NAME in desk and handled.number in desk


def test_revealing_the_phone_is_audited(client_as, handled):
    r = client_as("clerk_a").post(detail(handled), {"action": "reveal"})
    assert r.status_code == 200
    assert REPORTER_PHONE in r.content.decode()
    assert AuditEvent.objects.filter(action="servicedesk.report.reporter_revealed").count() == 1


def test_hidden_report_leaves_the_public_page(cast, handled):
    services.report_set_public(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), report=handled,
        public=False, reason="照片拍到了人",
    )  # fmt: skip
    assert handled.number not in Client().get(public(cast.village_a.code)).content.decode()
    assert "村口垃圾堆了三天" not in Client().get(public(cast.village_a.code)).content.decode()


@pytest.mark.parametrize(
    "code", ["220182102", "220182102200001", "22018210220", "abcdefghijkl", "999999999999"]
)
def test_public_page_is_404_for_anything_but_a_village(cast, code):
    assert Client().get(public(code)).status_code == 404


def test_other_village_reports_do_not_show(cast, handled):
    assert handled.number not in Client().get(public(cast.village_b.code)).content.decode()


def test_outsider_gets_404_on_every_staff_url_with_real_ids(client_as, handled):
    outsider = client_as("outsider")
    assert outsider.get(detail(handled)).status_code == 404
    assert outsider.post(detail(handled), {"action": "resolve", "text": "x"}).status_code == 404
    assert outsider.get(photo(handled)).status_code == 404
    listing = outsider.get(DESK)
    assert listing.status_code == 200 and handled.number not in listing.content.decode()


def test_county_officer_of_another_department_gets_404(client_as, handled):
    assert client_as("county_civil").get(detail(handled)).status_code == 404


def test_role_without_permission_gets_403(client_as, handled):
    leader = client_as("leader_a")
    assert leader.get(DESK).status_code == 403
    assert leader.get(detail(handled)).status_code == 403
    assert AuditEvent.objects.filter(action="core.permission.denied").exists()


def test_photo_is_served_inline_with_nosniff(client_as, handled, villager):
    r = client_as("clerk_a").get(photo(handled))
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert r["Content-Disposition"].startswith("inline")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == JPEG
    # The reporter may see their own photo; anonymous people are sent to sign in.
    assert client_as(villager).get(photo(handled)).status_code == 200
    assert Client().get(photo(handled)).status_code == 302


def test_desk_filters(client_as, cast, handled, make_report):
    open_one = make_report("streetlight", description="路灯坏了")
    township = client_as("township_officer")
    html = township.get(DESK, {"state": "open"}).content.decode()
    assert open_one.number in html and handled.number not in html
    html = township.get(DESK, {"state": "resolved"}).content.decode()
    assert handled.number in html and open_one.number not in html
    html = township.get(DESK, {"category": handled.category_id}).content.decode()
    assert handled.number in html and open_one.number not in html
    assert open_one.number not in township.get(DESK, {"older_than_days": 3}).content.decode()
    assert township.get(DESK, {"older_than_days": "-1"}).status_code == 200


def test_public_page_query_count_is_constant(cast, make_report, django_assert_num_queries):
    for i in range(3):
        make_report(description=f"问题{i}")
    client = Client()
    # region lookup, the reports (with category and region), their public updates
    with django_assert_num_queries(3):
        client.get(public(cast.village_a.code))
    for i in range(5):
        make_report(description=f"更多{i}")
    with django_assert_num_queries(3):
        assert client.get(public(cast.village_a.code)).status_code == 200


def test_desk_query_count_is_constant(client_as, make_report, django_assert_num_queries):
    make_report()
    client = client_as("clerk_a")
    client.get(DESK)
    # session, user, OTP device, assignments, categories, reports (with category and region),
    # and the session's idle-timeout refresh (an UPDATE inside a savepoint: three statements)
    with django_assert_num_queries(9):
        client.get(DESK)
    for i in range(4):
        make_report(description=f"问题{i}")
    with django_assert_num_queries(9):
        assert client.get(DESK).status_code == 200
