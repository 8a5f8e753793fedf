"""The committed Jilin extract loads the whole real tree, and loading it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cunshe.core.models import AuditEvent
from cunshe.regions.models import Kind, Level, Region
from cunshe.regions.source import DEFAULT_SOURCE

pytestmark = pytest.mark.django_db


def test_extract_is_committed_small_and_gzip_compressed():
    files = sorted(p.name for p in DEFAULT_SOURCE.iterdir() if p.suffix == ".gz")
    assert files == [
        "areas.csv.gz",
        "cities.csv.gz",
        "provinces.csv.gz",
        "streets.csv.gz",
        "villages.csv.gz",
    ]
    assert sum(p.stat().st_size for p in DEFAULT_SOURCE.iterdir()) < 1_000_000


def test_jilin_has_the_official_number_of_units_at_each_level(jilin):
    counts = {level: Region.objects.filter(level=level).count() for level in Level}
    assert counts == {
        Level.PROVINCE: 1,
        Level.PREFECTURE: 9,
        Level.COUNTY: 69,
        Level.TOWNSHIP: 1075,
        Level.VILLAGE: 11860,
        Level.GROUP: 0,
    }
    assert jilin.created == 13014


def test_about_9300_of_the_village_level_units_are_rural_villages(jilin):
    rural = Region.objects.filter(level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE).count()
    residents = Region.objects.filter(level=Level.VILLAGE, kind=Kind.RESIDENTS).count()
    assert 9200 <= rural <= 9400
    assert residents > 2000
    assert not Region.objects.filter(level__lt=Level.VILLAGE).exclude(kind=Kind.ADMINISTRATIVE)


def test_every_node_hangs_off_the_parent_named_by_its_code(jilin):
    village = Region.objects.select_related("parent__parent").get(code="220182102200")
    assert village.name == "闵家村委会"
    assert village.parent.code == "220182102"
    assert village.parent.parent.code == "220182"
    assert village.initials == "mjcwh"
    assert village.pinyin == "minjiacunweihui"
    assert Region.objects.filter(parent__isnull=True).count() == 1


def test_importing_twice_changes_nothing_and_reports_all_unchanged(jilin, run_import):
    before = list(Region.objects.values_list("id", "code", "name", "kind", "parent_id"))
    again = run_import()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 13014)
    assert again.retired == []
    assert list(Region.objects.values_list("id", "code", "name", "kind", "parent_id")) == before


def test_each_import_writes_one_completed_audit_event_with_counts(jilin, run_import):
    run_import()
    events = list(AuditEvent.objects.filter(action="regions.import.completed").order_by("id"))
    assert len(events) == 2
    assert events[0].detail["created"] == 13014
    assert events[1].detail["unchanged"] == 13014
    assert events[1].role == "system"


def test_importing_over_the_cast_keeps_its_rows_and_local_groups(cast, run_import):
    group_before = Region.objects.get(code="220182102200001")
    report = run_import()
    assert Region.objects.filter(level=Level.VILLAGE).count() == 11860
    # The cast's rows already existed: they are updated in place (pinyin filled), not duplicated.
    assert (report.created, report.updated) == (13014 - 10, 10)
    assert Region.objects.get(code="220182102200").pk == cast.village_a.pk
    group = Region.objects.get(code="220182102200001")
    assert group.pk == group_before.pk and group.valid_to is None


def test_command_imports_jilin_by_default_and_skips_with_if_empty(capsys):
    call_command("import_regions")
    assert Region.objects.count() == 13014
    assert "created 13014" in capsys.readouterr().out
    call_command("import_regions", "--if-empty")
    assert "nothing imported" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="regions.import.completed").count() == 1
