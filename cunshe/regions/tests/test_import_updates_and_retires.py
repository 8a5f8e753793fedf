"""Re-importing a newer source: renames are updated and counted; vanished rows are kept with
valid_to set, never deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from cunshe.regions.models import Kind, Region

from .conftest import small_copy, write_source

pytestmark = pytest.mark.django_db


def test_a_renamed_unit_is_updated_and_counted(tmp_path, run_import):
    run_import(write_source(tmp_path / "v1", small_copy()))
    files = small_copy()
    files["villages"][1][1] = "古城村民委员会"
    report = run_import(write_source(tmp_path / "v2", files))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 6)
    assert report.renamed == [("220182102201", "古城村委会", "古城村民委员会")]
    region = Region.objects.get(code="220182102201")
    assert region.name == "古城村民委员会"
    assert region.initials == "gccmwyh"


def test_a_vanished_unit_gets_valid_to_and_is_reported_not_deleted(tmp_path, run_import):
    run_import(write_source(tmp_path / "v1", small_copy()))
    files = small_copy()
    del files["villages"][2]
    report = run_import(write_source(tmp_path / "v2", files), as_of=dt.date(2026, 1, 1))
    assert report.retired == [("220182102202", "新城社区居委会")]
    gone = Region.objects.get(code="220182102202")
    assert gone.valid_to == dt.date(2026, 1, 1)
    assert Region.objects.count() == 7
    # Importing the same newer file again does not retire it a second time.
    assert run_import(write_source(tmp_path / "v2", files)).retired == []


def test_a_unit_that_reappears_is_live_again(tmp_path, run_import):
    run_import(write_source(tmp_path / "v1", small_copy()))
    files = small_copy()
    del files["villages"][2]
    run_import(write_source(tmp_path / "v2", files))
    report = run_import(write_source(tmp_path / "v3", small_copy()))
    assert report.updated == 1
    assert Region.objects.get(code="220182102202").valid_to is None


def test_import_for_one_province_leaves_other_provinces_alone(tmp_path, run_import):
    files = small_copy()
    files["provinces"].append(["23", "黑龙江省"])
    run_import(write_source(tmp_path / "both", files), provinces=None)
    report = run_import(write_source(tmp_path / "jl", small_copy()), provinces=("22",))
    assert report.retired == []
    assert Region.objects.get(code="23").valid_to is None


def test_kinds_are_set_from_village_names(tmp_path, run_import):
    run_import(write_source(tmp_path / "v1", small_copy()))
    kinds = dict(Region.objects.filter(level=5).values_list("code", "kind"))
    assert kinds == {
        "220182102200": Kind.RURAL_VILLAGE,
        "220182102201": Kind.RURAL_VILLAGE,
        "220182102202": Kind.RESIDENTS,
    }


def test_command_reads_gzip_and_plain_csv_and_prints_counts(tmp_path, capsys):
    source = write_source(tmp_path / "dist", small_copy())
    call_command(
        "extract_regions",
        "--source",
        str(source),
        "--province",
        "22",
        "--out",
        str(tmp_path / "gz"),
    )
    call_command("import_regions", "--source", str(tmp_path / "gz"))
    out = capsys.readouterr().out
    assert "created 7" in out
    call_command("import_regions", "--source", str(source), "--province", "22")
    assert "unchanged 7" in capsys.readouterr().out


def test_command_refuses_other_provinces_without_a_source():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--source"):
        call_command("import_regions", "--province", "33")
