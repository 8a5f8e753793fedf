"""Re-identification of the left-behind after a bulk import of residence events.

    .venv/bin/python bench/care_reidentify.py --db sqlite [--villages 70] [--events 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench_reident \
        .venv/bin/python bench/care_reidentify.py --db postgres

The SQLite file (var/bench_reidentify.sqlite3) or the named PostgreSQL database is re-created.
A township of synthetic villages is filled by the demo generator (`cunshe.demo.residents`,
≈ 850 persons per village, realistic households), kin links are inferred and everyone is
identified from scratch (the "initial" run). Then --events residence events (leaving for work,
returning, moving out, deaths — each allowed from the person's state at the time) are written
in bulk with the register's bulk writer and the persons' states brought up to date, as a bulk
import does. Measured in the same run:

  incremental  `identify_persons(changed persons)`: everyone whose outcome depends on them
               (children, spouses, parents through kin links) re-identified, set-based
  scratch      `identify_region("")`: kin re-inferred and every village re-identified
  naive        `identify_persons([one person])` per person on a sample: the per-person loop a
               hand-written hook would run

Checked: the profiles after the incremental run equal a from-scratch recomputation (the pure
rules over the whole register), and the scratch run afterwards changes no profile.
Printed: counts, seconds, persons/s, incremental/scratch and naive/incremental ratios.
Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE = ROOT / "var" / "bench_reidentify.sqlite3"
TOWNSHIP = "220182102"


def _setup(db: str) -> None:
    os.environ.update(CUNSHE_ENV="development", CUNSHE_DEBUG="0", CUNSHE_REQUIRE_2FA="0")
    os.environ.setdefault("CUNSHE_LOG_LEVEL", "WARNING")
    if db == "sqlite":
        SQLITE.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"
    else:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith("postgres"):
            sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
        sys.path.insert(0, str(ROOT / "bench"))
        from _common import recreate_database

        recreate_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _tree(villages: int) -> None:
    from cunshe.core.testing.cast import build_tree
    from cunshe.regions.models import Kind, Level, Region

    regions = build_tree()
    township = regions[TOWNSHIP]
    existing = set(Region.objects.filter(parent=township).values_list("code", flat=True))
    for n in range(villages):
        code = f"{TOWNSHIP}{200 + n:03d}"
        if code not in existing:
            Region.objects.create(code=code, name=f"测试村{n}", level=Level.VILLAGE,
                                  kind=Kind.RURAL_VILLAGE, parent=township)  # fmt: skip


# Which event may follow which state (the register service's rule, simplified).
NEXT = {
    "here": ["leave_work", "leave_work", "leave_work", "move_out", "death"],
    "non_hukou": ["leave_work", "move_out"],
    "away_work": ["return", "return", "return", "move_out"],
    "away_other": ["return", "leave_work"],
}


def _events(total: int, rng: random.Random, start: date, end: date) -> tuple[list, set[int]]:
    """`total` events over random persons, each allowed from the state before it, in date order
    per person; written with the bulk writer and folded into the persons' stored states."""
    from cunshe.residents import bulk
    from cunshe.residents.events import EventFacts, State, apply
    from cunshe.residents.models import Person, ResidenceEvent

    fields = list(State.__dataclass_fields__)
    rows = list(
        Person._base_manager.filter(residence_status__in=list(NEXT)).values_list(
            "id", "region_id", "region_code", *fields
        )
    )
    states = {r[0]: (r[1], r[2], State(**dict(zip(fields, r[3:], strict=True)))) for r in rows}
    ids = list(states)
    event_rows: list[dict] = []
    changed: set[int] = set()
    last: dict[int, date] = {}
    # Rounds of random picks until `total` events are written: a pick on a person who moved
    # out or died (no event allowed any more) is dropped and drawn again in the next round.
    while len(event_rows) < total and ids:
        picks: dict[int, int] = defaultdict(int)
        for _ in range(total - len(event_rows)):
            picks[rng.choice(ids)] += 1
        for pk, count in picks.items():
            region_id, region_code, state = states[pk]
            lo = last.get(pk)
            first = start if lo is None else lo + timedelta(days=1)
            if first > end:
                continue
            span = (end - first).days
            for day in sorted(first + timedelta(days=rng.randint(0, span)) for _ in range(count)):
                options = NEXT.get(state.residence_status)
                if not options or len(event_rows) >= total:
                    break
                kind = rng.choice(options)
                where = "外地" if kind in ("leave_work", "move_out") else ""
                state = apply(
                    state, EventFacts(id=0, kind=kind, occurred_on=day, destination=where)
                )
                event_rows.append({"person_id": pk, "region_id": region_id,
                                   "region_code": region_code, "kind": kind, "occurred_on": day,
                                   "recorded_by_id": None, "destination": where})  # fmt: skip
                last[pk] = day
                changed.add(pk)
            states[pk] = (region_id, region_code, state)
        ids = [i for i in ids if NEXT.get(states[i][2].residence_status)]
    for i in range(0, len(event_rows), 5000):
        bulk.insert(ResidenceEvent, event_rows[i : i + 5000], returning_ids=False)
    people = []
    for pk in changed:
        p = Person(pk=pk)
        for f, v in states[pk][2].__dict__.items():
            setattr(p, f, v)
        people.append(p)
    from cunshe.care.services.identification import set_columns

    set_columns(Person, people, fields)
    return event_rows, changed


