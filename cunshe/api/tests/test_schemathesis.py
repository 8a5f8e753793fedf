"""Property-based checks of the API against its own OpenAPI document (schemathesis).

Every GET operation is called with generated parameters as a cast user holding a token: no
answer may be a 5xx, and every answer must match the schema the document declares for its
status (the shared error shape included). Kept small so that it runs in seconds.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cunshe.accounts.services import api_token_create


@pytest.fixture
def keep_test_connection():  # type: ignore[no-untyped-def]
    """Called bare, the WSGI handler closes the database connection after each request (as in
    production); on PostgreSQL that would end the test's transaction. Django's own test client
    suspends the same signal handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def clerk_token(cast) -> str:  # type: ignore[no-untyped-def]
    assignment = cast.clerk_a.assignments.get()
    _token, secret = api_token_create(user=cast.clerk_a, assignment=assignment, name="fuzz")
    return secret


# Loaded through the WSGI app itself, so the document under test is the one clients get.
# (schemathesis.pytest.from_fixture would be the lazy way, but 4.32 trips over pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.include(method="GET").parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_get_endpoints_never_fail_and_match_their_schema(case, clerk_token, keep_test_connection):  # type: ignore[no-untyped-def]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {clerk_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
