"""The last places of a slot, fought over: N booking attempts at once for K remaining places.

    .venv/bin/python bench/servicedesk_booking.py [--attempts 200] [--places 10]
        [--processes 4] [--threads 10]

Uses its own PostgreSQL database (dropped and re-created): DATABASE_URL if set, otherwise
postgres://postgres@127.0.0.1:5432/cunshe_bench_servicedesk_booking. It builds the test tree,
one village clerk, the village hall's window, N villagers (each with a phone, so every booking
also queues its SMS) and one slot with K places.

Then `processes` × `threads` workers (each thread its own database connection, as in a server
with that many worker threads) share the N attempts — N different people, each booked through
`booking_create`, the same service the pages and the API call — and all start at one wall-clock
instant. Printed: successes (must be exactly K; the rest must all get the "full" message, and
`booked` must equal the capacity), the time from the start until every attempt has its answer,
and the ratio of that time to N plain single-row UPDATEs (`booked = booked + 1` on one row, in
autocommit) run by the same workers in the same way in the same run (the floor any design
that counts places in one row pays). The plain UPDATEs run before and after the bookings; their
mean is the baseline. Not part of CI.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cunshe_bench_servicedesk_booking"


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CUNSHE_ENV="development", CUNSHE_DEBUG="0", CUNSHE_REQUIRE_2FA="0", DATABASE_URL=url)
    env.setdefault("CUNSHE_LOG_LEVEL", "WARNING")
    return env


def _setup_django(url: str) -> None:
    os.environ.update(_env(url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()


# --- data ----------------------------------------------------------------------------------


def _prepare(attempts: int, places: int) -> dict:
    """The tree, a clerk, a window, `attempts` villagers, a slot with `places` places and a
    plain counter row for the baseline. Returns the ids the workers need."""
    from django.utils import timezone

    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role
    from cunshe.core.testing.cast import build_tree
    from cunshe.residents import idcard
    from cunshe.residents import services as register
    from cunshe.residents.models import Person
    from cunshe.servicedesk.models import Slot
    from cunshe.servicedesk.services import appointments as svc

    regions = build_tree()
    village = regions["220182102200"]
    clerk = User.objects.create_user(username="bench_clerk", password=None, display_name="李明")
    assignment = RoleAssignment.objects.create(user=clerk, role=Role.VILLAGE_CLERK, region=village)
    j = assignment.jurisdiction()
    window = svc.window_create(
        actor=clerk, jurisdiction=j, region=village, name="闵家村便民服务站", address="村委会"
    )
    household = register.household_create(
        actor=clerk, jurisdiction=j, region=village, number="BENCH-1"
    )
    person_ids = []
    for i in range(attempts):
        person = register.person_register(
            actor=clerk,
            jurisdiction=j,
            household=household,
            relationship="02" if i == 0 else "70",
            name=f"村民{i:03d}",
            id_number=idcard.make("220182", date(1950, 1, 1) + timedelta(days=i), i % 500, "M"),
            since=date(2020, 1, 1),
            phone=f"139{i:08d}",
        )
        person_ids.append(person.pk)
    starts = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=2), datetime.min.time())
    ) + timedelta(hours=9)
    slot = Slot.objects.create(
        window=window, starts_at=starts, ends_at=starts + timedelta(minutes=30), capacity=places
    )
    counter = Slot.objects.create(
        window=window,
        starts_at=starts + timedelta(hours=1),
        ends_at=starts + timedelta(hours=1, minutes=30),
        capacity=30_000,
    )
    # Warm the process as a running server is warm (translation catalogues, model caches): one
    # booking on another slot, cancelled again. The forked workers inherit all of it.
    warm = Slot.objects.create(
        window=window,
        starts_at=starts + timedelta(hours=2),
        ends_at=starts + timedelta(hours=2, minutes=30),
        capacity=1,
    )
    first = Person.objects.within(j).get(pk=person_ids[0])
    booking = svc.booking_create(
        actor=clerk, jurisdiction=j, slot=warm, person=first, idempotency_key="warm-up"
    )
    svc.booking_cancel(actor=clerk, jurisdiction=j, booking=booking)
    return {
        "clerk": clerk.pk,
        "assignment": assignment.pk,
        "slot": slot.pk,
        "counter": counter.pk,
        "persons": person_ids,
    }


# --- workers -------------------------------------------------------------------------------


def _book_one(ids: dict, i: int) -> str:
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.residents.models import Person
    from cunshe.servicedesk.models import Slot
    from cunshe.servicedesk.services import appointments as svc

    clerk = User.objects.get(pk=ids["clerk"])
    j = RoleAssignment.objects.get(pk=ids["assignment"]).jurisdiction()
    person = Person.objects.within(j).get(pk=ids["persons"][i])
    slot = Slot.objects.select_related("window").get(pk=ids["slot"])
    try:
        svc.booking_create(
            actor=clerk, jurisdiction=j, slot=slot, person=person, idempotency_key=f"bench-{i}"
        )
    except svc.SlotFull as exc:
        return "full" if "该时段已约满" in exc.messages[0] else f"error: {exc}"
    except Exception as exc:  # counted and printed: the bench must show every failure
        return f"error: {type(exc).__name__}: {exc}"
    return "ok"


def _update_one(ids: dict, i: int) -> str:
    from django.db.models import F

    from cunshe.servicedesk.models import Slot

    Slot.objects.filter(pk=ids["counter"]).update(booked=F("booked") + 1)
    return "ok"


JOBS = {"book": _book_one, "update": _update_one}


def _process(job: str, ids: dict, indexes: list[int], threads: int, start_at: float, out) -> None:  # type: ignore[no-untyped-def]
    from django.db import connections

    connections.close_all()  # never share the parent's connection
    work = JOBS[job]
    shares = [indexes[t::threads] for t in range(threads)]
    results: list[tuple[int, str, float, float]] = []
    lock = threading.Lock()

    def thread(mine: list[int]) -> None:
        from django.db import connection

        connection.ensure_connection()  # connect before the start, like a warm server
        time.sleep(max(0.0, start_at - time.time()))
        for i in mine:
            began = time.time()
            outcome = work(ids, i)
            with lock:
                results.append((i, outcome, began, time.time()))
        connection.close()

    pool = [threading.Thread(target=thread, args=(share,)) for share in shares if share]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(results)


def _run(job: str, ids: dict, n: int, processes: int, threads: int) -> tuple[float, list]:
    """All `n` attempts at once across the workers; (seconds to settle, results)."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 2.0 + 0.05 * processes * threads
    procs = [
        ctx.Process(
            target=_process,
            args=(job, ids, list(range(n))[p::processes], threads, start_at, out),
        )
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    results: list = []
    for _ in procs:
        results.extend(out.get())
    for p in procs:
        p.join()
    settled = max(r[3] for r in results) - start_at
    return settled, results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--attempts", type=int, default=200)
    ap.add_argument("--places", type=int, default=10)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--threads", type=int, default=10)
    args = ap.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "This benchmark needs PostgreSQL (its database is dropped and re-created)."
        )
    recreate_database(url)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(url), check=True)
    _setup_django(url)
    began = time.time()
    ids = _prepare(args.attempts, args.places)
    print(
        f"prepared {args.attempts} villagers and a slot with {args.places} places "
        f"in {time.time() - began:.1f} s; workers: {args.processes} processes × "
        f"{args.threads} threads = {args.processes * args.threads} connections"
    )

    base_before, _ = _run("update", ids, args.attempts, args.processes, args.threads)
    booking_time, results = _run("book", ids, args.attempts, args.processes, args.threads)
    base_after, _ = _run("update", ids, args.attempts, args.processes, args.threads)
    baseline = (base_before + base_after) / 2

    from cunshe.core.jurisdiction import system_scope
    from cunshe.servicedesk.models import Booking, Slot

    outcomes = [r[1] for r in results]
    ok = outcomes.count("ok")
    full = outcomes.count("full")
    errors = [o for o in outcomes if o not in ("ok", "full")]
    slot = Slot.objects.get(pk=ids["slot"])
    with system_scope("bench: count bookings"):
        rows = Booking.objects.filter(slot_id=slot.pk, state=Booking.State.BOOKED).count()
    latencies = sorted((r[3] - r[2]) * 1000 for r in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]

    print(f"attempts               {len(outcomes)}")
    print(f"successes              {ok}   (must be exactly {args.places})")
    print(f"refused as full        {full}")
    print(f"other errors           {len(errors)}")
    for e in errors[:5]:
        print(f"    {e}")
    print(f"slot booked/capacity   {slot.booked}/{slot.capacity}; live booking rows {rows}")
    start_at = min(r[2] for r in results)
    last_ok = max((r[3] for r in results if r[1] == "ok"), default=start_at) - start_at
    print(f"time to settle         {booking_time * 1000:.0f} ms")
    print(f"last place taken after {last_ok * 1000:.0f} ms")
    print(f"per attempt            median {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms")
    print(
        f"{args.attempts} plain single-row UPDATEs, same workers: {base_before * 1000:.0f} ms "
        f"before, {base_after * 1000:.0f} ms after (mean {baseline * 1000:.0f} ms)"
    )
    print(f"ratio bookings / plain UPDATEs   {booking_time / baseline:.1f}x")
    correct = ok == args.places == slot.booked == rows and not errors
    print("CORRECT" if correct else "WRONG: overbooked, underbooked or failed")
    if not correct:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
