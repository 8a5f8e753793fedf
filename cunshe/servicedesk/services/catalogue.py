"""Writes to the catalogue: loading the province catalogue from its data files, and a county's
adjustments to it.

`load_catalogue` is the seed (`manage.py servicedesk_seed`, the demo and tests call it): the
whole file is checked first and refused with every problem named (file and item code) before
anything is written; then items are matched by code, inside one transaction. Items that are in
the database but no longer in the file are never deleted (applications point at them): they
are marked inactive. A second run over the same file writes nothing.

`adjustment_save` is a county officer's change to how an item is offered in their county.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cunshe.accounts.roles import Department
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.servicedesk.models import (
    CountyAdjustment,
    HandlingLevel,
    ItemKind,
    MaterialRequirement,
    Mode,
    ReportCategory,
    ServiceItem,
    Trust,
    VillageRole,
)

ADJUST = "servicedesk.catalogue"

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.json"
CATEGORIES_FILE = DATA_DIR / "report_categories.json"

# The platform's own codes (not the national 事项编码): province, department, number.
ITEM_CODE = re.compile(r"^[A-Z]{2}-[A-Z]{2,4}-[0-9]{3}$")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
DOC_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MATERIAL_FORMS = ("原件", "复印件", "电子")
MAX_DAYS = 250  # about a year of working days; anything longer is a typo

ITEM_FIELDS = (
    "name", "kind", "theme", "department", "level", "village_role", "legal_basis", "conditions",
    "steps", "promised_days", "statutory_days", "fee", "visits", "modes", "summary",
)  # fmt: skip
MATERIAL_FIELDS = ("name", "doc_type", "copies", "form", "trust", "required", "note")
CATEGORY_FIELDS = ("name", "description", "group", "keywords", "level", "department")


class CatalogueFileError(ValueError):
    """A data file the seed refuses; nothing was written. `problems` name the item codes."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass
class SeedSummary:
    items_created: list[str] = field(default_factory=list)
    items_updated: list[str] = field(default_factory=list)
    items_unchanged: int = 0
    items_deactivated: list[str] = field(default_factory=list)
    materials_written: int = 0
    categories_created: list[str] = field(default_factory=list)
    categories_updated: list[str] = field(default_factory=list)
    categories_unchanged: int = 0
    categories_deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.items_created
            or self.items_updated
            or self.items_deactivated
            or self.categories_created
            or self.categories_updated
            or self.categories_deactivated
        )

    def lines(self) -> list[str]:
        out = [
            f"items: {len(self.items_created)} created, {len(self.items_updated)} updated, "
            f"{self.items_unchanged} unchanged, {len(self.items_deactivated)} marked inactive; "
            f"{self.materials_written} material rows written",
            f"report categories: {len(self.categories_created)} created, "
            f"{len(self.categories_updated)} updated, {self.categories_unchanged} unchanged, "
            f"{len(self.categories_deactivated)} marked inactive",
        ]
        if self.items_deactivated:
            out.append(
                "not in the file, kept but marked inactive (never deleted): "
                + ", ".join(self.items_deactivated)
            )
        if self.categories_deactivated:
            out.append(
                "report categories not in the file, marked inactive: "
                + ", ".join(self.categories_deactivated)
            )
        return out


# --- checking the files -----------------------------------------------------------------------


