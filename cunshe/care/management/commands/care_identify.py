"""manage.py care_identify [--village CODE ...] [--all] [--on YYYY-MM-DD]

Re-infers kin links and identifies the left-behind from scratch, village by village, under an
audited system scope (one `core.system_scope.entered` and one `care.identification.ran` event
per village). Safe to run again: profiles only move when the findings change."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunshe.care.services.identification import Summary, identify_region
from cunshe.core.jurisdiction import is_valid_code


class Command(BaseCommand):
    help = "Identify left-behind children, women and elderly people from the register."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--village",
            action="append",
            default=[],
            metavar="CODE",
            help="a region code (village, township, county …); repeatable",
        )
        parser.add_argument("--all", action="store_true", help="every village in the register")
        parser.add_argument("--on", default="", help="the date to identify on (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["village"]
        if not codes and not options["all"]:
            raise CommandError("Give --village CODE or --all.")
        if codes and options["all"]:
            raise CommandError("Give either --village or --all, not both.")
        bad = [c for c in codes if not is_valid_code(c)]
        if bad:
            raise CommandError(f"Not a region code: {', '.join(bad)}")
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else None
        except ValueError as exc:
            raise CommandError("--on must be YYYY-MM-DD") from exc
        total = Summary()
        for prefix in codes or [""]:
            total.add(identify_region(prefix, on))
        self.stdout.write(" ".join(f"{k}={v}" for k, v in total.as_dict().items()))
