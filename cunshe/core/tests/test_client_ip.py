"""The client address used by the audit trail and rate limits cannot be forged with a header."""

from __future__ import annotations

from django.test import RequestFactory

from cunshe.core.audit import client_ip


def _request(xff: str | None, remote: str = "10.0.0.9"):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("1.2.3.4")) == "10.0.0.9"


def test_behind_one_proxy_the_rightmost_entry_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6" itself; the proxy appended the real address.
    assert client_ip(_request("6.6.6.6, 203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("6.6.6.6, 203.0.113.7, 10.1.1.1")) == "203.0.113.7"


def test_a_short_header_falls_back_to_the_socket_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("203.0.113.7")) == "10.0.0.9"
    assert client_ip(_request(None)) == "10.0.0.9"
