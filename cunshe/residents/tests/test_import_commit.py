"""Committing an import: all-or-nothing, valid households only with a file of rejected rows,
re-import idempotence, upserts, and one audit event per import."""

from __future__ import annotations

import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from cunshe.core.models import AuditEvent
from cunshe.residents import importing
from cunshe.residents.models import Household, Person, ResidenceEvent
from cunshe.residents.tests.importdata import csv_bytes, family, person

pytestmark = pytest.mark.django_db


def run(cast, j, rows, mode=importing.Mode.VALID_ONLY, bulk=None):  # type: ignore[no-untyped-def]
    table = importing.read_upload("list.csv", csv_bytes(rows))
    return importing.commit(actor=cast.clerk_a, jurisdiction=j, table=table, mode=mode, bulk=bulk)


def counts(j):  # type: ignore[no-untyped-def]
    return (
        Household.objects.within(j).count(),
        Person.objects.within(j).count(),
        ResidenceEvent.objects.within(j).count(),
    )


def bad_file():  # type: ignore[no-untyped-def]
    rows = family("H1") + family("H2", seq=20)
    rows[4]["民族"] = "火星族"  # one bad member: household H2 goes as a unit
    return rows


def test_a_clean_file_registers_households_persons_and_events(cast, clerk_j) -> None:
    _plan, result = run(cast, clerk_j, family(), importing.Mode.ALL_OR_NOTHING)
    assert (result.created_households, result.created_persons) == (1, 3)
    assert counts(clerk_j) == (1, 3, 3)
    son = Person.objects.within(clerk_j).get(name="张小明")
    assert son.residence_status == "away_work" and son.away_destination == "长春市"
    assert son.status_since == date(2019, 3, 1)
    head = Person.objects.within(clerk_j).get(name="张三")
    assert head.phone == "13812345678" and head.household.region_code == "220182102200001"


def test_all_or_nothing_writes_nothing_when_any_row_is_bad(cast, clerk_j) -> None:
    _plan, result = run(cast, clerk_j, bad_file(), importing.Mode.ALL_OR_NOTHING)
    assert not result.written
    assert counts(clerk_j) == (0, 0, 0)
    assert result.rejected_rows == 6


def test_valid_only_imports_whole_good_households_and_rejects_bad_ones(cast, clerk_j) -> None:
    plan, result = run(cast, clerk_j, bad_file(), importing.Mode.VALID_ONLY)
    assert result.written
    assert list(Household.objects.within(clerk_j).values_list("number", flat=True)) == ["H1"]
    assert result.rejected_rows == 3
    assert [r.number for r in plan.rejected_rows()] == [5, 6, 7]


def test_rejected_rows_file_has_the_rows_and_their_reasons(cast, clerk_j) -> None:
    plan, _result = run(cast, clerk_j, bad_file(), importing.Mode.VALID_ONLY)
    data = importing.rejected_rows_xlsx(plan)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["错误原因", "原行号", "村/组代码"]
    body = sheet[1:]
    assert [int(r[1]) for r in body] == [5, 6, 7]
    assert "民族" in body[1][0] and "代码表" in body[1][0]
    assert "整户未导入" in body[0][0]
    assert body[1][2 + 3] == "李梅"  # the row as uploaded (姓名 is the 4th template column)


def test_reimporting_the_same_file_changes_nothing(cast, clerk_j) -> None:
    rows = family()
    rows[1]["户籍在本村"] = "否"
    rows[1]["户籍地代码"] = "220102"
    rows[1]["居住状态"] = "在本村"
    run(cast, clerk_j, rows)
    before = list(Person.objects.within(clerk_j).values("id", "version", "updated_at"))
    events_before = AuditEvent.objects.filter(action__startswith="residents.person").count()
    _plan, result = run(cast, clerk_j, rows)
    assert (result.created_households, result.created_persons, result.updated_persons) == (0, 0, 0)
    assert result.unchanged == 3
    assert list(Person.objects.within(clerk_j).values("id", "version", "updated_at")) == before
    assert counts(clerk_j) == (1, 3, 3)
    assert AuditEvent.objects.filter(action__startswith="residents.person").count() == events_before
    wife = Person.objects.within(clerk_j).get(name="李梅")
    assert wife.hukou_region_code == "220102" and wife.residence_status == "non_hukou"


