"""The missed check-in sweep over many devices: time from the window closing to every missed
check-in alert raised and its first rung's messages written.

    .venv/bin/python bench/care_checkin_sweep.py [--terminals 100000] [--missing 0.10]
        [--naive 2000] [--db sqlite|postgres]

Uses its own database: SQLite in var/bench_care_sweep.sqlite3 (deleted and re-made), or
PostgreSQL at DATABASE_URL / postgres://postgres@127.0.0.1:5432/cunshe_bench_care_sweep
(dropped and re-created). It builds the test tree, a village leader and a township officer,
then bulk-creates `terminals` persons each wearing an active terminal (06:00–10:00 window)
spread over three villages; half have an active care profile with one family contact; all but
`missing` of them checked in at 07:30 today.

Measured, in one run:
1. the sweep (`cunshe.care.jobs.checkins.sweep`) at 10:00: every missed terminal gets one
   alert, an AlertStep, an audit event and its first-rung SMS rows;
2. a second sweep right after (must raise nothing: the cost of the idempotency check);
3. the ratio baseline on `naive` other terminals (a later window): a naive per-terminal loop
   (one query for the check-in, then `alert_raise` for each terminal without one) against the
   set-based sweep on another `naive` terminals with the same share missing.
Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
PG_URL = "postgres://postgres@127.0.0.1:5432/cunshe_bench_care_sweep"
SQLITE = ROOT / "var" / "bench_care_sweep.sqlite3"


def _setup(db: str) -> None:
    if db == "postgres":
        from _common import recreate_database

        url = os.environ.get("DATABASE_URL") or PG_URL
        recreate_database(url)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{SQLITE}"
    os.environ.update(
        CUNSHE_ENV="development", CUNSHE_DEBUG="0", DATABASE_URL=url, CUNSHE_LOG_LEVEL="WARNING"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(n: int, missing: float, window: tuple[dtime, dtime], tag: str, day: date) -> int:
    """n persons with terminals in `window`; returns how many did not check in."""
    from django.utils import timezone

    from cunshe.care.models import CareProfile, Contact, Terminal, TerminalEvent
    from cunshe.regions.models import Region
    from cunshe.residents.models import Household, Person

    villages = list(
        Region.objects.filter(code__in=["220182102200", "220182102201", "220322103200"]).order_by(
            "code"
        )
    )
    early = timezone.make_aware(datetime(2026, 1, 1, 9, 0))
    start = timezone.make_aware(datetime.combine(day, window[0]))
    checkin_at = start + (timezone.make_aware(datetime.combine(day, window[1])) - start) / 2
    every_nth_missing = round(1 / missing) if missing else 0
    households = [
        Household(region=v, region_code=v.code, village_code=v.code, number=f"{tag}-{i}")
        for i, v in enumerate(villages * (n // 50 // len(villages) + 1))
    ]
    Household.objects.bulk_create(households, batch_size=2000)
    persons = []
    for i in range(n):
        h = households[i // 50]
        persons.append(
            Person(
                household=h,
                region_id=h.region_id,
                region_code=h.region_code,
                relationship="70",
                name=f"老人{tag}{i}",
                sex="M",
                birth_date=date(1950, 1, 1),
            )
        )
    Person.objects.bulk_create(persons, batch_size=2000)
    terminals = [
        Terminal(
            person=p,
            region_id=p.region_id,
            region_code=p.region_code,
            serial=f"{tag}-{i:07d}",
            callback_phone="13900001111",
            secret="x",  # noqa: S106 - bench data
            checkin_start=window[0],
            checkin_end=window[1],
        )
        for i, p in enumerate(persons)
    ]
    Terminal.objects.bulk_create(terminals, batch_size=2000)
    Terminal.objects.filter(serial__startswith=f"{tag}-").update(created_at=early)
    profiles = [
        CareProfile(
            person=p,
            region_id=p.region_id,
            region_code=p.region_code,
            kind="elderly",
            status="active",
            identified_on=day,
        )
        for p in persons[::2]
    ]
    CareProfile.objects.bulk_create(profiles, batch_size=2000)
    Contact.objects.bulk_create(
        [Contact(profile=pr, name="家属", relation="子女", phone="13911110000") for pr in profiles],
        batch_size=2000,
    )
    events = []
    missed = 0
    for i, t in enumerate(terminals):
        if every_nth_missing and i % every_nth_missing == 0:
            missed += 1
            continue
        events.append(
            TerminalEvent(
                terminal=t,
                region_id=t.region_id,
                region_code=t.region_code,
                event_id=f"c{i}",
                kind="checkin",
                occurred_at=checkin_at,
                received_at=checkin_at,
                source="http",
            )
        )
    TerminalEvent.objects.bulk_create(events, batch_size=5000)
    return missed


def _naive(tag: str, day: date, window: tuple[dtime, dtime], now: datetime) -> int:
    """The obvious loop: every active terminal, one query for a check-in, then alert_raise."""
    from django.utils import timezone

    from cunshe.care.models import Terminal, TerminalEvent
    from cunshe.care.services.alerts import alert_raise

    start = timezone.make_aware(datetime.combine(day, window[0]))
    end = timezone.make_aware(datetime.combine(day, window[1]))
    raised = 0
    for t in Terminal.objects.filter(active=True, serial__startswith=f"{tag}-"):
        has = TerminalEvent.objects.filter(
            terminal=t, kind="checkin", occurred_at__gte=start, occurred_at__lte=end
        ).exists()
        if not has:
            raised += (
                alert_raise(terminal=t, kind="missed_checkin", at=end, for_date=day, now=now)
                is not None
            )
    return raised


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--terminals", type=int, default=100_000)
    parser.add_argument("--missing", type=float, default=0.10)
    parser.add_argument("--naive", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    _setup(args.db)

    from django.db import connection
    from django.utils import timezone

    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role
    from cunshe.care.jobs.checkins import sweep
    from cunshe.care.models import Alert, AlertStep
    from cunshe.core.jurisdiction import system_scope
    from cunshe.core.models import AuditEvent, Notification
    from cunshe.core.testing.cast import build_tree

    regions = build_tree()
    for name, role, code in (
        ("leader", Role.VILLAGE_LEADER, "220182102200"),
        ("township", Role.TOWNSHIP_OFFICER, "220182102"),
    ):
        user = User.objects.create_user(username=f"bench_{name}", display_name=name)
        RoleAssignment.objects.create(user=user, role=role, region=regions[code])

    day = timezone.localdate()
    w_main, w_naive, w_set = (
        (dtime(6, 0), dtime(10, 0)),
        (dtime(10, 30), dtime(12, 0)),
        (dtime(12, 30), dtime(13, 0)),
    )
    with system_scope("bench set-up"):
        began = time.perf_counter()
        missed = _populate(args.terminals, args.missing, w_main, "M", day)
        missed_naive = _populate(args.naive, args.missing, w_naive, "N", day)
        missed_set = _populate(args.naive, args.missing, w_set, "S", day)
        setup = time.perf_counter() - began
    print(f"database                {connection.vendor}")
    print(f"set-up                  {setup:.1f} s ({args.terminals + 2 * args.naive} terminals)")

    def at(t: dtime) -> datetime:
        return timezone.make_aware(datetime.combine(day, t))

    counts_before = (Notification.objects.count(), AuditEvent.objects.count())
    began = time.perf_counter()
    raised = sweep(now=at(w_main[1]))
    elapsed = time.perf_counter() - began
    with system_scope("bench check"):
        alerts = Alert.objects.filter(for_date=day).count()
        steps = AlertStep.objects.count()
    notes = Notification.objects.count() - counts_before[0]
    audits = AuditEvent.objects.count() - counts_before[1]
    assert raised == missed == alerts == steps, (raised, missed, alerts, steps)
    print(
        f"sweep {args.terminals:>7} terminals   {elapsed:.2f} s: {raised} alerts, {steps} steps, "
        f"{notes} SMS rows, {audits} audit events ({raised / elapsed:.0f} alerts/s)"
    )

    began = time.perf_counter()
    again = sweep(now=at(w_main[1]))
    print(
        f"second sweep            {time.perf_counter() - began:.2f} s, raised {again} (must be 0)"
    )

    with system_scope("bench naive"):
        began = time.perf_counter()
        naive_raised = _naive("N", day, w_naive, at(w_naive[1]))
        naive_time = time.perf_counter() - began
    began = time.perf_counter()
    set_raised = sweep(now=at(w_set[1]))
    set_time = time.perf_counter() - began
    assert naive_raised == missed_naive and set_raised == missed_set
    print(f"naive loop {args.naive:>6} terminals  {naive_time:.2f} s ({naive_raised} alerts)")
    print(f"sweep      {args.naive:>6} terminals  {set_time:.2f} s ({set_raised} alerts)")
    print(
        f"ratio naive / sweep     {naive_time / set_time:.1f}x at N={args.naive}; naive "
        f"extrapolated to N={args.terminals}: "
        f"{naive_time * args.terminals / args.naive:.0f} s"
    )


if __name__ == "__main__":
    main()
