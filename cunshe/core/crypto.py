"""Field encryption (AES-256-GCM, key id inside the ciphertext) and HMAC blind indexes.

Stored form: "<key id>:<base64(nonce || ciphertext+tag)>". The key id lets keys rotate:
old rows stay readable until `manage.py rotate_keys` re-encrypts them under the active key.
The blind index is HMAC-SHA256 over the normalised plaintext with a separate key, so exact
lookups (find a person by ID number) need no decryption and reveal nothing by themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class DecryptionError(ValueError):
    pass


def _aad(purpose: str) -> bytes:
    # Binds a ciphertext to its column: a value copied into another column will not decrypt.
    return purpose.encode()


def encrypt(plaintext: str, purpose: str, key_id: str | None = None) -> str:
    key_id = key_id or settings.FIELD_ENCRYPTION_ACTIVE_KEY
    key = settings.FIELD_ENCRYPTION_KEYS[key_id]
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, plaintext.encode(), _aad(purpose))
    return f"{key_id}:{base64.b64encode(nonce + ct).decode()}"


def key_id_of(stored: str) -> str:
    return stored.split(":", 1)[0]


def decrypt(stored: str, purpose: str) -> str:
    try:
        key_id, b64 = stored.split(":", 1)
        key = settings.FIELD_ENCRYPTION_KEYS[key_id]
        raw = base64.b64decode(b64)
        return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(purpose)).decode()
    except KeyError as exc:
        raise DecryptionError(f"unknown field-encryption key id in {purpose}") from exc
    except Exception as exc:
        raise DecryptionError(f"cannot decrypt a value of {purpose}") from exc


def normalise(value: str) -> str:
    """Canonical form for blind indexing: no spaces, upper-case (the ID check character X)."""
    return "".join(value.split()).upper()


def blind_index(value: str, purpose: str) -> str:
    digest = hmac.new(
        settings.BLIND_INDEX_KEY, f"{purpose}\x00{normalise(value)}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:32]
