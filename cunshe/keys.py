"""Generate the local key file (secret key, field-encryption keys, blind-index key).

Runs without Django so that `make demo` can create the file before settings load:
    python -m cunshe.keys var/keys.json
An existing file is never overwritten: losing the encryption keys loses the data they protect.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from pathlib import Path


def new_key_material() -> dict:
    """Fresh random keys in the key-file format."""
    return {
        "secret_key": secrets.token_urlsafe(50),
        "field_keys": {"k1": base64.b64encode(os.urandom(32)).decode()},
        "active_field_key": "k1",
        "blind_index_key": base64.b64encode(os.urandom(32)).decode(),
    }


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "var/keys.json")
    if path.exists():
        print(f"keys: {path} exists, kept")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(new_key_material(), fh, indent=2)
    print(f"keys: wrote {path} (keep it secret; back it up with the database)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
