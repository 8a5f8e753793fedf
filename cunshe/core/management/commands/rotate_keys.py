"""`manage.py rotate_keys`: re-encrypt every encrypted value under the active field key.

Run after adding a new key to the key file (or CUNSHE_FIELD_KEYS) and making it active;
remove the old key only once a run reports 0 values rotated. See docs/operations.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunshe.core.services import RotationError, field_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField value that is not under the active key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        self.stdout.write(f"active key: {settings.FIELD_ENCRYPTION_ACTIVE_KEY}")

        def progress(label: str, seen: int, rotated: int) -> None:
            self.stdout.write(f"{label}: {seen} values, {rotated} rotated")

        try:
            counts = field_keys_rotate(batch_size=batch_size, progress=progress)
        except RotationError as exc:
            raise CommandError(f"rotation stopped: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"rotated {sum(counts.values())} values in total"))
