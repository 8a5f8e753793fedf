"""Loading the national statistical codes into the tree: all-or-nothing, idempotent, fast.

Rows are upserted by code. A changed name is updated; a row that has vanished from the source
is never deleted but gets `valid_to` (records may still point at it). Locally created groups and
hamlets (15-digit codes) are not in the source and are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cunshe.core.access import require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.core.pinyin import pinyin_of
from cunshe.regions.models import Kind, Level, Region
from cunshe.regions.source import SourceRejected, SourceRow, read_source
from cunshe.regions.text import village_kind

BATCH_SIZE = 5000
UPDATE_FIELDS = ["name", "level", "kind", "parent", "valid_to", "pinyin", "initials"]
ERRORS_IN_AUDIT = 50


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, old, new
    retired: list[tuple[str, str]] = field(default_factory=list)  # code, name
    by_level: dict[int, int] = field(default_factory=dict)

    def as_detail(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "renamed": len(self.renamed),
            "retired": len(self.retired),
            "retired_codes": [code for code, _name in self.retired[:ERRORS_IN_AUDIT]],
            "by_level": {str(k): v for k, v in sorted(self.by_level.items())},
        }


def _kind_for(row: SourceRow) -> str:
    return village_kind(row.name) if row.level == Level.VILLAGE else Kind.ADMINISTRATIVE


def _scope_filter(prefixes: tuple[str, ...] | None) -> Q:
    if prefixes is None:
        return Q()
    query = Q(pk__in=[])
    for p in prefixes:
        query |= Q(code__startswith=p)
    return query


def region_tree_import(
    *,
    actor: Any = None,
    jurisdiction: Jurisdiction,
    source: Path,
    provinces: tuple[str, ...] | None,
    as_of: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Upsert the official tree for `provinces` (None = the whole country) from `source`;
    raises SourceRejected, having written nothing but the audit event, when any line is bad."""
    require_perm(jurisdiction, "regions.import")
    as_of = as_of or timezone.localdate()
    detail_base = {"source": str(source), "provinces": list(provinces) if provinces else "all"}

    def lookup_existing(codes: set[str]) -> set[str]:
        return set(Region.objects.filter(code__in=codes).values_list("code", flat=True))

    try:
        rows = read_source(source, provinces, lookup_existing)
    except SourceRejected as exc:
        audit(
            "regions.import.rejected",
            actor=actor,
            jurisdiction=jurisdiction,
            outcome=AuditEvent.Outcome.FAILURE,
            detail={
                **detail_base,
                "error_count": len(exc.errors),
                "errors": [str(e) for e in exc.errors[:ERRORS_IN_AUDIT]],
            },
        )
        raise

    report = ImportReport(rows=len(rows), by_level=dict(Counter(r.level for r in rows)))
    with transaction.atomic():
        _upsert(rows, provinces, as_of, batch_size, report)
        audit(
            "regions.import.completed",
            actor=actor,
            jurisdiction=jurisdiction,
            detail={**detail_base, **report.as_detail()},
        )
    return report


def _upsert(
    rows: list[SourceRow],
    provinces: tuple[str, ...] | None,
    as_of: dt.date,
    batch_size: int,
    report: ImportReport,
) -> None:
    scope = _scope_filter(provinces)
    existing: dict[str, tuple[Any, ...]] = {
        values[1]: values
        for values in Region.objects.filter(scope, level__lte=Level.VILLAGE).values_list(
            "id", "code", "name", "level", "kind", "parent_id", "valid_to", "initials"
        )
    }
    id_by_code = {code: values[0] for code, values in existing.items()}
    outside = {r.parent_code for r in rows if r.parent_code and r.parent_code not in existing}
    if outside:
        id_by_code.update(Region.objects.filter(code__in=outside).values_list("code", "id"))

    seen: set[str] = set()
    to_update: list[Region] = []
    for level in sorted({r.level for r in rows}):
        to_create: list[Region] = []
        for row in (r for r in rows if r.level == level):
            seen.add(row.code)
            kind = _kind_for(row)
            parent_id = id_by_code.get(row.parent_code) if row.parent_code else None
            old = existing.get(row.code)
            if old is None:
                pinyin, initials = pinyin_of(row.name)
                to_create.append(
                    Region(
                        code=row.code,
                        name=row.name,
                        level=row.level,
                        kind=kind,
                        parent_id=parent_id,
                        pinyin=pinyin,
                        initials=initials,
                    )
                )
                continue
            pk, _code, name, old_level, old_kind, old_parent, valid_to, initials = old
            changed = (
                name != row.name
                or old_level != row.level
                or old_kind != kind
                or old_parent != parent_id
                or valid_to is not None
                or not initials
            )
            if not changed:
                report.unchanged += 1
                continue
            if name != row.name:
                report.renamed.append((row.code, name, row.name))
            pinyin, initials = pinyin_of(row.name)
            to_update.append(
                Region(
                    pk=pk,
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    kind=kind,
                    parent_id=parent_id,
                    valid_to=None,
                    pinyin=pinyin,
                    initials=initials,
                )
            )
        for start in range(0, len(to_create), batch_size):
            chunk = to_create[start : start + batch_size]
            Region.objects.bulk_create(chunk)
            missing = [obj.code for obj in chunk if obj.pk is None]
            if missing:  # a backend that cannot return ids from a bulk insert
                pks = dict(Region.objects.filter(code__in=missing).values_list("code", "id"))
                for obj in chunk:
                    obj.pk = obj.pk or pks[obj.code]
            id_by_code.update((obj.code, obj.pk) for obj in chunk)
        report.created += len(to_create)

    for start in range(0, len(to_update), batch_size):
        Region.objects.bulk_update(to_update[start : start + batch_size], UPDATE_FIELDS)
    report.updated = len(to_update)

    vanished = [
        (values[0], code, values[2])
        for code, values in existing.items()
        if code not in seen and values[6] is None
    ]
    vanished.sort(key=lambda v: v[1])
    for start in range(0, len(vanished), batch_size):
        ids = [pk for pk, _code, _name in vanished[start : start + batch_size]]
        Region.objects.filter(pk__in=ids).update(valid_to=as_of)
    report.retired = [(code, name) for _pk, code, name in vanished]
