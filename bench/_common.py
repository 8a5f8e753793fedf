"""Shared by the benchmark scripts (imported as `_common`; `make bench` skips this file)."""

from __future__ import annotations


def recreate_database(url: str) -> None:
    """Drop (even with open connections) and re-create the database named at the end of `url`."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
