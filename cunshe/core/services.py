"""Writes of the core app: inbox state, audit-log reads on the record, field-key rotation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cunshe.core import crypto
from cunshe.core.audit import audit
from cunshe.core.fields import EncryptedTextField, encrypted_fields
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.models import Notification
from cunshe.core.selectors import AuditFilters


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own messages read (idempotent)."""
    if notification.recipient_id != actor.pk:
        raise PermissionError("only the recipient marks a message read")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit("core.notification.read", actor=actor, obj=notification)
    return notification


@transaction.atomic
def notification_mark_all_read(*, actor: Any) -> int:
    """Mark every unread in-app message of the actor read; returns how many."""
    count = Notification.objects.filter(
        recipient=actor, channel=Notification.Channel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())
    if count:
        audit("core.notification.read_all", actor=actor, detail={"count": count})
    return count


def audit_log_viewed(
    *, actor: Any, jurisdiction: Jurisdiction, filters: AuditFilters, shown: int, cursor: str
) -> None:
    """Reading the audit trail is itself on the trail: who looked, for what, how much."""
    audit(
        "core.audit.viewed",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={"filters": filters.as_detail(), "shown": shown, "cursor": cursor},
    )


def audit_log_exported(
    *, actor: Any, jurisdiction: Jurisdiction, filters: AuditFilters, rows: int, up_to_id: int
) -> None:
    audit(
        "core.audit.exported",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={"filters": filters.as_detail(), "rows": rows, "up_to_id": up_to_id},
    )


class RotationError(RuntimeError):
    """A stored value could not be decrypted with any configured key; nothing was guessed."""


def _rotate_model(
    model: Any, fields: list[EncryptedTextField], active: str, batch_size: int
) -> tuple[int, int]:
    """Re-encrypt one model's values not under `active`; returns (values seen, rotated).

    Works on the raw column: the field's from_db_value would hand back plaintext and its
    get_prep_value would re-encrypt under whatever key is active, hiding what is stored.
    """
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk_col = qn(model._meta.pk.column)
    cols = [qn(f.column) for f in fields]
    select_cols = f"SELECT {pk_col}, {', '.join(cols)} FROM {table} "  # noqa: S608
    seen = rotated = 0
    last_pk: Any = None
    while True:
        with transaction.atomic():
            with connection.cursor() as cur:
                if last_pk is None:
                    cur.execute(f"{select_cols} ORDER BY {pk_col} LIMIT %s", [batch_size])
                else:
                    cur.execute(
                        f"{select_cols} WHERE {pk_col} > %s ORDER BY {pk_col} LIMIT %s",
                        [last_pk, batch_size],
                    )
                rows = cur.fetchall()
            if not rows:
                return seen, rotated
            updates: dict[int, list[tuple[str, Any, str]]] = {}
            for row in rows:
                pk = row[0]
                for i, (field, stored) in enumerate(zip(fields, row[1:], strict=True)):
                    if stored in (None, ""):
                        continue
                    seen += 1
                    if crypto.key_id_of(stored) == active:
                        continue
                    try:
                        plain = crypto.decrypt(stored, field.purpose)
                    except crypto.DecryptionError as exc:
                        raise RotationError(
                            f"{model._meta.label_lower} pk={pk} {field.name}: {exc}"
                        ) from exc
                    new = crypto.encrypt(plain, field.purpose, key_id=active)
                    updates.setdefault(i, []).append((new, pk, stored))
            with connection.cursor() as cur:
                for i, params in updates.items():
                    # The old value in the WHERE clause: a row changed meanwhile is left alone
                    # (it was written under the active key anyway).
                    cur.executemany(
                        f"UPDATE {table} SET {cols[i]} = %s "  # noqa: S608 - quoted identifiers
                        f"WHERE {pk_col} = %s AND {cols[i]} = %s",
                        params,
                    )
                    rotated += len(params)
            last_pk = rows[-1][0]


def encrypted_models() -> list[tuple[Any, list[EncryptedTextField]]]:
    """Every concrete model with encrypted fields, with those fields."""
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = encrypted_fields(model)
        if fields:
            out.append((model, fields))
    return out


def field_keys_rotate(
    *,
    actor: Any = None,
    batch_size: int = 500,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Re-encrypt every encrypted value not under the active key; returns rotated per model."""
    if batch_size < 1:
        raise ValueError("batch size must be positive")
    active = settings.FIELD_ENCRYPTION_ACTIVE_KEY
    counts: dict[str, int] = {}
    with system_scope("rotate_keys") as j:
        for model, fields in encrypted_models():
            seen, rotated = _rotate_model(model, fields, active, batch_size)
            counts[model._meta.label_lower] = rotated
            if progress is not None:
                progress(model._meta.label_lower, seen, rotated)
        audit(
            "core.keys.rotated",
            actor=actor,
            jurisdiction=j,
            detail={"active_key": active, "counts": counts, "total": sum(counts.values())},
        )
    return counts
