"""Every API schema class has its own name: the OpenAPI document keys its components by class
name, so two different `MonthOut`s would silently share one definition and one endpoint's
responses would be documented (and validated by clients) with the other's fields."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from cunshe.api.api import api


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def test_no_two_api_schemas_share_a_name():
    api.get_openapi_schema()  # imports every router module
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("cunshe."):
            by_name[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1}
    assert not clashes