def test_reimport_updates_changed_details_through_the_service(cast, clerk_j) -> None:
    run(cast, clerk_j, family())
    rows = family()
    rows[0]["手机号"] = "13900000000"
    rows[0]["政治面貌"] = "01 中共党员"
    rows[0]["低保户"] = "是"
    _plan, result = run(cast, clerk_j, rows)
    assert (result.updated_persons, result.unchanged, result.updated_households) == (1, 2, 1)
    head = Person.objects.within(clerk_j).get(name="张三")
    assert head.phone == "13900000000" and head.political_status == "01" and head.version == 2
    assert head.household.is_dibao
    assert AuditEvent.objects.filter(action="residents.person.updated").count() == 1


def test_new_member_of_an_existing_household_joins_it(cast, clerk_j) -> None:
    run(cast, clerk_j, family())
    rows = [*family(), person("H1", "30 女", "张小红", date(2001, 2, 2), 30, "F")]
    _plan, result = run(cast, clerk_j, rows)
    assert (result.created_households, result.created_persons) == (0, 1)
    assert Household.objects.within(clerk_j).get().members.count() == 4


def test_a_later_file_without_the_head_row_uses_the_registered_head(cast, clerk_j) -> None:
    run(cast, clerk_j, family())
    plan, result = run(cast, clerk_j, [person("H1", "30 女", "张小红", date(2001, 2, 2), 30, "F")])
    assert plan.problems == [] and result.created_persons == 1


def test_one_audit_event_per_import_with_counts(cast, clerk_j) -> None:
    run(cast, clerk_j, bad_file(), importing.Mode.VALID_ONLY)
    event = AuditEvent.objects.get(action="residents.import.committed")
    assert event.detail["created_persons"] == 3
    assert event.detail["rejected_rows"] == 3
    assert event.detail["mode"] == importing.Mode.VALID_ONLY
    assert "13812345678" not in str(event.detail)


def test_an_outsider_cannot_import_into_another_village(cast) -> None:
    from cunshe.residents.tests.conftest import jurisdiction_of

    j = jurisdiction_of(cast.outsider)
    table = importing.read_upload("list.csv", csv_bytes(family()))
    plan, result = importing.commit(
        actor=cast.outsider, jurisdiction=j, table=table, mode=importing.Mode.VALID_ONLY
    )
    assert not result.written
    assert {p.column for p in plan.problems} == {"村/组代码"}
    assert Person._base_manager.count() == 0 and Household._base_manager.count() == 0


def test_import_needs_the_import_permission(cast) -> None:
    from django.core.exceptions import PermissionDenied

    from cunshe.residents.tests.conftest import jurisdiction_of

    j = jurisdiction_of(cast.leader_a)
    table = importing.read_upload("list.csv", csv_bytes(family()))
    with pytest.raises(PermissionDenied):
        importing.commit(actor=cast.leader_a, jurisdiction=j, table=table, mode="valid_only")
    with pytest.raises(PermissionDenied):
        importing.dry_run(actor=cast.leader_a, jurisdiction=j, table=table)


def test_a_person_moved_out_earlier_is_taken_back(cast, clerk_j) -> None:
    from cunshe.residents import services

    run(cast, clerk_j, family())
    son = Person.objects.within(clerk_j).get(name="张小明")
    services.event_record(
        actor=cast.clerk_a, jurisdiction=clerk_j, person=son, kind="move_out",
        occurred_on=date(2021, 1, 1), destination="长春",
    )  # fmt: skip
    rows = family()
    rows[2]["状态起始日期"] = "2022-01-01"
    plan, result = run(cast, clerk_j, rows, bulk=True)
    assert plan.problems == [] and result.created_persons == 1
    son.refresh_from_db()
    assert son.residence_status == "away_work" and Person.objects.within(clerk_j).count() == 3
