"""`manage.py worker`: run background tasks from the database queue (django_tasks_db).

A thin wrapper over `db_worker` with this platform's queues and defaults; any extra option
is passed through (`manage.py worker --batch`, `--max-tasks 100`, `--queues imports`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_QUEUES = "default,notifications,imports"


class Command(BaseCommand):
    help = "Run a background worker for the default, notifications and imports queues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues",
            default=DEFAULT_QUEUES,
            help="Comma-separated queue names (default: %(default)s).",
        )
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="Drain the queues, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default=None)
        parser.add_argument("--reload", action="store_true", help="Restart on code changes.")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        if backend != "django_tasks_db.DatabaseBackend":
            raise CommandError(
                f"The task backend is {backend}; the worker needs django_tasks_db.DatabaseBackend "
                "(tasks run in-process under the immediate backend)."
            )
        known = set(settings.TASKS["default"].get("QUEUES", []))
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        unknown = set(queues) - known
        if unknown or not queues:
            raise CommandError(f"Unknown queues {sorted(unknown)}; known: {sorted(known)}")
        kwargs: dict[str, Any] = {
            "queue_name": ",".join(queues),
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": options["reload"],
            # The random start-up pause spreads a fleet of long-lived workers; a batch run
            # (cron, tests) has no herd to spread.
            "startup_delay": not options["batch"],
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"]:
            kwargs["max_tasks"] = options["max_tasks"]
        if options["worker_id"]:
            kwargs["worker_id"] = options["worker_id"]
        call_command("db_worker", **kwargs)
