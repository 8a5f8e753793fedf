"""Exit 0 when the PostgreSQL named by DATABASE_URL accepts connections, 1 otherwise."""

import os
import sys

import psycopg

url = os.environ.get("DATABASE_URL", "")
try:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
        pass
except Exception as exc:  # any failure means "not available"; the caller decides what it means
    print(f"PostgreSQL not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
