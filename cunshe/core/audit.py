"""Writing and verifying the audit trail."""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from cunshe.core.models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cunshe.core.jurisdiction import Jurisdiction

GENESIS = "0" * 64
# Values under these keys would put personal data into the trail; refuse them outright.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"password", "id_number", "phone", "token", "secret", "otp", "diagnosis", "address"}
)
_LOCK_KEY = 7351_2016  # arbitrary constant naming the audit chain's advisory lock
_BULK_BATCH = 500  # rows per INSERT in audit_many (13 columns: well under any parameter limit)

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "cunshe_request", default=None
)


def set_current_request(request: HttpRequest | None) -> contextvars.Token:
    return _current_request.set(request)


def reset_current_request(token: contextvars.Token) -> None:
    _current_request.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind N trusted reverse proxies (settings.TRUSTED_PROXY_COUNT),
    each proxy appends the address it was reached from to X-Forwarded-For, so the client is the
    N-th entry from the right; anything further left was written by the client and is ignored.
    With no trusted proxy the header is ignored altogether."""
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        return remote
    return hops[-count] or remote


def _canonical(event: AuditEvent) -> bytes:
    payload = [
        event.at.isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_username,
        event.role,
        event.region_code,
        event.action,
        event.object_type,
        event.object_id,
        event.outcome,
        event.ip,
        event.request_id,
        event.detail,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(event)).hexdigest()


def _build(
    action: str,
    *,
    actor: Any,
    jurisdiction: Jurisdiction | None,
    obj: Any,
    object_type: str,
    object_id: str | int,
    outcome: str,
    detail: dict[str, Any] | None,
    request: HttpRequest | None,
) -> AuditEvent:
    """Check one event and make its row (not yet linked into the chain nor saved)."""
    if action.count(".") < 2:
        raise ValueError(f"audit action {action!r} must be namespaced like app.thing.verb")
    detail = dict(detail or {})
    bad = FORBIDDEN_DETAIL_KEYS.intersection(detail)
    if bad:
        raise ValueError(f"audit detail must not carry personal data: {sorted(bad)}")
    request = request or _current_request.get()
    if request is not None:
        if actor is None:
            user = getattr(request, "user", None)
            actor = user if user is not None and user.is_authenticated else None
        if jurisdiction is None:
            jurisdiction = getattr(request, "jurisdiction", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    # Timezone-aware, microsecond-precision, stable through a database round trip.
    return AuditEvent(
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        role=getattr(jurisdiction, "role", "") or "",
        region_code=(getattr(jurisdiction, "root_code", "") or "")[:15],
        action=action,
        object_type=str(object_type)[:60],
        object_id=str(object_id)[:64],
        outcome=str(outcome),
        ip=client_ip(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        detail=detail,
    )


def _append(events: list[AuditEvent]) -> None:
    """Link `events` onto the chain in order and insert them, in one transaction holding the
    chain's lock (PostgreSQL; SQLite serialises writers itself): one read of the last hash."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        prev = last or GENESIS
        for event in events:
            event.prev_hash = prev
            event.hash = prev = compute_hash(prev, event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            # Ids are handed out in list order, so the chain's id order is the order linked.
            AuditEvent.objects.bulk_create(events, batch_size=_BULK_BATCH)


# --- refusals that must outlive a rollback ---------------------------------------------------
#
# A refusal (outcome DENIED) is raised as PermissionDenied, and when it is raised inside an
# atomic block the exception rolls that block back — and with it the refusal's own audit
# event, although the refused attempt did happen. So a refusal written inside a (non-test)
# atomic block is also remembered here, on the connection: when its transaction commits, the
# on_commit hook forgets it (it is durable); when the block rolls back, nothing forgets it, and
# the next flush writes it again as a new link of the chain. Flushes happen at the end of
# every request (RequestIdMiddleware), before any event appended outside a transaction, and on
# demand (`flush_refusals`). A flush only acts outside every atomic block, where what is still
# remembered is certain to have been rolled back (or, under a test's transaction, where the
# commit hook never runs, is found by its hash and skipped).

_PENDING_ATTR = "_cunshe_pending_refusals"
_COPIED_FIELDS = (
    "at", "actor_id", "actor_username", "role", "region_code", "action", "object_type",
    "object_id", "outcome", "ip", "request_id", "detail",
)  # fmt: skip


def _pending() -> dict[int, tuple[AuditEvent, str]]:
    store = getattr(connection, _PENDING_ATTR, None)
    if store is None:
        store = {}
        setattr(connection, _PENDING_ATTR, store)
    return store


def _in_real_transaction() -> bool:
    """True inside an atomic block other than a test case's wrapping ones."""
    return any(not getattr(b, "_from_testcase", False) for b in connection.atomic_blocks)


def _remember_refusal(event: AuditEvent) -> None:
    store = _pending()
    token = id(event)
    copy = AuditEvent(**{f: getattr(event, f) for f in _COPIED_FIELDS})
    store[token] = (copy, event.hash)
    transaction.on_commit(lambda: store.pop(token, None))


def flush_refusals() -> int:
    """Write again the refusals whose transaction rolled back; returns how many were written.
    Does nothing inside an atomic block (their transaction may still commit or roll back)."""
    store = getattr(connection, _PENDING_ATTR, None)
    if not store or _in_real_transaction():
        return 0
    entries = list(store.values())
    store.clear()
    hashes = [h for _e, h in entries]
    kept = set(AuditEvent.objects.filter(hash__in=hashes).values_list("hash", flat=True))
    lost = [event for event, h in entries if h not in kept]
    if lost:
        _append(lost)
    return len(lost)


def audit(
    action: str,
    *,
    actor: Any = None,
    jurisdiction: Jurisdiction | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain; actor, role, region, IP and request id default to the
    current request's."""
    event = _build(
        action,
        actor=actor,
        jurisdiction=jurisdiction,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        detail=detail,
        request=request,
    )
    in_transaction = _in_real_transaction()
    if not in_transaction:
        flush_refusals()
    _append([event])
    if in_transaction and event.outcome == AuditEvent.Outcome.DENIED:
        _remember_refusal(event)
    return event


@dataclass(frozen=True)
class Event:
    """One event for `audit_many`: the same fields as `audit` takes (bar `request`)."""

    action: str
    obj: Any = None
    actor: Any = None
    jurisdiction: Jurisdiction | None = None
    object_type: str = ""
    object_id: str | int = ""
    outcome: str = AuditEvent.Outcome.SUCCESS
    detail: dict[str, Any] | None = None


def audit_many(events: Iterable[Event], *, request: HttpRequest | None = None) -> list[AuditEvent]:
    """`audit` for many events at once (jobs acting on thousands of records): the same checks
    and defaults, every event checked before any is written, then all appended in the order
    given in one transaction — the chain's lock taken once, the last hash read once, the rows
    inserted in bulk (up to 500 per INSERT). Returns the saved events in that order."""
    rows = [
        _build(
            e.action,
            actor=e.actor,
            jurisdiction=e.jurisdiction,
            obj=e.obj,
            object_type=e.object_type,
            object_id=e.object_id,
            outcome=e.outcome,
            detail=e.detail,
            request=request,
        )
        for e in events
    ]
    if rows:
        _append(rows)
    return rows


@dataclass
class VerifyResult:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in id order and report the first event whose link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return VerifyResult(checked=checked)
        for event in batch:
            if event.prev_hash != prev:
                return VerifyResult(
                    checked, event.id, "previous-hash link broken (an event was removed)"
                )
            if compute_hash(prev, event) != event.hash:
                return VerifyResult(checked, event.id, "content does not match its hash (altered)")
            prev = event.hash
            checked += 1
            last_id = event.id
