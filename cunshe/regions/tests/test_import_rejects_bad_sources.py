"""A bad line anywhere rejects the whole import: nothing is written, and the message names
each offending file and line."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cunshe.core.models import AuditEvent
from cunshe.regions.models import Region
from cunshe.regions.source import SourceRejected

from .conftest import small_copy, write_source

pytestmark = pytest.mark.django_db


def _reject(tmp_path, run_import, files):  # type: ignore[no-untyped-def]
    source = write_source(tmp_path / "dist", files)
    with pytest.raises(SourceRejected) as info:
        run_import(source)
    assert Region.objects.count() == 0
    assert not AuditEvent.objects.filter(action="regions.import.completed").exists()
    assert AuditEvent.objects.filter(action="regions.import.rejected").count() == 1
    return [str(e) for e in info.value.errors]


def test_unknown_parent_code_is_rejected_with_file_and_line(tmp_path, run_import):
    files = small_copy()
    files["villages"][1][2] = "220182199"  # second data row: line 3
    errors = _reject(tmp_path, run_import, files)
    assert len(errors) == 1
    assert "villages.csv 第 3 行" in errors[0] and "220182199" in errors[0]


def test_duplicate_code_is_rejected_naming_both_lines(tmp_path, run_import):
    files = small_copy()
    files["villages"][2][0] = "220182102200"
    errors = _reject(tmp_path, run_import, files)
    assert errors == [
        "villages.csv 第 4 行：代码 220182102200 重复（首次出现于 villages.csv 第 2 行）"
    ]


@pytest.mark.parametrize("bad_code", ["22018210220", "2201821022000", "22018210220A"])
def test_bad_code_length_or_non_digits_is_rejected(tmp_path, run_import, bad_code):
    files = small_copy()
    files["villages"][0][0] = bad_code
    errors = _reject(tmp_path, run_import, files)
    assert len(errors) == 1
    assert errors[0].startswith("villages.csv 第 2 行")
    assert "12 位数字" in errors[0]


def test_child_code_not_starting_with_its_parent_code_is_rejected(tmp_path, run_import):
    files = small_copy()
    files["streets"].append(["220182103", "另一镇", "220182", "22", "2201"])
    files["villages"][0][2] = "220182103"  # 220182102200 filed under 220182103
    errors = _reject(tmp_path, run_import, files)
    assert errors == ["villages.csv 第 2 行：代码 220182102200 不以上级代码 220182103 开头"]


def test_missing_name_is_rejected(tmp_path, run_import):
    files = small_copy()
    files["areas"][0][1] = "  "
    errors = _reject(tmp_path, run_import, files)
    assert errors == ["areas.csv 第 2 行：代码 220182 缺少名称"]


def test_every_bad_line_in_every_file_is_listed(tmp_path, run_import):
    files = small_copy()
    files["cities"][0][1] = ""
    files["villages"][0][2] = "220182999"
    files["villages"][2][0] = "2201821022"
    errors = _reject(tmp_path, run_import, files)
    assert [e.split("：")[0] for e in errors] == [
        "cities.csv 第 2 行",
        "villages.csv 第 2 行",
        "villages.csv 第 4 行",
    ]


def test_missing_file_is_rejected(tmp_path, run_import):
    source = write_source(tmp_path / "dist", small_copy())
    (source / "streets.csv").unlink()
    with pytest.raises(SourceRejected) as info:
        run_import(source)
    assert "streets.csv" in str(info.value.errors[0])
    assert Region.objects.count() == 0


def test_rejection_on_an_existing_tree_leaves_it_untouched(tmp_path, run_import):
    run_import(write_source(tmp_path / "good", small_copy()))
    before = list(Region.objects.values_list("code", "name", "valid_to"))
    files = small_copy()
    files["villages"][0][1] = "新名字村委会"
    files["villages"][1][2] = "999999999"
    with pytest.raises(SourceRejected):
        run_import(write_source(tmp_path / "bad", files))
    assert list(Region.objects.values_list("code", "name", "valid_to")) == before


def test_command_reports_rejection_as_an_error_naming_the_line(tmp_path):
    files = small_copy()
    files["villages"][1][2] = "220182199"
    source = write_source(tmp_path / "dist", files)
    with pytest.raises(CommandError) as info:
        call_command("import_regions", "--source", str(source), "--province", "22")
    assert "nothing written" in str(info.value)
    assert "villages.csv 第 3 行" in str(info.value)
    assert Region.objects.count() == 0
