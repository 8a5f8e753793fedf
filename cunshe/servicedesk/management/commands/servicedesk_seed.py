"""manage.py servicedesk_seed: load the service catalogue and the 随手拍 report categories from
cunshe/servicedesk/data/ (or the files given). Safe to run again: items are matched by code,
a second run over the same files changes nothing, and items missing from the file are marked
inactive, never deleted. A bad file is refused with every problem named and nothing written."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunshe.servicedesk.services.catalogue import CatalogueFileError, load_catalogue


class Command(BaseCommand):
    help = "Load the service catalogue (事项清单) and the problem-report categories."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catalogue", help="catalogue JSON file (default: the bundled one)")
        parser.add_argument(
            "--categories", help="report categories JSON file (default: the bundled one)"
        )
        parser.add_argument("--no-categories", action="store_true", help="load the catalogue only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = load_catalogue(
                options["catalogue"],
                categories_path=options["categories"],
                categories=not options["no_categories"],
            )
        except CatalogueFileError as exc:
            problems = "\n  ".join(exc.problems)
            raise CommandError(f"{exc.path}: refused, nothing written:\n  {problems}") from exc
        for line in summary.lines():
            self.stdout.write(line)
        if not summary.changed:
            self.stdout.write(self.style.SUCCESS("already up to date"))
