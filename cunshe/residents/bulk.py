"""The fast writer of new register rows, shared by the bulk import and the demo generator.

Callers hand over plain dicts (attname -> Python value, as they would pass to the model's
constructor); the writer fills in what `save()` and the model fields would derive — region-based
`village_code`, pinyin of the name, `has_disability`, blind indexes, ciphertexts (same
`crypto.encrypt(value, field.purpose)` as `EncryptedTextField.get_prep_value`), defaults such as
`version`, and the auto timestamps — and writes the rows inside the caller's transaction.

On PostgreSQL new primary keys are reserved from the table's sequence first
(`nextval` over `generate_series`), so persons can name their household and events their person,
then the rows are streamed with COPY. Building model instances and `get_prep_value` per field is
what made `bulk_create` slow; here each row is one tuple. Other databases (SQLite in tests and
development) get the same column values through ordinary INSERTs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

from cunshe.core import crypto
from cunshe.core.fields import BlindIndexField, EncryptedTextField
from cunshe.core.pinyin import pinyin_of
from cunshe.residents.models import Household, Person, ResidenceEvent

Row = dict[str, Any]

_PLAIN, _ENCRYPTED, _BLIND, _NOW = range(4)


class _Spec:
    """How each concrete column of a model gets its value from a row dict."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.columns: list[str] = []
        self.plan: list[tuple[int, str, Any]] = []
        sources = {
            f.blind_index: f
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField) and f.blind_index
        }
        for f in model._meta.concrete_fields:
            if f.primary_key:
                continue
            self.columns.append(f.column)
            if isinstance(f, EncryptedTextField):
                self.plan.append((_ENCRYPTED, f.attname, f.purpose))
            elif isinstance(f, BlindIndexField):
                src = sources[f.name]
                self.plan.append((_BLIND, src.attname, src.purpose))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.plan.append((_NOW, f.attname, None))
            else:
                if f.has_default() and callable(f.default):
                    raise TypeError(f"{f}: callable defaults are not supported here")
                # As Model.__init__: the default, or "" for a non-null string field.
                self.plan.append((_PLAIN, f.attname, f.get_default()))

    def values(self, row: Row, now: datetime) -> list[Any]:
        out: list[Any] = []
        for kind, attname, extra in self.plan:
            if kind == _PLAIN:
                out.append(row.get(attname, extra))
            elif kind == _NOW:
                out.append(now)
            else:
                value = row.get(attname) or ""
                if kind == _ENCRYPTED:
                    out.append(crypto.encrypt(str(value), extra) if value else "")
                else:
                    out.append(crypto.blind_index(value, extra) if value else "")
        return out


_SPECS: dict[type[models.Model], _Spec] = {}


def _spec(model: type[models.Model]) -> _Spec:
    if model not in _SPECS:
        _SPECS[model] = _Spec(model)
    return _SPECS[model]


def _derive(model: type[models.Model], row: Row) -> None:
    """What the model's save() would set (ScopedModel, Household and Person)."""
    if model is Household:
        row["village_code"] = row["region_code"][:12]
    elif model is Person:
        row["name_pinyin"], row["name_initials"] = pinyin_of(row["name"])
        row["has_disability"] = bool(row.get("disability"))


def insert(
    model: type[models.Model], rows: Sequence[Row], *, returning_ids: bool = True
) -> list[int]:
    """Insert new rows of Household, Person or ResidenceEvent; returns their ids in order
    (an empty list when `returning_ids` is False and the database would need extra work)."""
    if model not in (Household, Person, ResidenceEvent):
        raise TypeError(model)
    if not rows:
        return []
    spec = _spec(model)
    now = timezone.now()
    tuples = []
    for row in rows:
        _derive(model, row)
        tuples.append(spec.values(row, now))
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        return _copy(connection, spec, tuples, returning_ids)
    return _insert(connection, spec, tuples)


def _copy(connection: Any, spec: _Spec, tuples: list[list[Any]], returning_ids: bool) -> list[int]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        ids: list[int] = []
        columns = spec.columns
        if returning_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [spec.table, len(tuples)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns = ["id", *columns]
        sql = f"COPY {qn(spec.table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        # The psycopg cursor itself: Django's wrapper has no copy().
        with cursor.cursor.copy(sql) as copy:
            if returning_ids:
                for pk, values in zip(ids, tuples, strict=True):
                    copy.write_row((pk, *values))
            else:
                for values in tuples:
                    copy.write_row(values)
    return ids


def _adapt(connection: Any, values: Iterable[Any]) -> list[Any]:
    out = []
    for v in values:
        if isinstance(v, datetime):
            v = connection.ops.adapt_datetimefield_value(v)
        elif isinstance(v, date):
            v = connection.ops.adapt_datefield_value(v)
        out.append(v)
    return out


def _insert(connection: Any, spec: _Spec, tuples: list[list[Any]]) -> list[int]:
    """Row-at-a-time INSERT for other databases: correct, not fast (tests and development)."""
    qn = connection.ops.quote_name
    # Names come from the model's _meta and are quoted; values are parameters.
    columns = ", ".join(qn(c) for c in spec.columns)
    marks = ", ".join(["%s"] * len(spec.columns))
    sql = f"INSERT INTO {qn(spec.table)} ({columns}) VALUES ({marks})"  # noqa: S608
    ids = []
    with connection.cursor() as cursor:
        for values in tuples:
            cursor.execute(sql, _adapt(connection, values))
            ids.append(cursor.lastrowid)
    return ids
