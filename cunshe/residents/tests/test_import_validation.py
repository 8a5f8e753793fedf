"""Dry run: every bad row is reported with its row number, column and a clerk-readable reason,
and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.core.models import AuditEvent
from cunshe.residents import importing
from cunshe.residents.models import Household, Person
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.residents.tests.importdata import (
    VILLAGE_A,
    VILLAGE_C,
    csv_bytes,
    family,
    ident,
    person,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def check(j, rows):  # type: ignore[no-untyped-def]
    return importing.validate(j, importing.read_upload("list.csv", csv_bytes(rows)))


def reasons(plan, row: int, column: str) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(p.reason for p in plan.problems if p.row == row and p.column == column)


def test_a_clean_family_has_no_problems(clerk_j) -> None:
    plan = check(clerk_j, family())
    assert plan.problems == []
    assert [len(h.members) for h in plan.valid_households] == [3]


def test_xlsx_and_csv_read_the_same(clerk_j) -> None:
    from_csv = importing.read_upload("a.csv", csv_bytes(family()))
    from_xlsx = importing.read_upload("a.xlsx", xlsx_bytes(family()))
    assert [r.values for r in from_csv.rows] == [r.values for r in from_xlsx.rows]


def test_gbk_csv_is_read(clerk_j) -> None:
    table = importing.read_upload("a.csv", csv_bytes(family(), encoding="gbk"))
    assert table.rows[0].values["name"] == "张三"


def test_bad_check_digit_is_reported_with_its_reason(clerk_j) -> None:
    rows = family()
    good = rows[1]["身份证号"]
    rows[1]["身份证号"] = good[:17] + ("0" if good[17] != "0" else "1")
    plan = check(clerk_j, rows)
    assert "校验位" in reasons(plan, 3, "身份证号")


def test_wrong_length_is_reported(clerk_j) -> None:
    rows = family()
    rows[0]["身份证号"] = "22018219700501"
    assert "18位" in reasons(check(clerk_j, rows), 2, "身份证号")


def test_birth_date_column_must_match_the_id(clerk_j) -> None:
    rows = family()
    rows[0]["出生日期"] = "1970-05-02"
    rows[1]["出生日期"] = "1972/3/8"
    plan = check(clerk_j, rows)
    assert "不一致" in reasons(plan, 2, "出生日期")
    assert reasons(plan, 3, "出生日期") == ""


def test_id_duplicated_within_the_file(clerk_j) -> None:
    rows = family()
    rows[2]["身份证号"] = rows[1]["身份证号"]
    assert "第3行重复" in reasons(check(clerk_j, rows), 4, "身份证号")


def test_id_registered_in_another_village_is_refused_without_naming_it(cast, register) -> None:
    other = jurisdiction_of(cast.outsider)
    from cunshe.residents import services

    hh = services.household_create(
        actor=cast.outsider, jurisdiction=other, region=cast.village_c, number="C1"
    )
    services.person_register(
        actor=cast.outsider, jurisdiction=other, household=hh, relationship="02", name="王五",
        id_number=ident(date(1970, 5, 1)), since=date(2020, 1, 1),
    )  # fmt: skip
    plan = check(jurisdiction_of(cast.clerk_a), family())
    text = reasons(plan, 2, "身份证号")
    assert "已在其他村登记" in text
    assert "孤家子" not in text and VILLAGE_C not in text


def test_unknown_region_code(clerk_j) -> None:
    rows = family()
    for r in rows:
        r["村/组代码"] = "220182102299"
    assert "不存在" in reasons(check(clerk_j, rows), 2, "村/组代码")


def test_region_outside_the_jurisdiction_is_refused_per_row(clerk_j) -> None:
    rows = family() + family("C9", seq=7)
    for r in rows[3:]:
        r["村/组代码"] = VILLAGE_C
    plan = check(clerk_j, rows)
    assert {p.row for p in plan.problems if p.column == "村/组代码"} == {5, 6, 7}
    assert "管辖范围" in reasons(plan, 5, "村/组代码")
    assert [h.number for h in plan.valid_households] == ["H1"]


def test_unknown_code_in_a_coded_column(clerk_j) -> None:
    rows = family()
    rows[0]["民族"] = "99"
    rows[1]["与户主关系"] = "配偶们"
    rows[2]["文化程度"] = "博士后"
    plan = check(clerk_j, rows)
    assert "代码表" in reasons(plan, 2, "民族")
    assert "代码表" in reasons(plan, 3, "与户主关系")
    assert "代码表" in reasons(plan, 4, "文化程度")


def test_codes_are_accepted_as_code_label_or_label(clerk_j) -> None:
    rows = family()
    rows[0]["民族"] = "朝鲜族"
    rows[1]["民族"] = "10"
    plan = check(clerk_j, rows)
    assert plan.problems == []
    members = plan.households[0].members
    assert members[0].details["ethnicity"] == members[1].details["ethnicity"] == "10"


def test_household_without_a_head(clerk_j) -> None:
    rows = family()[1:]
    assert "没有户主" in reasons(check(clerk_j, rows), 2, "与户主关系")


def test_household_with_two_heads(clerk_j) -> None:
    rows = family()
    rows[1]["与户主关系"] = "02 户主"
    assert "两个户主" in reasons(check(clerk_j, rows), 3, "与户主关系")


@pytest.mark.parametrize(
    ("relationship", "born", "word"),
    [
        ("20 子", date(1965, 1, 1), "年轻"),  # a son older than the head
        ("32 长女", date(1975, 1, 1), "年轻"),  # a daughter five years younger: impossible
        ("51 父亲", date(1975, 1, 1), "年长"),  # a father younger than the head
        ("41 孙子", date(1985, 1, 1), "年轻"),  # a grandson only 15 years younger
        ("61 祖父", date(1960, 1, 1), "年长"),  # a grandfather only 10 years older
    ],
)
def test_relationship_impossible_for_the_ages(clerk_j, relationship, born, word) -> None:  # type: ignore[no-untyped-def]
    rows = [family()[0], person("H1", relationship, "成员", born, 9, "M")]
    assert word in reasons(check(clerk_j, rows), 3, "与户主关系")


def test_spouse_and_siblings_have_no_age_rule(clerk_j) -> None:
    rows = [
        family()[0],
        person("H1", "10 配偶", "老伴", date(1950, 1, 1), 9, "F"),
        person("H1", "73 弟", "弟弟", date(1990, 1, 1), 8, "M"),
    ]
    assert check(clerk_j, rows).problems == []


def test_bad_dates(clerk_j) -> None:
    rows = family()
    rows[0]["状态起始日期"] = "2020-13-45"
    rows[1]["状态起始日期"] = "2999-01-01"
    rows[2]["状态起始日期"] = "1990-01-01"  # before the son was born
    plan = check(clerk_j, rows)
    assert "无法识别" in reasons(plan, 2, "状态起始日期")
    assert "晚于今天" in reasons(plan, 3, "状态起始日期")
    assert "早于出生日期" in reasons(plan, 4, "状态起始日期")


def test_other_column_checks(clerk_j) -> None:
    rows = family()
    rows[0]["手机号"] = "12345"
    rows[1]["低保户"] = "也许"
    rows[1]["残疾类别"] = "4 肢体残疾"
    rows[2]["外出去向"] = ""
    rows[2]["居住状态"] = "出差"
    plan = check(clerk_j, rows)
    assert "11位" in reasons(plan, 2, "手机号")
    assert "是" in reasons(plan, 3, "低保户")
    assert "同时填写" in reasons(plan, 3, "残疾等级")
    assert "居住状态只能是" in reasons(plan, 4, "居住状态")


def test_away_for_work_needs_a_destination(clerk_j) -> None:
    rows = family()
    rows[2]["外出去向"] = ""
    assert "去向" in reasons(check(clerk_j, rows), 4, "外出去向")


def test_every_bad_row_is_reported_not_only_the_first(clerk_j) -> None:
    rows = family() + family("H2", seq=20)
    rows[0]["身份证号"] = "1"
    rows[4]["民族"] = "火星族"
    plan = check(clerk_j, rows)
    assert {2, 6} <= plan.bad_rows


def test_dry_run_writes_nothing_but_its_audit_event(cast, clerk_j) -> None:
    table = importing.read_upload("list.csv", csv_bytes(family()))
    plan = importing.dry_run(actor=cast.clerk_a, jurisdiction=clerk_j, table=table)
    assert plan.problems == []
    assert not Household.objects.within(clerk_j).exists()
    assert not Person.objects.within(clerk_j).exists()
    event = AuditEvent.objects.get(action="residents.import.dry_run")
    assert event.detail["rows"] == 3


def test_a_file_without_the_required_columns_is_refused(clerk_j) -> None:
    with pytest.raises(importing.ImportFileError, match="身份证号"):
        importing.read_upload("x.csv", "姓名,户号\n张三,1\n".encode())


def test_the_village_code_alone_is_accepted(clerk_j) -> None:
    rows = family()
    for r in rows:
        r["村/组代码"] = VILLAGE_A
    assert check(clerk_j, rows).problems == []
