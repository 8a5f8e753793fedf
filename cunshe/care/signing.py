"""How terminal messages are signed (docs/terminals.md): HMAC-SHA256 under the terminal's
secret over the message's canonical form — the JSON object without its "sig" member, keys
sorted, no whitespace, UTF-8. The same for MQTT and HTTP, so any client can reproduce it."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def canonical(message: dict[str, Any]) -> bytes:
    body = {k: v for k, v in message.items() if k != "sig"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, message: dict[str, Any]) -> str:
    return hmac.new(secret.encode(), canonical(message), hashlib.sha256).hexdigest()


def sign(secret: str, message: dict[str, Any]) -> dict[str, Any]:
    """The message with its "sig" member set (a new dict)."""
    signed = {k: v for k, v in message.items() if k != "sig"}
    signed["sig"] = signature(secret, signed)
    return signed


def verify(secret: str, message: dict[str, Any]) -> bool:
    given = message.get("sig")
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given, signature(secret, message))
