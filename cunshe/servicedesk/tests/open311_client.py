"""A minimal third-party GeoReport v2 client: it knows only the spec (paths, parameters,
element names), nothing of this platform's code. Used by the Open311 tests."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.test import Client

BASE = "/open311/v2"


def xml_root(body: bytes) -> ET.Element:
    """The root element of one of our own server's XML answers (xml.etree, as a client would)."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)  # noqa: S314 - the test server's own answer, not untrusted input


def parse_xml(body: bytes) -> tuple[str, Any]:
    """(root element name, plain data) of a GeoReport XML answer: list elements become lists,
    others dicts, leaves their text."""
    root = xml_root(body)

    def walk(element: ET.Element) -> Any:
        if element.tag in LISTS:
            assert all(child.tag == LISTS[element.tag] for child in element), element.tag
            return [walk(child) for child in element]
        children = list(element)
        if not children:
            return element.text or ""
        return {child.tag: walk(child) for child in children}

    return root.tag, walk(root)


# Elements whose children are list items, per the spec.
LISTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
}


class GeoReportClient:
    def __init__(self, fmt: str = "json", http: Client | None = None) -> None:
        self.fmt = fmt
        self.http = http or Client()

    def _decode(self, response: Any) -> Any:
        if self.fmt == "json":
            assert response["Content-Type"] == "application/json; charset=utf-8"
            return json.loads(response.content)
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        return parse_xml(response.content)

    def get(self, resource: str, **params: Any) -> tuple[int, Any]:
        response = self.http.get(f"{BASE}/{resource}.{self.fmt}", params)
        return response.status_code, self._decode(response)

    def post(self, resource: str, **form: Any) -> tuple[int, Any]:
        # application/x-www-form-urlencoded, as the spec says
        from urllib.parse import urlencode

        response = self.http.post(
            f"{BASE}/{resource}.{self.fmt}",
            urlencode(form),
            content_type="application/x-www-form-urlencoded; charset=utf-8",
        )
        return response.status_code, self._decode(response)
