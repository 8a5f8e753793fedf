"""The needs pages and API: recording from a visit or an alert page link, the list by village and
category, the detail page, referral through the form (代办 with the signed authorisation),
settling; refusals (outsider 404, province 403, a child's need hidden without
care.view_children); audited reads; pinned query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.care.models import CareNeed
from cunshe.care.services import needs as svc
from cunshe.care.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.core.models import AuditEvent
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application
from cunshe.servicedesk.tests.factories import PDF, upload

pytestmark = pytest.mark.django_db

LIST = reverse("care:need_list")
NEW = reverse("care:need_create")
API = "/api/v1/care/needs/"


def _need(cast, profile, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("category", "medical")
    kw.setdefault("description", "需要陪同去镇卫生院复查")
    return svc.need_create(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), profile_id=profile.pk, **kw
    )


def test_recording_a_need_from_the_visit_link(cast, elder, make_visit, client_as):
    visit = make_visit(elder)
    client = client_as("clerk_a")
    page = client.get(NEW, {"visit": visit.pk})
    assert page.status_code == 200 and "发现需求" in page.content.decode()
    response = client.post(
        NEW, {"visit": visit.pk, "category": "meals", "description": "每天送一顿午餐"}
    )
    need = CareNeed._base_manager.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "care:need_detail", args=[need.pk]
    )
    assert (need.visit_id, need.profile_id, need.category) == (visit.pk, elder.pk, "meals")


def test_recording_from_an_alert_and_bad_input(cast, elder, make_alert, client_as):
    alert = make_alert(elder, kind="fall")
    client = client_as("leader_a")
    bad = client.post(NEW, {"alert": alert.pk, "category": "", "description": ""})
    assert bad.status_code == 400 and CareNeed._base_manager.count() == 0
    ok = client.post(NEW, {"alert": alert.pk, "category": "medical", "description": "摔伤复查"})
    assert ok.status_code == 302
    assert CareNeed._base_manager.get().alert_id == alert.pk


def test_the_outsider_gets_404_and_the_province_403(cast, elder, client_as):
    need = _need(cast, elder)
    outsider = client_as("outsider")
    assert outsider.get(NEW, {"profile": elder.pk}).status_code == 404
    assert outsider.get(reverse("care:need_detail", args=[need.pk])).status_code == 404
    assert outsider.get(f"{API}{need.pk}").status_code == 404
    province = client_as("province_official")
    assert province.get(LIST).status_code == 403
    assert province.get(API).status_code == 403


def test_a_childs_need_is_hidden_without_view_children(cast, child, elder, client_as):
    child_need = _need(cast, child, category="education", description="作业辅导")
    _need(cast, elder)
    user = User.objects.create_user(username="county_disabled", password="x-password-123")
    RoleAssignment.objects.create(
        user=user, role=Role.COUNTY_OFFICER, region=cast.county,
        department=Department.DISABLED,
    )  # fmt: skip
    client = client_as(user)
    html = client.get(LIST).content.decode()
    assert "医疗健康" in html and "作业辅导" not in html
    assert client.get(reverse("care:need_detail", args=[child_need.pk])).status_code == 403
    assert client.get(f"{API}{child_need.pk}").status_code == 403
    assert [n["category"] for n in client.get(API).json()["items"]] == ["medical"]


def test_the_list_groups_by_village_and_category_and_is_audited(cast, elder, child, client_as):
    _need(cast, elder)
    _need(cast, child, category="education", description="作业辅导")
    html = client_as("township_officer").get(LIST).content.decode()
    assert "data-summary" in html and "闵家村委会" in html
    assert "作业辅导" in html and "需要陪同去镇卫生院复查" in html
    event = AuditEvent.objects.filter(action="care.needs.viewed").latest("id")
    assert event.detail["count"] == 2 and event.detail["children"] == 1


def test_the_detail_page_offers_referral_and_the_volunteer_button(cast, elder, client_as):
    need = _need(cast, elder)
    url = reverse("care:need_detail", args=[need.pk])
    clerk = client_as("clerk_a").get(url).content.decode()
    assert "data-refer" in clerk and "data-volunteer" in clerk
    assert reverse("volunteering:need_from_care", args=[need.pk]) in clerk
    leader = client_as("leader_a").get(url).content.decode()
    assert "data-refer" not in leader  # no servicedesk.intake
    assert "data-volunteer" not in leader  # no volunteering.manage
    assert AuditEvent.objects.filter(action="care.need.viewed").count() == 2


def test_referral_through_the_form(cast, elder, desk_item, client_as):
    need = _need(cast, elder)
    client = client_as("clerk_a")
    url = reverse("care:need_refer", args=[need.pk])
    page = client.get(url).content.decode()
    assert desk_item.name in page
    data = {
        "idempotency_key": "form-key-1",
        "version": svc.need_version(need),
        "item": desk_item.pk,
        "authorised_on": timezone.localdate().isoformat(),
    }
    missing = client.post(url, data)
    assert missing.status_code == 400 and Application._base_manager.count() == 0
    done = client.post(url, {**data, "authorisation": upload("weituo.pdf", PDF)})
    assert done.status_code == 302
    need.refresh_from_db()
    assert need.status == "referred" and need.application.mode == "daiban"
    detail = client.get(reverse("care:need_detail", args=[need.pk])).content.decode()
    assert need.application.number in detail


def test_a_stale_settle_form_is_refused(cast, elder, client_as):
    need = _need(cast, elder)
    client = client_as("clerk_a")
    url = reverse("care:need_settle", args=[need.pk])
    old = svc.need_version(need)
    assert (
        client.post(url, {"version": old, "status": "met", "outcome": "已陪同复查"}).status_code
        == 302
    )
    again = client.post(url, {"version": old, "status": "closed", "outcome": "x"})
    assert again.status_code == 400 and "已被他人修改" in again.content.decode()
    need.refresh_from_db()
    assert (need.status, need.outcome) == ("met", "已陪同复查")


def test_the_api_creates_lists_settles_and_answers_409(cast, elder, client_as):
    client = client_as("clerk_a")
    created = client.post(
        API,
        {"profile": elder.pk, "category": "policy", "description": "申请高龄津贴"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "open" and body["application"] is None
    assert client.get(API).json()["count"] == 1
    settle = f"{API}{body['id']}/settle"
    ok = client.post(
        settle, {"status": "met", "outcome": "已办理", "version": body["version"]},
        content_type="application/json",
    )  # fmt: skip
    assert ok.status_code == 200 and ok.json()["status"] == "met"
    stale = client.post(
        settle, {"status": "closed", "outcome": "x", "version": body["version"]},
        content_type="application/json",
    )  # fmt: skip
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"


def test_the_api_refers_with_a_multipart_authorisation(cast, elder, desk_item, client_as):
    need = _need(cast, elder)
    client = client_as("clerk_a")
    response = client.post(
        f"{API}{need.pk}/refer",
        {
            "item": desk_item.code,
            "authorised_on": timezone.localdate().isoformat(),
            "version": svc.need_version(need),
            "authorisation": upload("weituo.pdf", PDF),
        },
        headers={"Idempotency-Key": "api-key-1"},
    )
    assert response.status_code == 200, response.content
    app = response.json()["application"]
    assert app["status"] == "submitted" and app["finished"] is False
    assert Application._base_manager.get().number == app["number"]


def test_list_query_counts_do_not_grow_with_rows(cast, elder, child, client_as):
    client = client_as("township_officer")
    _need(cast, elder)
    client.get(LIST)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for i in range(4):
        _need(cast, child if i % 2 else elder, description=f"需求{i}")
    with CaptureQueriesContext(connection) as five:
        client.get(LIST)
    assert _count(five) == _count(one) == LIST_QUERIES
    with CaptureQueriesContext(connection) as api:
        assert client.get(API).json()["count"] == 5
    assert _count(api) == API_LIST_QUERIES


def _count(ctx: CaptureQueriesContext) -> int:
    # The session's idle-timeout stamp is written now and then (time-dependent): not counted.
    return sum(
        1
        for q in ctx.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    )


# PostgreSQL adds one: the audit chain's advisory lock (pg_advisory_xact_lock) for the read's
# audit event.
LIST_QUERIES = 9 if connection.vendor == "postgresql" else 8
API_LIST_QUERIES = 8 if connection.vendor == "postgresql" else 7
