"""`manage.py audit_verify`: walk the audit hash chain; exit 1 at the first broken link.

The chain cannot show that its newest events were cut off (the shorter chain is still valid),
so the command prints the head (last id and hash): ship that line to the log host daily, and
pass an earlier one back with `--expect-head ID:HASH` to prove that event is still there.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunshe.core.audit import verify_chain
from cunshe.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit code 1 and the first broken event if not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--expect-head",
            default="",
            metavar="ID:HASH",
            help="A head printed by an earlier run; fail unless that event is still in the chain.",
        )

    def handle(self, *args: Any, batch_size: int, expect_head: str, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        result = verify_chain(batch_size=batch_size)
        if not result.ok:
            self.stderr.write(
                f"audit chain BROKEN at event id {result.broken_at}: {result.reason} "
                f"({result.checked} checked before it)"
            )
            raise SystemExit(1)
        if expect_head:
            head_id, _, head_hash = expect_head.partition(":")
            if not head_id.isdigit() or len(head_hash) != 64:
                raise CommandError("--expect-head takes ID:HASH as printed by audit_verify")
            found = AuditEvent.objects.filter(pk=int(head_id)).values_list("hash", flat=True)
            if list(found) != [head_hash]:
                self.stderr.write(
                    f"audit chain BROKEN: recorded head event id {head_id} is missing or "
                    "differs (events were removed from the end)"
                )
                raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} checked"))
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        if head is not None:
            self.stdout.write(f"head: {head[0]}:{head[1]}")
