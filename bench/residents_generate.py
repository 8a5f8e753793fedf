"""Province-scale demo population: how long `demo_seed --scale province` takes on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_rapi_bench \
        .venv/bin/python bench/residents_generate.py [--villages 200] [--keep]

Needs a migrated database holding the real tree (`manage.py import_regions --province 22`).
Unless --keep, the register tables are emptied first. Generates the first N rural villages
(in code order) through the same command a user runs, then prints households, persons,
events, persons/s, and the time extrapolated to all of Jilin's rural villages (≈ 9,300;
7.9 M persons). Also times `residents_verify` on what was written (the read-only replay).
Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="do not empty the register first")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()
    from django.db import connection

    from cunshe.core.jurisdiction import system_scope
    from cunshe.regions.models import Kind, Level, Region
    from cunshe.residents.models import Household, Person, ResidenceEvent

    with system_scope("bench"):
        total_villages = Region.objects.filter(
            level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE, valid_to=None, code__startswith="22"
        ).count()
    if total_villages == 0:
        sys.exit("No villages: run manage.py import_regions --province 22 first.")
    if not args.keep:
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE residents_residenceevent, residents_person, residents_household "
                "RESTART IDENTITY CASCADE"
            )
    # The demo cast and its villages first, untimed: the figure is for the province part.
    subprocess.run([PY, "manage.py", "demo_seed"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with system_scope("bench"):
        before = (Household.objects.count(), Person.objects.count())
    started = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "demo_seed", "--scale", "province", "--villages", str(args.villages)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    with system_scope("bench"):
        households = Household.objects.count() - before[0]
        persons = Person.objects.count() - before[1]
        events = ResidenceEvent.objects.count() - before[1]
    started = time.perf_counter()
    verify = subprocess.run(
        [PY, "manage.py", "residents_verify"], cwd=ROOT, capture_output=True, text=True
    )
    verify_seconds = time.perf_counter() - started
    checked = persons + before[1]
    rate = persons / seconds
    per_village = seconds / args.villages
    print(f"villages generated      {args.villages} of {total_villages}")
    print(f"households / persons    {households:,} / {persons:,} ({persons / households:.2f})")
    print(f"events                  {events:,}")
    print(f"demo_seed wall time     {seconds:.1f} s  ({rate:,.0f} persons/s)")
    print(
        f"extrapolated province   {per_village * total_villages / 60:.0f} min for "
        f"{total_villages} villages (≈ {persons / args.villages * total_villages / 1e6:.1f} M "
        "persons)"
    )
    print(
        f"residents_verify        {verify_seconds:.1f} s "
        f"({checked / verify_seconds:,.0f} persons/s), exit {verify.returncode}"
    )


if __name__ == "__main__":
    main()
