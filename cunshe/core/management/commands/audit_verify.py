"""`manage.py audit_verify`: walk the audit hash chain; exit 1 at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cunshe.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit code 1 and the first broken event if not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        result = verify_chain(batch_size=batch_size)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} checked"))
            return
        self.stderr.write(
            f"audit chain BROKEN at event id {result.broken_at}: {result.reason} "
            f"({result.checked} checked before it)"
        )
        raise SystemExit(1)
