"""Database triggers that refuse UPDATE and DELETE on the ledger and stock rows, on both engines.

Defence in depth behind `_WriteOnce` (models/ledger.py): a points entry, its movements and a
stock movement are written once; a correction is a new reversing row. Same approach as the audit
trail (core/migrations/0002_audit_append_only_triggers.py). TRUNCATE (PostgreSQL's test flush)
fires no row triggers; SQLite's test flush goes through cunshe.core.testing.browser.flushable_audit.
"""

from django.db import migrations

TABLES = ("volunteering_pointsentry", "volunteering_movement", "volunteering_stockmovement")
MESSAGE = "ledger and stock rows are write-once"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION volunteering_write_once() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = '{MESSAGE} (' || TG_TABLE_NAME || ')';
END;
$$ LANGUAGE plpgsql;
"""
PG_FORWARD = [PG_FUNCTION] + [
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE OR DELETE ON {t} "
    "FOR EACH ROW EXECUTE FUNCTION volunteering_write_once();"
    for t in TABLES
]
PG_REVERSE = [f"DROP TRIGGER IF EXISTS {t}_no_update ON {t};" for t in TABLES] + [
    "DROP FUNCTION IF EXISTS volunteering_write_once();"
]
SQLITE_FORWARD = [
    f"CREATE TRIGGER {t}_no_{verb.lower()} BEFORE {verb} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({t})'); END;"
    for t in TABLES
    for verb in ("UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {t}_no_{verb};" for t in TABLES for verb in ("update", "delete")
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_REVERSE:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("volunteering", "0002_activities_cancel")]
    operations = [migrations.RunPython(forward, reverse)]
