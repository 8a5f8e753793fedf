"""Browser-test plumbing shared by every app: Debian's chromium driven by Playwright, and a live
server whose static files go through WhiteNoise (as in every deployment), so that what a phone
downloads in a test is what it downloads in the field.

Fixtures (registered in cunshe.core.testing.fixtures): `browser`, `server` (the origin URL).
With REQUIRE_BROWSER=1 (CI) a missing chromium, Playwright or vendor asset fails the test
instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VENDOR_NEEDED = ("bootstrap/bootstrap.min.css", "htmx/htmx.min.js", "bootstrap-icons/sprite.svg")


def screenshots_dir() -> Path:
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def unavailable_reason() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    if shutil.which(CHROMIUM) is None:
        return f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    vendor = Path(settings.VENDOR_STATIC_DIR) / "vendor"
    for needed in VENDOR_NEEDED:
        if not (vendor / needed).exists():
            return (
                f"vendor assets missing ({needed}): run `npm ci && python scripts/build_assets.py`"
            )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    reason = unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM is not used while it does.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
            # Queries made while Playwright ran can leave connections open; PostgreSQL then
            # refuses to drop the test database at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture
def flushable_audit(transactional_db) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Let a transactional test's flush empty the write-once tables on SQLite.

    Audit events (core) and the points ledger and stock movements (volunteering) are write-once
    through database triggers. PostgreSQL's flush uses TRUNCATE, which row triggers do not see;
    SQLite's uses DELETE, which they refuse. After the test and before the flush, in one
    transaction: drop every trigger, empty every table (rows referring to each other go
    together), put the triggers back as they were.
    """
    yield
    connection = connections["default"]
    if connection.vendor != "sqlite":
        return
    from django.core.management.color import no_style
    from django.db import transaction

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cur.fetchall()
        for name, _sql in triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        for sql in connection.ops.sql_flush(no_style(), tables):
            cur.execute(sql)
        for _name, sql in triggers:
            cur.execute(sql)


@pytest.fixture
def server(flushable_audit, transactional_db, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A live server (WhiteNoise for static files); yields its origin, e.g. http://127.0.0.1:PORT."""
    from django.test.testcases import LiveServerThread

    # Django's live server wraps every request in a media handler that cannot parse
    # MEDIA_URL = None (uploads have no public URL here); give it a path nothing uses.
    settings.MEDIA_URL = "/_no_public_media/"
    overrides = {}
    for conn in connections.all():
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            overrides[conn.alias] = conn
            conn.inc_thread_sharing()
    thread = LiveServerThread(
        "127.0.0.1", static_handler=lambda app: app, connections_override=overrides
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        for conn in overrides.values():
            conn.dec_thread_sharing()


class Watch:
    """Every request and console message of a browser context."""

    def __init__(self, context, origin: str) -> None:  # type: ignore[no-untyped-def]
        self.origin = origin
        self.requests: list = []
        self.console: list[str] = []
        context.on("request", lambda req: self.requests.append(req))
        context.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))

    def foreign(self) -> list[str]:
        return [
            r.url
            for r in self.requests
            if not r.url.startswith((self.origin + "/", "data:", "about:"))
        ]

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]
