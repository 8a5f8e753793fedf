"""National export (.xlsx): two sheets in the documented column order, masked IDs unless the
caller may unmask and asks, formula-looking text made inert, audited with row counts; the
volunteer_verify command finds and fixes drifted counters."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from cunshe.core.models import AuditEvent
from cunshe.volunteering.models import Volunteer
from cunshe.volunteering.services import records as svc
from cunshe.volunteering.tests.volunteers_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.volunteers_fixtures import OTHER_ID, jurisdiction_of


def test_export_masked_by_default(client_as, cast, vols, activity, approve_hours):
    approve_hours(vols.li, 90, activity)
    Volunteer._base_manager.filter(pk=vols.zhang.pk).update(name="=HYPERLINK(1)")
    r = client_as("clerk_a").post(reverse("volunteering:volunteers_export"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["志愿者", "服务记录"]
    rows = list(wb["志愿者"].values)
    assert list(rows[0]) == list(svc.VOLUNTEER_COLUMNS) and len(rows) == 3
    li = next(r for r in rows if r[1] == "李四")
    assert li[3] == "220102********" + OTHER_ID[-4:] and li[4] == "男" and li[12] == 1.5
    assert any(r[1] == "'=HYPERLINK(1)" for r in rows)
    records = list(wb["服务记录"].values)
    assert list(records[0]) == list(svc.RECORD_COLUMNS) and len(records) == 2
    assert records[1][5] == "三月理发日" and records[1][8] == 1.5
    event = AuditEvent.objects.get(action="volunteering.volunteers.exported")
    assert event.detail == {"volunteers": 2, "records": 1, "full_ids": False}


def test_full_ids_only_with_unmask(cast, clerk_j, vols):
    result = svc.national_export(actor=cast.clerk_a, jurisdiction=clerk_j, full_ids=True)
    ws = load_workbook(io.BytesIO(result.content))["志愿者"]
    assert OTHER_ID in [row[3] for row in ws.values]
    township_j = jurisdiction_of(cast.township_officer)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        svc.national_export(actor=cast.township_officer, jurisdiction=township_j, full_ids=True)


def test_export_access(client_as, vols):
    url = reverse("volunteering:volunteers_export")
    assert client_as("leader_a").get(url).status_code == 403
    assert client_as("villager").post(url).status_code == 403


def test_volunteer_verify_finds_and_fixes_drift(cast, vols, approve_hours, capsys):
    approve_hours(vols.li, 120)
    call_command("volunteer_verify")
    Volunteer._base_manager.filter(pk=vols.li.pk).update(approved_minutes=5, shifts_signed=3)
    with pytest.raises(CommandError):
        call_command("volunteer_verify")
    out = capsys.readouterr().out
    assert (
        "approved_minutes: cached 5, actual 120" in out
        and "shifts_signed: cached 3, actual 0" in out
    )
    call_command("volunteer_verify", "--fix")
    vols.li.refresh_from_db()
    assert (vols.li.approved_minutes, vols.li.shifts_signed) == (120, 0)
    assert AuditEvent.objects.filter(action="volunteering.volunteer.counters_fixed").count() == 1
    call_command("volunteer_verify")
