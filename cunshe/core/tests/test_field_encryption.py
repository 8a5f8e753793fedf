"""Field encryption: AES-GCM round trip bound to its column and key, blind index, masking."""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.db import connection

from cunshe.accounts.models import User
from cunshe.core import crypto
from cunshe.core.fields import blind_index_for
from cunshe.core.masking import mask_id_number, mask_name, mask_phone

PURPOSE = "accounts.user.phone"


def test_round_trip_returns_the_plaintext_and_hides_it():
    stored = crypto.encrypt("13812345678", PURPOSE)
    assert "13812345678" not in stored
    assert crypto.decrypt(stored, PURPOSE) == "13812345678"


def test_same_plaintext_encrypts_differently_each_time():
    assert crypto.encrypt("13812345678", PURPOSE) != crypto.encrypt("13812345678", PURPOSE)


def test_flipped_byte_is_detected():
    stored = crypto.encrypt("13812345678", PURPOSE)
    key_id, b64 = stored.split(":", 1)
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    tampered = f"{key_id}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, PURPOSE)


def test_value_copied_to_another_column_does_not_decrypt():
    stored = crypto.encrypt("13812345678", PURPOSE)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, "residents.person.id_number")


def test_unknown_key_id_fails():
    stored = crypto.encrypt("13812345678", PURPOSE)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("zz" + stored[stored.index(":") :], PURPOSE)


def test_garbage_fails_cleanly():
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not-a-ciphertext", PURPOSE)


def test_blind_index_is_stable_and_normalised():
    a = crypto.blind_index("22010219900101123X", "residents.person.id_number")
    assert a == crypto.blind_index("22010219900101123X", "residents.person.id_number")
    assert a == crypto.blind_index(" 2201 0219 9001 01123x ", "residents.person.id_number")
    assert a != crypto.blind_index("220102199001011234", "residents.person.id_number")
    # The same value in another column indexes differently (no cross-column linking).
    assert a != crypto.blind_index("22010219900101123X", "accounts.user.phone")


@pytest.mark.django_db
def test_user_phone_is_ciphertext_in_the_database_and_findable_by_blind_index():
    user = User.objects.create_user(username="enc", password="x-long-password", phone="13812345678")
    with connection.cursor() as cur:
        cur.execute("SELECT phone, phone_bidx FROM accounts_user WHERE id = %s", [user.pk])
        stored, bidx = cur.fetchone()
    assert "13812345678" not in stored
    assert crypto.key_id_of(stored) == settings.FIELD_ENCRYPTION_ACTIVE_KEY
    assert User.objects.get(pk=user.pk).phone == "13812345678"
    found = User.objects.filter(phone_bidx=blind_index_for(User, "phone", "138 1234 5678"))
    assert list(found) == [user]
    assert bidx == blind_index_for(User, "phone", "13812345678")


def test_masking_helpers():
    assert mask_id_number("220102199001011234") == "220102********1234"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_id_number("12345") == "*****"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("0431-8888123") == "********8123"
    assert mask_phone("123") == "***"
    assert mask_phone("") == ""
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""