def _read(path: Path, key: str) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueFileError(path, ["file not found"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueFileError(path, [f"not valid UTF-8 JSON: {exc}"]) from None
    rows = data.get(key) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise CatalogueFileError(path, [f'expected a list under "{key}"'])
    return rows


def _text(
    row: dict[str, Any], name: str, problems: list[str], where: str, *, max_length: int,
    required: bool = True, default: str = "",
) -> str:  # fmt: skip
    value = row.get(name, default)
    if not isinstance(value, str):
        problems.append(f"{where}: {name} must be text")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{where}: {name} is empty")
    if len(value) > max_length:
        problems.append(f"{where}: {name} is longer than {max_length} characters")
    return value


def _int(
    row: dict[str, Any], name: str, problems: list[str], where: str, *, low: int, high: int,
    default: int | None = None,
) -> int:  # fmt: skip
    value = row.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: {name} must be a whole number")
        return low
    if not low <= value <= high:
        problems.append(f"{where}: {name} {value} is outside {low}–{high}")
    return value


def _choice(value: Any, allowed: list[str], name: str, problems: list[str], where: str) -> str:
    if value not in allowed:
        problems.append(f"{where}: unknown {name} {value!r} (allowed: {', '.join(allowed)})")
        return ""
    return str(value)


def _unknown_keys(row: dict[str, Any], known: set[str], problems: list[str], where: str) -> None:
    extra = sorted(set(row) - known)
    if extra:
        problems.append(f"{where}: unknown field(s) {', '.join(extra)}")


def _check_material(raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a material must be an object")
        return {}
    _unknown_keys(raw, set(MATERIAL_FIELDS), problems, where)
    doc_type = _text(raw, "doc_type", problems, where, max_length=40, required=False)
    if doc_type and not DOC_TYPE.match(doc_type):
        problems.append(f"{where}: doc_type {doc_type!r} must be lower_case_with_underscores")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(f"{where}: required must be true or false")
    return {
        "name": _text(raw, "name", problems, where, max_length=120),
        "doc_type": doc_type,
        "copies": _int(raw, "copies", problems, where, low=1, high=20, default=1),
        "form": _choice(raw.get("form", "原件"), list(MATERIAL_FORMS), "form", problems, where),
        "trust": _choice(raw.get("trust"), list(Trust.values), "trust", problems, where),
        "required": bool(required),
        "note": _text(raw, "note", problems, where, max_length=200, required=False),
    }


def _check_item(raw: Any, index: int, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.append(f"item #{index + 1}: must be an object")
        return None
    code = raw.get("code")
    if not isinstance(code, str) or not ITEM_CODE.match(code):
        problems.append(f"item #{index + 1} ({code!r}): code must look like JL-MZ-001")
        return None
    where = code
    _unknown_keys(raw, {"code", "materials", *ITEM_FIELDS}, problems, where)
    item: dict[str, Any] = {
        "code": code,
        "name": _text(raw, "name", problems, where, max_length=100),
        "kind": _choice(raw.get("kind"), list(ItemKind.values), "kind", problems, where),
        "theme": _text(raw, "theme", problems, where, max_length=40, required=False),
        "department": _choice(
            raw.get("department"), list(Department.values), "department", problems, where
        ),
        "level": _choice(raw.get("level"), list(HandlingLevel.values), "level", problems, where),
        "village_role": _choice(
            raw.get("village_role", VillageRole.ASSISTS),
            list(VillageRole.values),
            "village_role",
            problems,
            where,
        ),
        "legal_basis": _text(raw, "legal_basis", problems, where, max_length=2000),
        "conditions": _text(raw, "conditions", problems, where, max_length=2000),
        "promised_days": _int(raw, "promised_days", problems, where, low=1, high=MAX_DAYS),
        "statutory_days": _int(raw, "statutory_days", problems, where, low=1, high=MAX_DAYS),
        "fee": _text(raw, "fee", problems, where, max_length=200, default="不收费"),
        "visits": _int(raw, "visits", problems, where, low=0, high=5, default=0),
        "summary": _text(raw, "summary", problems, where, max_length=200, required=False),
    }
    if item["promised_days"] > item["statutory_days"]:
        problems.append(
            f"{where}: promised_days {item['promised_days']} is more than "
            f"statutory_days {item['statutory_days']}"
        )
    if item["village_role"] == VillageRole.PERFORMS and item["level"] != HandlingLevel.VILLAGE:
        problems.append(f"{where}: an item the village committee performs must be level village")
    steps = raw.get("steps")
    if (
        not isinstance(steps, list)
        or not steps
        or not all(isinstance(s, str) and s.strip() for s in steps)
    ):
        problems.append(f"{where}: steps must be a non-empty list of text")
        steps = []
    item["steps"] = [s.strip() for s in steps]
    modes = raw.get("modes")
    if not isinstance(modes, list) or not modes:
        problems.append(f"{where}: modes must be a non-empty list")
        modes = []
    for mode in modes:
        _choice(mode, list(Mode.values), "mode", problems, where)
    if len(set(map(str, modes))) != len(modes):
        problems.append(f"{where}: a mode is listed twice")
    item["modes"] = list(modes)
    materials = raw.get("materials", [])
    if not isinstance(materials, list):
        problems.append(f"{where}: materials must be a list")
        materials = []
    item["materials"] = [
        _check_material(m, f"{where} material #{i + 1}", problems) for i, m in enumerate(materials)
    ]
    return item


def read_catalogue(path: Path) -> list[dict[str, Any]]:
    """The items of a catalogue file, checked; CatalogueFileError lists every problem."""
    problems: list[str] = []
    items = [_check_item(raw, i, problems) for i, raw in enumerate(_read(path, "items"))]
    seen_codes: set[str] = set()
    seen_names: dict[str, str] = {}
    for item in items:
        if item is None:
            continue
        if item["code"] in seen_codes:
            problems.append(f"{item['code']}: duplicate code")
        seen_codes.add(item["code"])
        if item["name"] in seen_names and item["name"]:
            problems.append(
                f"{item['code']}: name {item['name']!r} already used by {seen_names[item['name']]}"
            )
        seen_names.setdefault(item["name"], item["code"])
    if problems:
        raise CatalogueFileError(path, problems)
    return [i for i in items if i is not None]


def read_categories(path: Path) -> list[dict[str, Any]]:
    """The report categories of a file, checked like the catalogue."""
    problems: list[str] = []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(_read(path, "categories")):
        if not isinstance(raw, dict):
            problems.append(f"category #{index + 1}: must be an object")
            continue
        code = raw.get("code")
        if not isinstance(code, str) or not CATEGORY_CODE.match(code):
            problems.append(f"category #{index + 1} ({code!r}): code must be lower_case")
            continue
        if code in seen:
            problems.append(f"{code}: duplicate code")
        seen.add(code)
        _unknown_keys(raw, {"code", *CATEGORY_FIELDS}, problems, code)
        department = raw.get("department", "")
        out.append(
            {
                "code": code,
                "name": _text(raw, "name", problems, code, max_length=60),
                "description": _text(
                    raw, "description", problems, code, max_length=200, required=False
                ),
                "group": _text(raw, "group", problems, code, max_length=40, required=False),
                "keywords": _text(raw, "keywords", problems, code, max_length=200, required=False),
                "level": _choice(
                    raw.get("level"), list(HandlingLevel.values), "level", problems, code
                ),
                "department": _choice(
                    department, ["", *Department.values], "department", problems, code
                ),
            }
        )
    if problems:
        raise CatalogueFileError(path, problems)
    return out


# --- writing ----------------------------------------------------------------------------------


def _sync_materials(item: ServiceItem, wanted: list[dict[str, Any]]) -> int:
    """Make the item's materials equal the file's, position by position. Rows whose position
    survives keep their id, so files already given for an application stay linked to their
    requirement; an unchanged list writes nothing. Returns the number of rows written."""
    current = list(item.materials.all())  # prefetched, ordered by position
    if [{f: getattr(r, f) for f in MATERIAL_FIELDS} for r in current] == wanted and [
        r.position for r in current
    ] == list(range(len(current))):
        return 0
    written = 0
    for position, data in enumerate(wanted):
        if position < len(current):
            row = current[position]
            if row.position != position or any(getattr(row, f) != v for f, v in data.items()):
                for f, v in data.items():
                    setattr(row, f, v)
                row.position = position
                row.save()
                written += 1
        else:
            MaterialRequirement.objects.create(item=item, position=position, **data)
            written += 1
    surplus = [r.pk for r in current[len(wanted) :]]
    if surplus:
        MaterialRequirement.objects.filter(pk__in=surplus).delete()
        written += len(surplus)
    return written


def _load_items(rows: list[dict[str, Any]], summary: SeedSummary) -> None:
    existing = {i.code: i for i in ServiceItem.objects.prefetch_related("materials")}
    for row in rows:
        data = {f: row[f] for f in ITEM_FIELDS}
        item = existing.get(row["code"])
        if item is None:
            item = ServiceItem.objects.create(code=row["code"], active=True, **data)
            MaterialRequirement.objects.bulk_create(
                MaterialRequirement(item=item, position=i, **m)
                for i, m in enumerate(row["materials"])
            )
            summary.items_created.append(item.code)
            summary.materials_written += len(row["materials"])
            continue
        data["active"] = True  # back in the file: offered again
        changed = [f for f, v in data.items() if getattr(item, f) != v]
        for f in changed:
            setattr(item, f, data[f])
        if changed:
            item.save(update_fields=[*changed, "updated_at"])
        written = _sync_materials(item, row["materials"])
        summary.materials_written += written
        if changed or written:
            summary.items_updated.append(item.code)
        else:
            summary.items_unchanged += 1
    in_file = {r["code"] for r in rows}
    for code, item in sorted(existing.items()):
        if code not in in_file and item.active:
            item.active = False
            item.save(update_fields=["active", "updated_at"])
            summary.items_deactivated.append(code)


def _load_categories(rows: list[dict[str, Any]], summary: SeedSummary) -> None:
    existing = {c.code: c for c in ReportCategory.objects.all()}
    for row in rows:
        data = {f: row[f] for f in CATEGORY_FIELDS}
        category = existing.get(row["code"])
        if category is None:
            ReportCategory.objects.create(code=row["code"], active=True, **data)
            summary.categories_created.append(row["code"])
            continue
        data["active"] = True
        changed = [f for f, v in data.items() if getattr(category, f) != v]
        for f in changed:
            setattr(category, f, data[f])
        if changed:
            category.save(update_fields=changed)
            summary.categories_updated.append(category.code)
        else:
            summary.categories_unchanged += 1
    in_file = {r["code"] for r in rows}
    for code, category in sorted(existing.items()):
        if code not in in_file and category.active:
            category.active = False
            category.save(update_fields=["active"])
            summary.categories_deactivated.append(code)


def load_catalogue(
    path: Path | str | None = None,
    *,
    categories_path: Path | str | None = None,
    categories: bool = True,
) -> SeedSummary:
    """Load the catalogue (and, unless `categories=False`, the 随手拍 report categories) from
    the data files; refuse a bad file with CatalogueFileError before writing anything."""
    item_file = Path(path) if path is not None else CATALOGUE_FILE
    rows = read_catalogue(item_file)
    category_file = Path(categories_path) if categories_path is not None else CATEGORIES_FILE
    category_rows = read_categories(category_file) if categories else None
    summary = SeedSummary()
    with transaction.atomic():
        _load_items(rows, summary)
        if category_rows is not None:
            _load_categories(category_rows, summary)
        if summary.changed:
            audit(
                "servicedesk.catalogue.loaded",
                jurisdiction=Jurisdiction.system("servicedesk catalogue seed"),
                object_type="servicedesk.serviceitem",
                detail={
                    "file": item_file.name,
                    "created": summary.items_created,
                    "updated": summary.items_updated,
                    "deactivated": summary.items_deactivated,
                    "categories_created": summary.categories_created,
                    "categories_updated": summary.categories_updated,
                    "categories_deactivated": summary.categories_deactivated,
                },
            )
    return summary


# --- county adjustments -----------------------------------------------------------------------


def adjusting_county(jurisdiction: Jurisdiction) -> str | None:
    """The county whose catalogue this jurisdiction may adjust, or None (read-only)."""
    if not jurisdiction.has_perm(ADJUST):
        return None
    counties = [p for p in jurisdiction.prefixes if len(p) == 6]
    return counties[0] if len(counties) == 1 else None


@transaction.atomic
def adjustment_save(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    item: ServiceItem,
    county: Region,
    offered: bool = True,
    promised_days: int | None = None,
    department: str = "",
    level: str = "",
    note: str = "",
) -> CountyAdjustment | None:
    """Set how `item` is offered in `county`: offered or not, a shorter promise, another
    department or level. Saving the province's own values removes the adjustment (returns
    None). Only the county's own officers may; province and city officials read."""
    if county.level != Level.COUNTY:
        raise ValidationError(_("请选择一个县（市、区）。"))
    if not jurisdiction.covers(county.code):
        raise PermissionDenied(_("该县不在您的管辖范围内。"))
    if not jurisdiction.has_perm(ADJUST):
        raise PermissionDenied(ADJUST)
    if not jurisdiction.is_system and adjusting_county(jurisdiction) != county.code:
        raise PermissionDenied(
            _("只有本县（市、区）的县级部门可以调整本县的事项清单；省、市级只能查看。")
        )
    if not item.active:
        raise ValidationError(_("该事项已停用，不能调整。"))
    errors: dict[str, str] = {}
    if promised_days is not None:
        if promised_days < 1:
            errors["promised_days"] = _("承诺时限至少 1 个工作日。")
        elif promised_days > item.promised_days:
            errors["promised_days"] = _(
                "本县承诺时限只能缩短：不能超过全省承诺的 %(promised)s 个工作日"
                "（法定时限 %(statutory)s 个工作日）。"
            ) % {"promised": item.promised_days, "statutory": item.statutory_days}
        elif promised_days == item.promised_days:
            promised_days = None
    if department and department not in Department.values:
        errors["department"] = _("不是有效的部门。")
    if level and level not in HandlingLevel.values:
        errors["level"] = _("不是有效的办理层级。")
    elif level and level != item.level:
        if item.village_role == VillageRole.PERFORMS:
            errors["level"] = _("村委会依法履职的事项由村委会办理，不能改变办理层级。")
        elif level == HandlingLevel.VILLAGE:
            errors["level"] = _("村委会不是行政机关，政府事项不能下放到村级办理；村里可以代办。")
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = _("说明最多 200 个字。")
    if errors:
        raise ValidationError(errors)
    department = "" if department == item.department else department
    level = "" if level == item.level else level
    existing = (
        CountyAdjustment.objects.select_for_update()
        .filter(item=item, county_code=county.code)
        .first()
    )
    detail = {
        "item": item.code,
        "county": county.code,
        "offered": bool(offered),
        "promised_days": promised_days,
        "department": department,
        "level": level,
        "note_set": bool(note),
    }
    if offered and promised_days is None and not department and not level and not note:
        # The province's values: nothing to keep.
        if existing is not None:
            existing.delete()
        audit(
            "servicedesk.catalogue.adjusted",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=item,
            detail={**detail, "cleared": True},
        )
        return None
    adjustment = existing or CountyAdjustment(item=item, county=county)
    adjustment.offered = bool(offered)
    adjustment.promised_days = promised_days
    adjustment.department = department
    adjustment.level = level
    adjustment.note = note
    adjustment.updated_by = actor
    adjustment.save()
    audit(
        "servicedesk.catalogue.adjusted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=adjustment,
        detail=detail,
    )
    return adjustment
