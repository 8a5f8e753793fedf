"""Exit 0 when the PostgreSQL server named by DATABASE_URL accepts connections, 1 otherwise.

Connects to the server's `postgres` maintenance database: the named database itself need not
exist, since the test runner creates its own `test_<name>` database.
"""

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

url = os.environ.get("DATABASE_URL", "")
parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
maintenance = urlunsplit(parts._replace(path="/postgres"))
try:
    with psycopg.connect(maintenance, connect_timeout=3):
        pass
except Exception as exc:  # any failure means "not available"; the caller decides what it means
    print(f"PostgreSQL not reachable at {parts.hostname}:{parts.port}: {exc}", file=sys.stderr)
    sys.exit(1)
