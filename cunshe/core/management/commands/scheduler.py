"""`manage.py scheduler`: enqueue the registered periodic jobs when they fall due.

Run one (or, for availability, two) next to the workers. `--once` makes a single pass, for
tests and for running from cron instead of as a long-lived process.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from cunshe.core.scheduling import registered_jobs, run_due


class Command(BaseCommand):
    help = "Enqueue due periodic jobs every --interval seconds (or once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between passes (default 30)."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be positive")
        jobs = registered_jobs()
        if options["verbosity"] > 1 or not once:
            names = ", ".join(j.name for j in jobs) or "none"
            self.stdout.write(f"scheduler: {len(jobs)} periodic jobs ({names})")
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            enqueued = run_due(jobs=jobs)
            if once or enqueued:
                self.stdout.write(
                    f"scheduler: enqueued {len(enqueued)}"
                    + (f" ({', '.join(enqueued)})" if enqueued else "")
                )
            if once:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(1.0, interval))
            if stopping:
                self.stdout.write("scheduler: stopped")
                return
            # A long-lived process must drop connections the server or CONN_MAX_AGE expired.
            close_old_connections()
