"""Handling a report: who may act (the unit it is routed to), resolved kept apart from closed
without action, the reporter told in their language, re-routing, visibility."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent, Notification
from cunshe.core.testing.cast import login
from cunshe.servicedesk.models import ProblemReport, ReportUpdate
from cunshe.servicedesk.services import reports as services
from cunshe.servicedesk.tests.reports_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.reports_fixtures import jurisdiction_of


def act(user, report, step, **kw):  # type: ignore[no-untyped-def]
    return services.report_step(
        actor=user, jurisdiction=jurisdiction_of(user), report=report, step=step, **kw
    )


def test_resolved_and_closed_without_action_are_different_ends(cast, make_report):
    a = make_report()
    b = make_report()
    act(cast.clerk_a, a, "acknowledge")
    a = act(cast.clerk_a, a, "resolve", text="已清运")
    b = act(cast.clerk_a, b, "close_no_action", text="属于私人院内，不在公共区域")
    assert a.state == ProblemReport.State.RESOLVED
    assert b.state == ProblemReport.State.CLOSED_NO_ACTION
    assert a.closed_at is not None and b.closed_at is not None
    assert [u.state for u in a.updates.all()] == ["acknowledged", "resolved"]
    assert b.updates.get().text == "属于私人院内，不在公共区域"
    assert b.updates.get().public is True  # the reason is always public
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"servicedesk.report.resolve", "servicedesk.report.close_no_action"} <= actions


def test_close_without_action_needs_a_reason_and_changes_nothing(cast, make_report):
    report = make_report()
    with pytest.raises(ValidationError) as exc:
        services.report_close_no_action(
            actor=cast.clerk_a,
            jurisdiction=jurisdiction_of(cast.clerk_a),
            report=report,
            reason=" ",
        )
    assert "text" in exc.value.message_dict
    report.refresh_from_db()
    assert report.state == "open" and not ReportUpdate.objects.exists()


def test_resolve_needs_a_result(cast, make_report):
    with pytest.raises(ValidationError):
        act(cast.clerk_a, make_report(), "resolve", text="")


def test_a_closed_report_cannot_move_again(cast, make_report):
    report = act(cast.clerk_a, make_report(), "resolve", text="好了")
    for step in ("acknowledge", "progress", "resolve", "close_no_action"):
        with pytest.raises(ValidationError):
            act(cast.clerk_a, report, step, text="再来")
    assert report.updates.count() == 1


def test_only_the_unit_routed_to_may_act(cast, make_report):
    sewage = make_report("sewage")  # county 生态环境
    relief = make_report("relief")  # county 民政
    # A village clerk and the township do not reach a county department's report.
    for who in (cast.clerk_a, cast.township_officer):
        with pytest.raises(PermissionDenied):
            act(who, sewage, "acknowledge")
    # The civil-affairs officer handles 民政 reports, not environment ones.
    with pytest.raises(PermissionDenied):
        act(cast.county_civil, sewage, "acknowledge")
    assert act(cast.county_civil, relief, "acknowledge").state == "acknowledged"
    env = User.objects.create_user("env", password="x" * 12)
    RoleAssignment.objects.create(
        user=env, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.ENVIRONMENT
    )
    assert act(env, sewage, "progress").state == "in_progress"


def test_township_may_act_on_village_reports_but_villager_and_outsider_may_not(cast, make_report):
    report = make_report()
    with pytest.raises(PermissionDenied):
        act(cast.villager, report, "acknowledge")
    with pytest.raises(PermissionDenied):
        act(cast.outsider, report, "acknowledge")
    assert act(cast.township_officer, report, "acknowledge").state == "acknowledged"


def test_reporter_is_told_in_their_language(cast, make_report, villager):
    villager.language = "en"
    villager.save()
    report = make_report()
    act(cast.clerk_a, report, "resolve", text="cleared")
    notes = Notification.objects.filter(recipient=villager)
    assert {n.channel for n in notes} == {"in_app", "sms"}
    body = notes.first().body
    assert report.number in body and "cleared" in body


def test_clerk_entered_reporter_without_account_gets_an_sms(cast, categories):
    j = jurisdiction_of(cast.clerk_a)
    report = services.report_create(
        actor=cast.clerk_a, jurisdiction=j, region=cast.village_a, category=categories["rubbish"],
        description="x", address="y", reporter_name="赵四", reporter_phone="13600001111",
    )  # fmt: skip
    act(cast.clerk_a, report, "acknowledge")
    note = Notification.objects.get()
    assert note.recipient is None and note.channel == "sms"


def test_reroute_routes_again_from_the_place(cast, make_report, categories):
    report = make_report("rubbish")
    j = jurisdiction_of(cast.clerk_a)
    with pytest.raises(ValidationError):
        services.report_reroute(
            actor=cast.clerk_a, jurisdiction=j, report=report, category=categories["sewage"],
            reason="",
        )  # fmt: skip
    report = services.report_reroute(
        actor=cast.clerk_a, jurisdiction=j, report=report, category=categories["sewage"],
        reason="是养殖场排污",
    )  # fmt: skip
    assert (report.handler_code, report.handler_department) == ("220182", "environment")
    assert report.updates.get().public is False
    # The village no longer handles it.
    with pytest.raises(PermissionDenied):
        act(cast.clerk_a, report, "acknowledge")


def test_hiding_needs_a_reason(cast, make_report):
    report = make_report()
    j = jurisdiction_of(cast.clerk_a)
    with pytest.raises(ValidationError):
        services.report_set_public(actor=cast.clerk_a, jurisdiction=j, report=report, public=False)
    report = services.report_set_public(
        actor=cast.clerk_a, jurisdiction=j, report=report, public=False, reason="涉及个人隐私"
    )
    assert report.public is False


def test_step_page_shows_refusal_and_changes_nothing(cast, make_report):
    from django.urls import reverse

    report = make_report()
    client = login(Client(), cast.clerk_a)
    url = reverse("servicedesk:report", args=[report.pk])
    r = client.post(url, {"action": "close_no_action", "text": ""})
    assert r.status_code == 400
    assert "不予处理必须说明原因" in r.content.decode()
    report.refresh_from_db()
    assert report.state == "open"
    r = client.post(url, {"action": "resolve", "text": "已清运", "public": "on"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.state == "resolved"
