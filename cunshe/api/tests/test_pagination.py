"""Page-number and cursor pagination."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from ninja.errors import ValidationError

from cunshe.accounts.models import User
from cunshe.api.pagination import (
    MAX_PAGE_SIZE,
    CursorPagination,
    PagePagination,
    decode_cursor,
    encode_cursor,
)
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _page(qs, **params) -> dict:
    paginator = PagePagination()
    return paginator.paginate_queryset(
        qs, PagePagination.Input(**params), RequestFactory().get("/")
    )


def _users():
    return User.objects.order_by("username")


def test_page_numbers_count_and_neighbours(cast):
    total = _users().count()  # the cast: 11 people
    first = _page(_users(), page=1, page_size=4)
    assert [u.username for u in first["items"]] == [u.username for u in _users()[:4]]
    assert first | {"items": None} == {
        "items": None,
        "count": total,
        "page": 1,
        "page_size": 4,
        "pages": 3,
        "next": 2,
        "previous": None,
    }
    last = _page(_users(), page=3, page_size=4)
    assert len(last["items"]) == total - 8
    assert (last["next"], last["previous"]) == (None, 2)


def test_a_page_past_the_end_is_empty_and_points_back(cast):
    beyond = _page(_users(), page=9, page_size=4)
    assert beyond["items"] == []
    assert (beyond["next"], beyond["previous"]) == (None, 3)


def test_page_size_is_capped(cast):
    assert _page(_users(), page=1, page_size=10_000)["page_size"] == MAX_PAGE_SIZE


def test_page_pagination_over_the_api(cast, make_token, bearer):
    _t, secret = make_token("clerk_a")
    for i in range(4):
        make_token("clerk_a", name=f"t{i}")
    client = bearer(secret)
    body = client.get("/api/v1/me/tokens?page=2&page_size=2").json()
    assert [t["name"] for t in body["items"]] == ["t1", "t0"]
    assert (body["count"], body["pages"], body["next"], body["previous"]) == (5, 3, 3, 1)
    assert client.get("/api/v1/me/tokens?page_size=5000").json()["page_size"] == MAX_PAGE_SIZE


def _walk(paginator: CursorPagination, qs, page_size: int) -> list:
    seen, cursor = [], None
    for _ in range(50):
        page = paginator.paginate_queryset(
            qs,
            CursorPagination.Input(cursor=cursor, page_size=page_size),
            RequestFactory().get("/"),
        )
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("cursor pagination did not end")


def test_cursor_round_trip_visits_every_row_once_in_order(cast):
    expected = list(User.objects.order_by("username", "pk"))
    got = _walk(CursorPagination(ordering="username"), User.objects.all(), 3)
    assert got == expected


def test_cursor_on_a_descending_key_with_ties(cast):
    # Many audit events share a timestamp only by chance; force ties by equal usernames.
    User.objects.update(first_name="same")
    expected = list(User.objects.order_by("-first_name", "-pk"))
    got = _walk(CursorPagination(ordering="-first_name"), User.objects.all(), 4)
    assert got == expected


def test_cursor_on_datetimes(cast):
    from cunshe.core.audit import audit

    for _ in range(5):
        audit("api.test.event")
    expected = list(AuditEvent.objects.order_by("-at", "-pk"))
    assert _walk(CursorPagination(ordering="-at"), AuditEvent.objects.all(), 2) == expected


def test_rows_added_behind_the_cursor_do_not_shift_the_next_page(cast):
    paginator = CursorPagination(ordering="pk")
    request = RequestFactory().get("/")
    first = paginator.paginate_queryset(
        User.objects.all(), CursorPagination.Input(page_size=3), request
    )
    User.objects.filter(pk=first["items"][0].pk).update(username="aaaa-renamed")
    second = paginator.paginate_queryset(
        User.objects.all(),
        CursorPagination.Input(cursor=first["next_cursor"], page_size=3),
        request,
    )
    assert second["items"][0].pk > first["items"][-1].pk


def test_cursors_are_opaque_and_round_trip_their_values():
    from datetime import UTC, datetime

    at = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    cursor = encode_cursor(at, 42)
    assert "2026" not in cursor  # opaque to clients, not a readable query
    assert decode_cursor(cursor) == (at, 42)


@pytest.mark.parametrize("garbage", ["!!!", "bm90IGpzb24", "W1sieCIsMV0sWyJ2IiwxXV0"])
def test_garbage_cursors_are_a_validation_error(garbage):
    with pytest.raises(ValidationError) as caught:
        decode_cursor(garbage)
    assert caught.value.errors[0]["loc"] == ("query", "cursor")


def test_a_cursor_of_the_wrong_type_for_the_key_is_a_validation_error(cast):
    paginator = CursorPagination(ordering="-at")
    with pytest.raises(ValidationError):
        paginator.paginate_queryset(
            AuditEvent.objects.all(),
            CursorPagination.Input(cursor=encode_cursor("not a date", 1)),
            RequestFactory().get("/"),
        )


def test_garbage_cursor_maps_to_422_with_the_cursor_field(cast):
    import json

    from django.utils import translation

    from cunshe.api.api import api

    with pytest.raises(ValidationError) as caught:
        decode_cursor("!!!")
    with translation.override("en"):
        response = api.on_exception(RequestFactory().get("/"), caught.value)
    assert response.status_code == 422
    assert json.loads(response.content)["fields"] == {
        "cursor": ["The page cursor is not valid; start again from the first page."]
    }
