"""Request plumbing: a request id for logs and audit events, and the request made current."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cunshe.core.audit import flush_refusals, reset_current_request, set_current_request

_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
        token = set_current_request(request)
        try:
            response = self.get_response(request)
        finally:
            try:
                # Refusals audited inside a transaction the refusal then rolled back.
                flush_refusals()
            finally:
                reset_current_request(token)
        response["X-Request-ID"] = request.request_id
        return response
