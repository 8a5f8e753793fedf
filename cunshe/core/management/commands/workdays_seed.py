"""manage.py workdays_seed [--from-year 2020] [--to-year LAST]: load public holidays and adjusted
working days (调休) from the chinese-calendar package into the holiday calendar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunshe.core.calendar_seed import PACKAGE, package_version, package_years, seed_calendar


class Command(BaseCommand):
    help = (
        "Seed the holiday calendar from the chinese-calendar package (idempotent; days an "
        "administrator edited are kept)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        _first, last = package_years()
        parser.add_argument("--from-year", type=int, default=2020, help="first year (2020)")
        parser.add_argument(
            "--to-year",
            type=int,
            default=last,
            help=f"last year (default {last}, the package's last)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from_year, to_year = options["from_year"], options["to_year"]
        if from_year > to_year:
            raise CommandError(f"--from-year {from_year} is after --to-year {to_year}")
        first, last = package_years()
        counts = seed_calendar(from_year, to_year)
        package = f"{PACKAGE} {package_version()}"
        if counts.skipped_years:
            skipped = counts.skipped_years
            shown = f"{skipped[0]}" if len(skipped) == 1 else f"{skipped[0]}–{skipped[-1]}"
            if len(skipped) > 1 and skipped[-1] - skipped[0] + 1 != len(skipped):
                shown = ", ".join(str(y) for y in skipped)
            self.stderr.write(
                self.style.WARNING(
                    f"Skipped {shown}: {package} only knows {first}–{last}. Those years count "
                    "Monday–Friday only until an administrator enters their holidays at "
                    "/core/calendar/ or the package is upgraded."
                )
            )
        if not counts.years:
            return
        years = counts.years
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
        self.stdout.write(
            f"Holiday calendar {span} from {package}: "
            f"{counts.created} created, {counts.updated} updated, {counts.removed} removed, "
            f"{counts.unchanged} unchanged, {counts.kept_admin} kept (edited by an administrator)."
        )
