"""servicedesk_seed / load_catalogue: the bundled files load, a second run changes nothing,
edits update in place (material ids kept), items gone from the file are kept but inactive,
and a bad file is refused naming the file and the item, with nothing written."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import (
    HandlingLevel,
    MaterialRequirement,
    ReportCategory,
    ServiceItem,
    VillageRole,
)
from cunshe.servicedesk.services.catalogue import (
    CATALOGUE_FILE,
    CatalogueFileError,
    load_catalogue,
)
from cunshe.servicedesk.tests.catalogue_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.catalogue_fixtures import LOW_INCOME

REQUIRED_NAMES = [
    "城乡居民基本养老保险参保登记",
    "城乡居民基本医疗保险参保登记",
    "最低生活保障申请",
    "特困人员救助供养申请",
    "临时救助申请",
    "残疾人两项补贴申请",
    "高龄津贴申领",
    "农村宅基地申请",
    "生育登记",
    "耕地地力保护补贴",
    "法律援助申请",
    "人民调解申请",
]


def _bundled() -> dict:
    return json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict, name: str = "catalogue.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_bundled_files_load_every_item_with_materials(db):
    data = _bundled()
    summary = load_catalogue()
    assert len(summary.items_created) == len(data["items"]) >= 30
    assert ServiceItem.objects.filter(active=True).count() == len(data["items"])
    assert MaterialRequirement.objects.count() == sum(len(i["materials"]) for i in data["items"])
    assert summary.materials_written == MaterialRequirement.objects.count()
    assert set(REQUIRED_NAMES) <= set(ServiceItem.objects.values_list("name", flat=True))
    low = ServiceItem.objects.get(code=LOW_INCOME)
    assert (low.promised_days, low.statutory_days, low.fee) == (20, 30, "不收费")
    assert "《社会救助暂行办法》" in low.legal_basis
    assert list(low.materials.values_list("position", flat=True)) == list(
        range(low.materials.count())
    )
    # Both of the village's lists have entries, and every performed item is the village's own.
    performs = ServiceItem.objects.filter(village_role=VillageRole.PERFORMS)
    assert performs.exists()
    assert set(performs.values_list("level", flat=True)) == {HandlingLevel.VILLAGE}
    assert ServiceItem.objects.filter(village_role=VillageRole.ASSISTS).count() > 20
    codes = set(ReportCategory.objects.values_list("code", flat=True))
    assert {"rubbish", "sewage", "road", "streetlight", "straw_burning", "other"} <= codes
    assert AuditEvent.objects.filter(action="servicedesk.catalogue.loaded").count() == 1


def test_second_run_writes_nothing(seeded):
    before = {i.code: i.updated_at for i in ServiceItem.objects.all()}
    material_ids = list(MaterialRequirement.objects.order_by("id").values_list("id", flat=True))
    summary = load_catalogue()
    assert not summary.changed
    assert summary.items_unchanged == len(before)
    assert summary.materials_written == 0
    assert {i.code: i.updated_at for i in ServiceItem.objects.all()} == before
    assert list(MaterialRequirement.objects.order_by("id").values_list("id", flat=True)) == (
        material_ids
    )
    # Nothing changed, so nothing to audit.
    assert AuditEvent.objects.filter(action="servicedesk.catalogue.loaded").count() == 1


def test_edits_update_in_place_and_keep_material_ids(seeded, tmp_path):
    data = _bundled()
    low = next(i for i in data["items"] if i["code"] == LOW_INCOME)
    low["promised_days"] = 15
    low["materials"][0]["note"] = "改过的说明"
    low["materials"].append(
        {"name": "新增材料", "doc_type": "other", "form": "电子", "trust": "C", "required": False}
    )
    item = ServiceItem.objects.get(code=LOW_INCOME)
    old_ids = list(item.materials.values_list("id", flat=True))
    summary = load_catalogue(_write(tmp_path, data))
    assert summary.items_updated == [LOW_INCOME]
    item.refresh_from_db()
    assert item.promised_days == 15
    rows = list(item.materials.all())
    assert [r.id for r in rows[: len(old_ids)]] == old_ids
    assert rows[0].note == "改过的说明"
    assert rows[-1].name == "新增材料" and rows[-1].position == len(old_ids)
    # Shortening the list deletes only the surplus rows.
    low["materials"] = low["materials"][:2]
    load_catalogue(_write(tmp_path, data))
    assert list(item.materials.values_list("id", flat=True)) == old_ids[:2]


def test_items_missing_from_the_file_are_kept_inactive_and_come_back(seeded, tmp_path):
    data = _bundled()
    full = copy.deepcopy(data)
    data["items"] = [i for i in data["items"] if i["code"] != LOW_INCOME]
    data_categories = {"categories": [{"code": "rubbish", "name": "垃圾", "level": "village"}]}
    summary = load_catalogue(
        _write(tmp_path, data), categories_path=_write(tmp_path, data_categories, "cats.json")
    )
    assert summary.items_deactivated == [LOW_INCOME]
    item = ServiceItem.objects.get(code=LOW_INCOME)  # never deleted
    assert item.active is False and item.materials.exists()
    assert "sewage" in summary.categories_deactivated
    assert ReportCategory.objects.get(code="sewage").active is False
    assert ReportCategory.objects.get(code="rubbish").name == "垃圾"
    summary = load_catalogue(_write(tmp_path, full))
    assert LOW_INCOME in summary.items_updated
    item.refresh_from_db()
    assert item.active is True


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda i: i.update(kind="grant"), "unknown kind 'grant'"),
        (lambda i: i.update(department="tax"), "unknown department 'tax'"),
        (lambda i: i.update(level="city"), "unknown level 'city'"),
        (lambda i: i.update(modes=["online", "post"]), "unknown mode 'post'"),
        (lambda i: i["materials"][0].update(trust="E"), "unknown trust 'E'"),
        (lambda i: i.update(promised_days=31), "promised_days 31 is more than statutory_days 30"),
        (lambda i: i.update(statuary_days=30), "unknown field(s) statuary_days"),
        (lambda i: i.update(steps=[]), "steps must be a non-empty list"),
    ],
)
def test_a_bad_item_is_refused_with_file_and_code_and_nothing_written(
    db, tmp_path, change, expected
):
    data = _bundled()
    change(next(i for i in data["items"] if i["code"] == LOW_INCOME))
    path = _write(tmp_path, data)
    with pytest.raises(CatalogueFileError) as exc:
        load_catalogue(path)
    message = str(exc.value)
    assert str(path) in message and LOW_INCOME in message and expected in message
    assert not ServiceItem.objects.exists()
    assert not ReportCategory.objects.exists()
    assert not AuditEvent.objects.filter(action="servicedesk.catalogue.loaded").exists()


def test_a_duplicate_code_is_refused_and_an_existing_catalogue_left_alone(seeded, tmp_path):
    data = _bundled()
    first = data["items"][0]
    data["items"][0]["name"] = "改了名字"
    data["items"].append({**copy.deepcopy(data["items"][1]), "code": first["code"]})
    with pytest.raises(CatalogueFileError, match=f"{first['code']}: duplicate code"):
        load_catalogue(_write(tmp_path, data))
    assert ServiceItem.objects.get(code=first["code"]).name != "改了名字"


def test_a_bad_category_file_refuses_the_catalogue_too(db, tmp_path):
    cats = {"categories": [{"code": "rubbish", "name": "垃圾", "level": "hamlet"}]}
    with pytest.raises(CatalogueFileError, match="rubbish: unknown level 'hamlet'"):
        load_catalogue(categories_path=_write(tmp_path, cats, "cats.json"))
    assert not ServiceItem.objects.exists()


def test_command_reports_and_refuses(db, tmp_path):
    out = StringIO()
    call_command("servicedesk_seed", stdout=out)
    assert f"items: {len(_bundled()['items'])} created" in out.getvalue()
    out = StringIO()
    call_command("servicedesk_seed", stdout=out)
    assert "already up to date" in out.getvalue()
    data = _bundled()
    data["items"][0]["promised_days"] = 999
    with pytest.raises(CommandError, match="nothing written") as exc:
        call_command("servicedesk_seed", "--catalogue", str(_write(tmp_path, data)))
    assert data["items"][0]["code"] in str(exc.value)
