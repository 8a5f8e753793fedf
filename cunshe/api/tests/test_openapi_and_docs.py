"""The OpenAPI document and the docs page (no external request, no inline script)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OUR_PATHS = {
    "/api/v1/me",
    "/api/v1/me/active-assignment",
    "/api/v1/me/tokens",
    "/api/v1/me/tokens/{token_id}",
}


@pytest.mark.parametrize("url", ["/api/openapi.json", "/api/v1/openapi.json"])
def test_openapi_document_loads_and_lists_the_paths(url):
    response = Client().get(url)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert OUR_PATHS <= set(schema["paths"])
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    assert not any("{path" in p or "{rest}" in p for p in schema["paths"])


def test_both_document_urls_serve_the_same_document():
    a = Client().get("/api/openapi.json").json()
    b = Client().get("/api/v1/openapi.json").json()
    assert a["paths"].keys() == b["paths"].keys()


def test_every_operation_documents_the_error_shape():
    schema = Client().get("/api/v1/openapi.json").json()
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "message",
        "fields",
    }
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert "404" in op["responses"], (method, path)
            if op.get("security"):
                assert {"401", "403"} <= set(op["responses"]), (method, path)
    me_tokens = schema["paths"]["/api/v1/me/tokens"]
    assert me_tokens["post"]["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.style_attrs = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        if "style" in attrs or tag == "style":
            self.style_attrs += 1


def test_docs_page_needs_sign_in():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 401
    assert "/accounts/login/?next=/api/v1/docs" in response.content.decode()


def test_docs_page_makes_no_external_request_and_has_no_inline_script(cast, client_as):
    response = client_as("clerk_a").get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    refs = _Refs()
    refs.feed(html)
    assert refs.urls, "the page should load Swagger UI"
    assert all(u.startswith("/static/") for u in refs.urls), refs.urls
    assert refs.inline_scripts == 0
    assert refs.style_attrs == 0
    assert not re.search(r"https?://", html)
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    # The CSP the page is served with forbids inline script and other origins.
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_docs_start_up_script_is_served_and_disables_the_online_validator(cast, client_as):
    client = client_as("clerk_a")
    script = b"".join(client.get("/static/api/docs.js")).decode()
    assert 'validatorUrl: "none"' in script
    assert not re.search(r"https?://", script)
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
