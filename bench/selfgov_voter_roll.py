"""Voter roll generation: a village of 3,000 residents and a whole county, timed, and checked
equal (same persons, same categories) to the test suite's reference computation (a plain loop
over persons); prints the ratio reference / set-based.

    .venv/bin/python bench/selfgov_voter_roll.py [--villages 120] [--per-village 700]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench_roll \
        .venv/bin/python bench/selfgov_voter_roll.py

On SQLite a fresh file database under var/ is used; on PostgreSQL the named database is dropped
and re-created. Residents are written with the register's bulk writer (`residents.bulk`):
random ages clustered around 18 on the vote day, every residence status and hukou mix; 15 %
opted in, 20 % with a non-hukou application (most approved by a passed 村民会议 decision), 3 %
deprived of political rights. Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _setup(db_url: str | None) -> None:
    os.environ.update(CUNSHE_ENV="development", CUNSHE_DEBUG="0", CUNSHE_REQUIRE_2FA="0")
    os.environ.setdefault("CUNSHE_LOG_LEVEL", "WARNING")
    if db_url:
        from _common import recreate_database

        recreate_database(db_url)
        os.environ["DATABASE_URL"] = db_url
    else:
        path = ROOT / "var" / "bench_selfgov_roll.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--villages", type=int, default=120, help="villages in the county")
    ap.add_argument("--per-village", type=int, default=700, help="residents per county village")
    ap.add_argument("--big", type=int, default=3000, help="residents of the big village")
    args = ap.parse_args()
    db_url = os.environ.get("DATABASE_URL", "")
    _setup(db_url if db_url.startswith("postgres") else None)

    from django.db import connection, transaction
    from django.utils import timezone

    from cunshe.accounts.models import User
    from cunshe.core.jurisdiction import system_scope
    from cunshe.regions.models import Kind, Level, Region
    from cunshe.selfgov.models.elections import Election
    from cunshe.selfgov.services import elections as svc
    from cunshe.selfgov.tests.elections_fixtures import (
        bulk_village,
        generated_roll,
        reference_roll,
        sprinkle,
    )

    vote_on = timezone.localdate() + timedelta(days=45)
    with system_scope("bench selfgov_voter_roll") as j:
        actor = User.objects.create_user(username="bench", password="x")  # noqa: S106
        prov = Region.objects.create(code="22", name="吉林省", level=Level.PROVINCE)
        county = Region.objects.create(code="220182", name="县", level=Level.COUNTY, parent=prov)
        township = Region.objects.create(
            code="220182102", name="镇", level=Level.TOWNSHIP, parent=county
        )

        def village(n: int) -> Region:
            return Region.objects.create(
                code=f"220182102{n:03d}",
                name=f"村{n}",
                level=Level.VILLAGE,
                kind=Kind.RURAL_VILLAGE,
                parent=township,
            )

        t0 = time.perf_counter()
        big = village(200)
        with transaction.atomic():
            ids = bulk_village(big, args.big, seed=1, vote_on=vote_on)
        elections = [
            Election._base_manager.create(
                region=big, title="换届", vote_on=vote_on, created_by=actor
            )
        ]
        sprinkle(elections[0], actor, ids, seed=1)
        county_villages = []
        for n in range(args.villages):
            v = village(201 + n)
            with transaction.atomic():
                ids = bulk_village(v, args.per_village, seed=100 + n, vote_on=vote_on)
            e = Election._base_manager.create(
                region=v, title="换届", vote_on=vote_on, created_by=actor
            )
            sprinkle(e, actor, ids, seed=100 + n)
            county_villages.append(e)
        load = time.perf_counter() - t0
        persons = args.big + args.villages * args.per_village
        print(f"database: {connection.vendor}; loaded {persons} residents in {load:.1f} s")

        def run(batch: list[Election], label: str) -> None:
            t = time.perf_counter()
            total = 0
            for e in batch:
                total += svc.roll_generate(actor=actor, jurisdiction=j, election=e).total
            gen = time.perf_counter() - t
            t = time.perf_counter()
            again = sum(
                svc.roll_generate(actor=actor, jurisdiction=j, election=e).added for e in batch
            )
            regen = time.perf_counter() - t
            t = time.perf_counter()
            refs = [reference_roll(e) for e in batch]
            ref = time.perf_counter() - t
            equal = all(generated_roll(e) == r for e, r in zip(batch, refs, strict=True))
            print(
                f"{label}: {total} voters; generate {gen:.2f} s, re-run (idempotent, "
                f"{again} added) {regen:.2f} s, reference loop {ref:.2f} s, "
                f"ratio reference/set-based {ref / gen:.1f}x; identical: {equal}"
            )
            assert equal and again == 0

        run(elections, f"village of {args.big} residents")
        run(
            county_villages,
            f"county: {args.villages} villages, {args.villages * args.per_village} residents",
        )


if __name__ == "__main__":
    main()
