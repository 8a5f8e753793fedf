"""Pagination for list endpoints, used with Ninja's `@paginate`.

    @router.get("/things", response=list[ThingOut])
    @paginate(PagePagination)                       # page numbers: small and medium lists
    def things(request): return selectors.things_within(request.jurisdiction)

    @router.get("/events", response=list[EventOut])
    @paginate(CursorPagination, ordering="-at")     # a cursor: large or fast-growing lists
    def events(request): ...

Which to use is explained in docs/api.md. Both cap page_size at MAX_PAGE_SIZE.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _clamp(page_size: int | None) -> int:
    # Capped rather than refused: a client asking for 1000 gets 200 and can see it in page_size.
    return min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


class PagePagination(PaginationBase):
    """?page=N&page_size=M: items, the total count and the neighbouring page numbers.

    Costs a COUNT query, and deep pages cost OFFSET scans: fine up to tens of thousands of rows.
    """

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, description=f"每页条数，最多 {MAX_PAGE_SIZE}"
        )

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int
        next: int | None = Field(None, description="下一页页码；没有下一页时为 null")
        previous: int | None = Field(None, description="上一页页码；第一页时为 null")

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet | list, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = _clamp(pagination.page_size)
        page = pagination.page
        count = self._items_count(queryset)
        pages = max(1, -(-count // size))
        offset = (page - 1) * size
        return {
            "items": list(queryset[offset : offset + size]),
            "count": count,
            "page": page,
            "page_size": size,
            "pages": pages,
            "next": page + 1 if page < pages else None,
            "previous": min(page - 1, pages) if page > 1 else None,
        }


# --- cursor pagination --------------------------------------------------------------------


def _encode_value(value: Any) -> list:
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["dec", str(value)]
    if isinstance(value, bool | int | float | str):
        return ["v", value]
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _decode_value(tagged: list) -> Any:
    tag, raw = tagged
    if tag == "dt":
        return datetime.fromisoformat(raw)
    if tag == "d":
        return date.fromisoformat(raw)
    if tag == "dec":
        return Decimal(raw)
    if tag == "v" and isinstance(raw, bool | int | float | str):
        return raw
    raise ValueError(tag)


def encode_cursor(key_value: Any, pk: Any) -> str:
    payload = json.dumps([_encode_value(key_value), _encode_value(pk)], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, Any]:
    """The (ordering key, id) a cursor points after; ValidationError (422) when it is garbage."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        return _decode_value(key), _decode_value(pk)
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise _invalid_cursor() from exc


def _invalid_cursor() -> ValidationError:
    return ValidationError(
        [{"loc": ("query", "cursor"), "msg": "invalid cursor", "type": "cursor_invalid"}]
    )


class CursorPagination(PaginationBase):
    """?cursor=…&page_size=M: keyset pagination on (ordering key, id), forward only.

    Each page is one indexed range query however deep the client goes, and rows inserted
    meanwhile neither repeat nor vanish. No total count. The ordering field must be non-null;
    give the endpoint an index on (field, id).
    """

    class Input(Schema):
        cursor: str | None = Field(None, max_length=500, description="上一页返回的 next_cursor")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, description=f"每页条数，最多 {MAX_PAGE_SIZE}"
        )

    class Output(Schema):
        items: list[Any]
        page_size: int
        next_cursor: str | None = Field(None, description="取下一页时原样传回；没有更多时为 null")

    items_attribute = "items"

    def __init__(self, *, ordering: str = "-id", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.descending = ordering.startswith("-")
        self.key = ordering.lstrip("-")

    def _value(self, item: Any, name: str) -> Any:
        return item[name] if isinstance(item, dict) else getattr(item, name)

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = _clamp(pagination.page_size)
        sign = "-" if self.descending else ""
        key = self.key
        qs = queryset.order_by(f"{sign}{key}", f"{sign}pk")
        if pagination.cursor:
            after_key, after_pk = decode_cursor(pagination.cursor)
            op = "lt" if self.descending else "gt"
            try:
                qs = qs.filter(
                    Q(**{f"{key}__{op}": after_key}) | Q(**{key: after_key, f"pk__{op}": after_pk})
                )
            except (ValueError, TypeError, DjangoValidationError) as exc:
                raise _invalid_cursor() from exc
        rows = list(qs[: size + 1])
        items = rows[:size]
        next_cursor = None
        if len(rows) > size:
            last = items[-1]
            pk_name = "pk" if not isinstance(last, dict) else "id"
            next_cursor = encode_cursor(self._value(last, key), self._value(last, pk_name))
        return {"items": items, "page_size": size, "next_cursor": next_cursor}
