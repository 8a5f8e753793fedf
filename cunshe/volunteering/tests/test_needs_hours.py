"""Hours of a need done: the clerk records each accepted volunteer's minutes (manual entries
linked to the need, confirmed and approved by others); refusals change nothing; the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.volunteering.models import HoursEntry, Need, Volunteer
from cunshe.volunteering.services import hours as hours_svc
from cunshe.volunteering.services import needs as svc
from cunshe.volunteering.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.needs_fixtures import tomorrow_at


@pytest.fixture
def done_need(cast, clerk_j, need_maker, volunteer):  # type: ignore[no-untyped-def]
    """A 2-hour need yesterday, two places: one volunteer accepted, one only confirmed; done."""
    need = need_maker(volunteers_needed=2)
    a = volunteer("王桂兰", skills=["housework"], account=cast.villager)
    b = volunteer("李秀英", skills=["housework"])
    matches = {
        m.volunteer_id: m
        for m in svc.need_propose(actor=cast.clerk_a, jurisdiction=clerk_j, need=need)
    }
    m_a = svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=matches[a.pk])
    svc.match_accept(actor=cast.villager, jurisdiction=jurisdiction_of(cast.villager), match=m_a)
    svc.match_confirm(actor=cast.clerk_a, jurisdiction=clerk_j, match=matches[b.pk])
    Need._base_manager.filter(pk=need.pk).update(
        starts_at=tomorrow_at(9, days=-1), ends_at=tomorrow_at(11, days=-1)
    )
    need.refresh_from_db()
    need = svc.need_close(actor=cast.clerk_a, jurisdiction=clerk_j, need=need, outcome="打扫完了")
    return need, m_a, a, b


def test_accepted_volunteer_hours_are_manual_entries_of_the_need(cast, clerk_j, done_need):
    need, m_a, a, _b = done_need
    assert [m.pk for m in svc.hours_pending(need)] == [m_a.pk]  # the unanswered one was withdrawn
    (entry,) = svc.need_record_hours(
        actor=cast.clerk_a, jurisdiction=clerk_j, need=need, minutes={m_a.pk: "100"}
    )
    assert (entry.kind, entry.need_id, entry.minutes, entry.volunteer_id) == (
        "manual",
        need.pk,
        100,
        a.pk,
    )
    assert entry.reason == "需求服务：帮独居老人打扫院子" and entry.organisation_id is None
    assert entry.status == "recorded" and entry.service_date == tomorrow_at(9, days=-1).date()
    assert AuditEvent.objects.filter(action="volunteering.need.hours_recorded").count() == 1
    assert svc.hours_pending(need) == []
    # The usual flow: confirmed, then approved by someone else with volunteering.approve.
    t = jurisdiction_of(cast.township_officer)
    entry = hours_svc.hours_confirm(actor=cast.township_officer, jurisdiction=t, entry=entry)
    hours_svc.hours_approve(
        actor=cast.leader_a, jurisdiction=jurisdiction_of(cast.leader_a), entry=entry
    )
    assert Volunteer._base_manager.get(pk=a.pk).approved_minutes == 100


def test_refusals_change_nothing(cast, clerk_j, need_maker, done_need):
    need, m_a, _a, _b = done_need

    def refused(exc, **kw):  # type: ignore[no-untyped-def]
        before = HoursEntry._base_manager.count()
        args = {"actor": cast.clerk_a, "jurisdiction": clerk_j, "need": need, **kw}
        with pytest.raises(exc):
            svc.need_record_hours(**args)
        assert HoursEntry._base_manager.count() == before

    refused(ValidationError, minutes={})
    refused(ValidationError, minutes={m_a.pk: "0"})
    refused(ValidationError, minutes={m_a.pk: "abc"})
    refused(ValidationError, minutes={m_a.pk: 1441})
    refused(ValidationError, minutes={m_a.pk + 999: 60})  # not an accepted match of the need
    open_need = need_maker(title="另一个")
    refused(ValidationError, need=open_need, minutes={m_a.pk: 60})  # not done
    refused(PermissionDenied, actor=cast.leader_a, jurisdiction=jurisdiction_of(cast.leader_a),
            minutes={m_a.pk: 60})  # fmt: skip
    svc.need_record_hours(actor=cast.clerk_a, jurisdiction=clerk_j, need=need, minutes={m_a.pk: 60})
    refused(ValidationError, minutes={m_a.pk: 60})  # twice


def test_need_page_form_defaults_to_the_need_length(cast, client_as, done_need):
    need, m_a, _a, _b = done_need
    clerk = client_as("clerk_a")
    url = reverse("volunteering:need", args=[need.pk])
    page = clerk.get(url).content.decode()
    assert "data-hours-form" in page and f'name="minutes_{m_a.pk}" value="120"' in page
    hours_url = reverse("volunteering:need_hours", args=[need.pk])
    assert client_as("leader_a").post(hours_url, {f"minutes_{m_a.pk}": "90"}).status_code == 403
    assert client_as("outsider").post(hours_url, {f"minutes_{m_a.pk}": "90"}).status_code == 404
    assert not HoursEntry._base_manager.exists()
    r = clerk.post(hours_url, {f"minutes_{m_a.pk}": "90"})
    assert r.status_code == 302
    assert HoursEntry._base_manager.get(need=need).minutes == 90
    assert "data-hours-form" not in clerk.get(url).content.decode()
    assert timedelta(minutes=svc.need_minutes(need)) == need.ends_at - need.starts_at
