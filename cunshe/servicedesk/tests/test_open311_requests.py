"""GET requests (filters, public reports only, never the reporter, 90 days / 1000 by default),
GET requests/{id}, and mySociety's GET servicerequestupdates; query counts pinned."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cunshe.core.jurisdiction import system_scope
from cunshe.servicedesk.models import ProblemReport, ReportUpdate
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.open311_client import GeoReportClient
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import (
    REPORTER_NAME,
    REPORTER_PHONE,
    jurisdiction_of,
)


def step(cast, report, name, text="", who="clerk_a", public=True):  # type: ignore[no-untyped-def]
    user = cast.users[who]
    return services.report_step(
        actor=user, jurisdiction=jurisdiction_of(user), report=report, step=name, text=text,
        public=public,
    )  # fmt: skip


def ids(body) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["service_request_id"] for r in body}


def backdate(report, days):  # type: ignore[no-untyped-def]
    with system_scope("test backdate"):
        ProblemReport.objects.filter(pk=report.pk).update(
            created_at=timezone.now() - timedelta(days=days)
        )


@pytest.fixture
def reports(cast, make_report):  # type: ignore[no-untyped-def]
    fixed = step(cast, make_report("rubbish"), "resolve", "已清运")
    dropped = step(cast, make_report("rubbish"), "close_no_action", "不在公共区域")
    light = make_report("streetlight")
    hidden = make_report("rubbish", description="涉及隐私的问题")
    services.report_set_public(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), report=hidden,
        public=False, reason="涉及隐私",
    )  # fmt: skip
    return {"fixed": fixed, "dropped": dropped, "light": light, "hidden": hidden}


def get(resource, **params):  # type: ignore[no-untyped-def]
    return GeoReportClient("json").get(resource, **params)


def test_public_reports_only_and_never_the_reporter(reports):
    status, body = get("requests")
    assert status == 200
    assert ids(body) == {reports[k].number for k in ("fixed", "dropped", "light")}
    text = json.dumps(body, ensure_ascii=False)
    assert REPORTER_NAME not in text and REPORTER_PHONE not in text
    assert get(f"requests/{reports['hidden'].number}")[0] == 404


def test_states_map_to_open_and_closed_with_notes(reports):
    _s, body = get("requests")
    by_id = {r["service_request_id"]: r for r in body}
    assert by_id[reports["fixed"].number]["status"] == "closed"
    assert by_id[reports["fixed"].number]["status_notes"] == "已清运"
    assert by_id[reports["dropped"].number]["status"] == "closed"
    assert by_id[reports["dropped"].number]["status_notes"] == "不在公共区域"
    assert by_id[reports["light"].number]["status"] == "open"
    assert by_id[reports["light"].number]["status_notes"] is None


def test_status_service_code_and_id_filters(reports):
    assert ids(get("requests", status="open")[1]) == {reports["light"].number}
    assert ids(get("requests", status="closed")[1]) == {
        reports["fixed"].number,
        reports["dropped"].number,
    }
    assert len(get("requests", status="open,closed")[1]) == 3
    assert ids(get("requests", service_code="streetlight")[1]) == {reports["light"].number}
    wanted = f"{reports['fixed'].number},{reports['light'].number}"
    assert ids(get("requests", service_request_id=wanted)[1]) == {
        reports["fixed"].number,
        reports["light"].number,
    }
    # service_request_id overrides the other arguments, as the spec says
    assert ids(get("requests", service_request_id=wanted, status="open")[1]) == {
        reports["fixed"].number,
        reports["light"].number,
    }
    status, body = get("requests", status="pending")
    assert status == 400 and body[0]["code"] == 400


def test_dates_default_to_90_days_and_cannot_span_more(reports):
    backdate(reports["fixed"], 120)
    assert reports["fixed"].number not in ids(get("requests")[1])
    old = (timezone.now() - timedelta(days=125)).isoformat(timespec="seconds")
    older = (timezone.now() - timedelta(days=115)).isoformat(timespec="seconds")
    assert ids(get("requests", start_date=old, end_date=older)[1]) == {reports["fixed"].number}
    # a Z time and a bare date are read too
    status, _b = get("requests", start_date="2026-01-01T00:00:00Z", end_date="2026-02-01")
    assert status == 200
    status, body = get("requests", start_date=old)
    assert status == 200 and ids(body) == {reports["fixed"].number}  # start + 90 days
    for bad in ({"start_date": "yesterday"}, {"start_date": older, "end_date": old}):
        status, body = get("requests", **bad)
        assert status == 400 and body[0]["code"] == 400
    far = (timezone.now() - timedelta(days=200)).isoformat(timespec="seconds")
    assert get("requests", start_date=far, end_date=timezone.now().isoformat())[0] == 400


def test_at_most_1000_requests(reports, monkeypatch):
    from cunshe.servicedesk.selectors import reports as selectors

    monkeypatch.setattr(selectors, "OPEN311_MAX", 2)
    assert len(get("requests")[1]) == 2


def test_jurisdiction_id_narrows_to_a_subtree(cast, reports):
    assert len(get("requests", jurisdiction_id=cast.village_a.code)[1]) == 3
    assert get("requests", jurisdiction_id=cast.village_b.code)[1] == []
    assert get("requests", jurisdiction_id="229999")[0] == 404
    # a non-code jurisdiction_id (a client's name for us) is ignored
    assert len(get("requests", jurisdiction_id="cunshe.example.cn")[1]) == 3


def test_get_requests_query_count_is_constant(cast, make_report, django_assert_num_queries):
    for i in range(3):
        step(cast, make_report(description=f"问题{i}"), "acknowledge")
    client = Client()
    # the reports (with category and region), their public updates, the units' names
    with django_assert_num_queries(3):
        assert client.get("/open311/v2/requests.json").status_code == 200
    for i in range(4):
        make_report("sewage", description=f"更多{i}")
    with django_assert_num_queries(3):
        assert client.get("/open311/v2/requests.xml").status_code == 200


def test_updates_extension_lists_public_updates_with_extended_states(cast, reports):
    step(cast, reports["light"], "progress", "已报修", who="township_officer")
    step(cast, reports["light"], "resolve", "换了灯泡",
         who="township_officer", public=False)  # fmt: skip
    status, body = get("servicerequestupdates")
    assert status == 200
    assert all(
        set(u)
        == {"update_id", "service_request_id", "status", "updated_datetime", "description",
            "media_url"}
        for u in body
    )  # fmt: skip
    by_text = {u["description"]: u for u in body}
    assert by_text["已清运"]["status"] == "fixed"
    assert by_text["不在公共区域"]["status"] == "no_further_action"
    assert by_text["已报修"]["status"] == "in_progress"
    assert by_text["已报修"]["service_request_id"] == reports["light"].number
    assert "换了灯泡" not in by_text  # internal
    # the hidden report's updates are not published either
    hidden_ids = {u.pk for u in ReportUpdate.objects.filter(report=reports["hidden"])}
    assert not hidden_ids & {int(u["update_id"]) for u in body}
    status, (root, xml_body) = GeoReportClient("xml").get("servicerequestupdates")
    assert root == "service_request_updates" and len(xml_body) == len(body)


def test_updates_extension_date_range(cast, reports):
    later = (timezone.now() + timedelta(hours=1)).isoformat(timespec="seconds")
    much_later = (timezone.now() + timedelta(hours=2)).isoformat(timespec="seconds")
    assert get("servicerequestupdates", start_date=later, end_date=much_later)[1] == []
    assert get("servicerequestupdates", start_date="bad")[0] == 400


def test_control_characters_in_a_report_never_break_the_xml_feeds(cast, make_report):
    # A pasted form feed or vertical tab is legal in a description but not in XML 1.0: one such
    # report must not make requests.xml (and the updates feed) unreadable for every client.
    report = make_report("rubbish", description="垃圾\x0b堆在\x1f村\x0c口")
    step(cast, report, "resolve", "已\x08清运")
    for resource in ("requests", f"requests/{report.number}", "servicerequestupdates"):
        status, (_root, rows) = GeoReportClient("xml").get(resource)
        assert status == 200 and rows
    _s, (_r, rows) = GeoReportClient("xml").get(f"requests/{report.number}")
    assert rows[0]["description"] == "垃圾堆在村口"
    # JSON carries them escaped, as they were written.
    assert get(f"requests/{report.number}")[1][0]["description"] == "垃圾\x0b堆在\x1f村\x0c口"