def _canonical(reason: list) -> str:
    # PostgreSQL's jsonb reorders object keys: compare reasons in one canonical form.
    return json.dumps(reason, sort_keys=True, ensure_ascii=False)


def _snapshot() -> dict:
    from cunshe.care.models import CareProfile

    return {
        (p, k): (_canonical(r), d)
        for p, k, r, d in CareProfile._base_manager.filter(matches_now=True).values_list(
            "person_id", "kind", "reason", "recheck_on"
        )
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--villages", type=int, default=70)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    args = parser.parse_args()
    _setup(args.db)

    from django.db import connection, transaction
    from django.utils import timezone

    from cunshe.care.models import CareProfile, KinLink
    from cunshe.care.services import identification as svc
    from cunshe.core.jurisdiction import system_scope
    from cunshe.demo.residents import generate_population
    from cunshe.residents.models import Person

    print(f"database: {connection.vendor}")
    on = timezone.localdate()
    rng = random.Random(7)  # noqa: S311 - a reproducible workload, not a secret
    with system_scope("bench: care re-identification"):
        _tree(args.villages)
        t = time.perf_counter()
        added = generate_population(seed=1, scale="demo")
        print(f"population: {added['persons']:,} persons in {added['households']:,} households "
              f"({time.perf_counter() - t:.1f} s)")  # fmt: skip
    t = time.perf_counter()
    first = svc.identify_region("", on)
    initial = time.perf_counter() - t
    print(f"initial    from scratch: {initial:7.1f} s  kin links {KinLink._base_manager.count():,}"
          f"  profiles {CareProfile._base_manager.count():,}  {first.as_dict()}")  # fmt: skip

    with system_scope("bench: bulk residence events"), transaction.atomic():
        t = time.perf_counter()
        events, changed = _events(args.events, rng, date(2026, 5, 2), on)
        load = time.perf_counter() - t
    print(f"import     {len(events):,} events for {len(changed):,} persons: {load:7.1f} s")

    t = time.perf_counter()
    inc = svc.identify_persons(changed, on)
    incremental = time.perf_counter() - t
    print(f"incremental {len(changed):,} changed, {inc.subjects:,} subjects: {incremental:7.1f} s "
          f"({inc.subjects / incremental:,.0f} subjects/s)  {inc.as_dict()}")  # fmt: skip

    after_incremental = _snapshot()
    t = time.perf_counter()
    all_ids = list(Person._base_manager.values_list("id", flat=True))
    want = {
        k: (_canonical(o.reason), o.recheck_on)
        for k, o in svc.expected_outcomes(all_ids, on).items()
        if o.matches
    }
    recompute = time.perf_counter() - t
    equal = want == after_incremental
    print(f"check      pure recomputation over {len(all_ids):,} persons: {recompute:7.1f} s  "
          f"incremental == from scratch: {equal}  ({len(want):,} matches)")  # fmt: skip

    t = time.perf_counter()
    scratch_summary = svc.identify_region("", on)
    scratch = time.perf_counter() - t
    unchanged = _snapshot() == after_incremental and scratch_summary.identified == 0
    print(f"scratch    identify_region(''): {scratch:7.1f} s  changed nothing: {unchanged}  "
          f"{scratch_summary.as_dict()}")  # fmt: skip

    sample = rng.sample(sorted(changed), min(args.naive_sample, len(changed)))
    t = time.perf_counter()
    for pk in sample:
        svc.identify_persons([pk], on)
    naive_each = (time.perf_counter() - t) / len(sample)
    naive = naive_each * len(changed)
    print(f"naive      one call per person: {naive_each * 1000:.1f} ms each, "
          f"{naive:7.1f} s extrapolated to {len(changed):,}")  # fmt: skip
    print(f"ratios     incremental/scratch {incremental / scratch:.2f}   "
          f"naive/incremental {naive / incremental:.1f}x")  # fmt: skip
    if not (equal and unchanged):
        sys.exit("MISMATCH: incremental identification differs from a from-scratch run")


if __name__ == "__main__":
    main()
