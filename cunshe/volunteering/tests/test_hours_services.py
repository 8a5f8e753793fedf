"""Hours: the counting and rounding rule table, confirm → approve, refusals (own hours, four
eyes, wrong status), manual entries, corrections (never below zero), bulk, immutability."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import HoursEntry, ImmutableError, Volunteer
from cunshe.volunteering.services import hours as svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.activities_fixtures import reload

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(480))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# shift 09:00–11:00; (mode, unit, check-in, check-out) → (raw, rounded)
RULE_TABLE = [
    ("down", 15, 0, 52, 52, 45),
    ("nearest", 15, 0, 52, 52, 45),
    ("nearest", 15, 0, 53, 53, 60),
    ("up", 15, 0, 46, 46, 60),
    ("up", 15, 0, 45, 45, 45),
    ("down", 30, 0, 119, 119, 90),
    ("down", 1, 0, 7, 7, 7),
    # Early arrival (travel, waiting) does not count: from the shift's start.
    ("down", 15, -25, 60, 60, 60),
    # Staying late counts up to the overtime limit (60 min): 11:00 + 60 = 12:00.
    ("down", 15, 0, 150, 150, 150),
    ("down", 15, 0, 400, 180, 180),
    # Arrived late: from the sign-in.
    ("nearest", 15, 38, 120, 82, 75),
    # Signed out before the shift started: nothing.
    ("up", 15, -30, -5, 0, 0),
]


@pytest.mark.parametrize(("mode", "unit", "cin", "cout", "raw", "rounded"), RULE_TABLE)
def test_rounding_rule_table(settings, mode, unit, cin, cout, raw, rounded):
    settings.VOLUNTEERING_RULES = {"HOURS_ROUNDING_MODE": mode, "HOURS_ROUNDING_MINUTES": unit}
    assert svc.counted_minutes(at(0), at(120), at(cin), at(cout)) == (raw, rounded)


def test_overtime_rule_is_configurable(settings):
    settings.VOLUNTEERING_RULES = {"SHIFT_OVERTIME_MINUTES": 0, "HOURS_ROUNDING_MINUTES": 1}
    assert svc.counted_minutes(at(0), at(120), at(0), at(200)) == (120, 120)


@pytest.fixture
def entry_of(cast, jurisdictions, vol):  # type: ignore[no-untyped-def]
    def make(volunteer=None, minutes=120, status=None):  # type: ignore[no-untyped-def]
        v = volunteer or vol()
        e = svc.hours_record_manual(
            actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], volunteer=v,
            minutes=minutes, service_date=timezone.localdate(), reason="义诊当天未带手机签到",
        )  # fmt: skip
        if status in ("confirmed", "approved"):
            e = svc.hours_confirm(
                actor=cast.township_officer, jurisdiction=jurisdictions["township_officer"], entry=e
            )
        if status == "approved":
            e = svc.hours_approve(actor=cast.leader_a, jurisdiction=jurisdictions["leader_a"],
                                  entry=e)  # fmt: skip
        return e

    return make


def _snapshot():  # type: ignore[no-untyped-def]
    return (
        list(HoursEntry._base_manager.order_by("pk").values_list("pk", "status", "minutes")),
        list(Volunteer._base_manager.order_by("pk").values_list("pk", "approved_minutes")),
    )


def refused(fn, match, **kw):  # type: ignore[no-untyped-def]
    before = _snapshot()
    with pytest.raises((ValidationError, PermissionDenied)) as info:
        fn(**kw)
    assert match in " ".join(getattr(info.value, "messages", [str(info.value)]))
    assert _snapshot() == before


def test_confirm_then_approve_adds_to_the_volunteer(cast, jurisdictions, entry_of):
    e = entry_of()
    e = svc.hours_confirm(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], entry=e)
    assert e.status == "confirmed" and e.confirmed_by == cast.clerk_a
    e = svc.hours_approve(actor=cast.leader_a, jurisdiction=jurisdictions["leader_a"], entry=e)
    assert e.status == "approved" and reload(e.volunteer).approved_minutes == 120
    assert AuditEvent.objects.filter(action="volunteering.hours.approved").count() == 1


def test_approving_ones_own_hours_is_refused(cast, jurisdictions, vol, entry_of):
    own = vol("村两委本人", account=cast.leader_a)
    e = entry_of(volunteer=own, status="confirmed")
    refused(svc.hours_approve, "自己", actor=cast.leader_a, jurisdiction=jurisdictions["leader_a"],
            entry=e)  # fmt: skip


def test_four_eyes_the_confirmer_cannot_approve(cast, jurisdictions, entry_of, settings):
    e = entry_of(status="confirmed")  # confirmed by the township officer (manage + approve)
    j = jurisdictions["township_officer"]
    refused(svc.hours_approve, "四眼", actor=cast.township_officer, jurisdiction=j, entry=e)
    settings.VOLUNTEERING_RULES = {"FOUR_EYES": False}
    assert svc.hours_approve(actor=cast.township_officer, jurisdiction=j, entry=e).status == (
        "approved"
    )


def test_wrong_status_and_permissions_are_refused(cast, jurisdictions, entry_of):
    e = entry_of()
    refused(svc.hours_approve, "已确认", actor=cast.leader_a,
            jurisdiction=jurisdictions["leader_a"], entry=e)  # fmt: skip
    refused(svc.hours_confirm, "组织者", actor=cast.leader_a,
            jurisdiction=jurisdictions["leader_a"], entry=e)  # fmt: skip
    refused(svc.hours_confirm, "组织者", actor=cast.outsider,
            jurisdiction=jurisdictions["outsider"], entry=e)  # fmt: skip
    e = svc.hours_confirm(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], entry=e)
    refused(svc.hours_confirm, "待确认", actor=cast.clerk_a,
            jurisdiction=jurisdictions["clerk_a"], entry=e)  # fmt: skip
    refused(svc.hours_approve, "", actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"],
            entry=e)  # fmt: skip


def test_reject_needs_a_note_and_is_final(cast, jurisdictions, entry_of):
    e = entry_of(status="confirmed")
    j = jurisdictions["leader_a"]
    refused(svc.hours_reject, "原因", actor=cast.leader_a, jurisdiction=j, entry=e, note=" ")
    e = svc.hours_reject(actor=cast.leader_a, jurisdiction=j, entry=e, note="当天活动已取消")
    assert e.status == "rejected" and reload(e.volunteer).approved_minutes == 0
    refused(svc.hours_approve, "已确认", actor=cast.leader_a, jurisdiction=j, entry=e)


def test_manual_entry_refusals(cast, jurisdictions, vol):
    j = jurisdictions["clerk_a"]
    v = vol()
    today = timezone.localdate()
    kw = {"actor": cast.clerk_a, "jurisdiction": j, "volunteer": v, "service_date": today}
    refused(svc.hours_record_manual, "原因", minutes=60, reason="", **kw)
    refused(svc.hours_record_manual, "1到1440", minutes=0, reason="补录", **kw)
    refused(svc.hours_record_manual, "1到1440", minutes=1441, reason="补录", **kw)
    kw["service_date"] = today + timedelta(days=1)
    refused(svc.hours_record_manual, "晚于今天", minutes=60, reason="补录", **kw)
    kw["service_date"] = today
    kw.update(actor=cast.leader_a, jurisdiction=jurisdictions["leader_a"])
    refused(svc.hours_record_manual, "", minutes=60, reason="补录", **kw)


def test_four_eyes_the_recorder_of_a_manual_entry_cannot_approve(cast, jurisdictions, vol):
    j = jurisdictions["township_officer"]
    e = svc.hours_record_manual(actor=cast.township_officer, jurisdiction=j, volunteer=vol(),
                                minutes=60, service_date=timezone.localdate(),
                                reason="补录")  # fmt: skip
    e = svc.hours_confirm(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"], entry=e)
    refused(svc.hours_approve, "录入人", actor=cast.township_officer, jurisdiction=j, entry=e)


def test_correction_flow_and_never_below_zero(cast, jurisdictions, entry_of):
    e = entry_of(minutes=120, status="approved")
    v = e.volunteer
    j = jurisdictions["clerk_a"]
    refused(svc.hours_correct, "原因", actor=cast.clerk_a, jurisdiction=j, entry=e, minutes=-30,
            reason="")  # fmt: skip
    refused(svc.hours_correct, "小于零", actor=cast.clerk_a, jurisdiction=j, entry=e,
            minutes=-121, reason="多记")  # fmt: skip
    refused(svc.hours_correct, "非零", actor=cast.clerk_a, jurisdiction=j, entry=e, minutes=0,
            reason="多记")  # fmt: skip
    c = svc.hours_correct(actor=cast.clerk_a, jurisdiction=j, entry=e, minutes=-90,
                          reason="实际只服务了半小时")  # fmt: skip
    assert (c.kind, c.corrects_id, c.minutes, c.status) == ("correction", e.pk, -90, "recorded")
    # A second pending correction may not take the entry below zero either.
    refused(svc.hours_correct, "小于零", actor=cast.clerk_a, jurisdiction=j, entry=e,
            minutes=-31, reason="多记")  # fmt: skip
    refused(svc.hours_correct, "已审核", actor=cast.clerk_a, jurisdiction=j, entry=c,
            minutes=10, reason="更正的更正")  # fmt: skip
    c = svc.hours_confirm(actor=cast.township_officer,
                          jurisdiction=jurisdictions["township_officer"], entry=c)  # fmt: skip
    svc.hours_approve(actor=cast.leader_a, jurisdiction=jurisdictions["leader_a"], entry=c)
    assert reload(v).approved_minutes == 30
    assert reload(e).minutes == 120  # the corrected entry itself never changes


def test_an_entry_cannot_be_edited_or_deleted(entry_of):
    e = entry_of(status="approved")
    e.minutes = 999
    with pytest.raises(ImmutableError):
        e.save()
    with pytest.raises(ImmutableError):
        e.save(update_fields=["minutes", "status"])
    with pytest.raises(ImmutableError):
        e.delete()
    assert reload(e).minutes == 120


def test_bulk_confirm_and_approve_all_or_nothing_with_one_audit_call(cast, jurisdictions,
                                                                      entry_of, vol):  # fmt: skip
    entries = [entry_of() for _ in range(3)]
    own = entry_of(volunteer=vol("本人", account=cast.clerk_a))
    refused(svc.hours_bulk, "自己", actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"],
            entries=[*entries, own], action="confirm")  # fmt: skip
    n = svc.hours_bulk(actor=cast.clerk_a, jurisdiction=jurisdictions["clerk_a"],
                       entries=entries, action="confirm")  # fmt: skip
    assert n == 3
    n = svc.hours_bulk(actor=cast.leader_a, jurisdiction=jurisdictions["leader_a"],
                       entries=entries, action="approve")  # fmt: skip
    assert n == 3
    assert sum(reload(e.volunteer).approved_minutes for e in entries) == 360
    events = AuditEvent.objects.filter(action="volunteering.hours.approved")
    assert events.count() == 3 and all(ev.detail["bulk"] for ev in events)
