"""Check each volunteer's cached counters against the source rows: approved_minutes against the
approved hours entries (corrections included), shifts_attended / shifts_signed against the
sign-ups. Prints every difference; `--fix` rewrites them (one audit event). Exit code 1 when
differences were found and not fixed, so a scheduler can alert."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunshe.volunteering.services.records import counters_verify


class Command(BaseCommand):
    help = "Verify (and with --fix rewrite) volunteers' cached hours and shift counters."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="rewrite differing counters")

    def handle(self, *args: Any, fix: bool = False, **options: Any) -> None:
        diffs = counters_verify(fix=fix)
        for d in diffs:
            self.stdout.write(
                f"{d.number} (id {d.volunteer_id}) {d.field}: cached {d.cached}, actual {d.actual}"
            )
        if not diffs:
            self.stdout.write("volunteer counters: all consistent")
            return
        if fix:
            self.stdout.write(f"volunteer counters: fixed {len(diffs)} difference(s)")
            return
        raise CommandError(f"volunteer counters: {len(diffs)} difference(s); run with --fix")
