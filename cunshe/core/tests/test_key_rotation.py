"""`rotate_keys` re-encrypts every encrypted column under the active key, in batches."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from cunshe.accounts.models import User
from cunshe.core import crypto
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_KEY = base64.b64decode(base64.b64encode(b"n" * 32))


def _raw_phone(user: User) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT phone, phone_bidx FROM accounts_user WHERE id = %s", [user.pk])
        return cur.fetchone()


@pytest.fixture
def users_under_old_key() -> list[User]:
    users = [
        User.objects.create_user(
            username=f"u{i}", password="x-long-password", phone=f"1381234{i:04d}"
        )
        for i in range(7)
    ]
    users.append(User.objects.create_user(username="nophone", password="x-long-password"))
    return users


@pytest.fixture
def new_active_key(settings):  # type: ignore[no-untyped-def]
    settings.FIELD_ENCRYPTION_KEYS = {**settings.FIELD_ENCRYPTION_KEYS, "t2": NEW_KEY}
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "t2"
    return "t2"


def test_values_move_to_the_new_key_and_still_decrypt(users_under_old_key, new_active_key):
    old_key = next(k for k in django_settings.FIELD_ENCRYPTION_KEYS if k != "t2")
    before = {u.pk: _raw_phone(u) for u in users_under_old_key}
    assert {crypto.key_id_of(s) for s, _ in before.values() if s} == {old_key}
    out = StringIO()
    call_command("rotate_keys", "--batch-size", "3", stdout=out)
    assert "accounts.user: 7 values, 7 rotated" in out.getvalue()
    for user in users_under_old_key:
        stored, bidx = _raw_phone(user)
        old_stored, old_bidx = before[user.pk]
        assert bidx == old_bidx  # the blind index key did not change, so lookups still work
        if not old_stored:
            assert stored == ""
            continue
        assert crypto.key_id_of(stored) == "t2"
        assert User.objects.get(pk=user.pk).phone == user.phone


def test_second_run_rotates_nothing(users_under_old_key, new_active_key):
    call_command("rotate_keys", stdout=StringIO())
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert "accounts.user: 7 values, 0 rotated" in out.getvalue()
    assert "rotated 0 values in total" in out.getvalue()


def test_rotation_is_audited_with_counts_per_model(users_under_old_key, new_active_key):
    call_command("rotate_keys", stdout=StringIO())
    event = AuditEvent.objects.filter(action="core.keys.rotated").get()
    assert event.detail["counts"]["accounts.user"] == 7
    assert event.detail["active_key"] == "t2"
    assert event.role == "system"
    assert AuditEvent.objects.filter(
        action="core.system_scope.entered", detail__reason="rotate_keys"
    ).exists()


def test_nothing_to_do_under_the_current_key(users_under_old_key):
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert "accounts.user: 7 values, 0 rotated" in out.getvalue()


def test_a_value_under_a_missing_key_stops_the_run_with_its_location(users_under_old_key, settings):
    settings.FIELD_ENCRYPTION_KEYS = {"t2": NEW_KEY}
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "t2"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"accounts\.user pk="):
        call_command("rotate_keys", stdout=StringIO())


def test_batch_size_must_be_positive():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rotate_keys", "--batch-size", "0", stdout=StringIO())
