"""Model fields for personal data: encrypted at rest, optionally with a blind index column.

    id_number = EncryptedCharField(_("身份证号"), blind_index="id_number_bidx")
    id_number_bidx = BlindIndexField()

Saving keeps `obj.id_number_bidx` in step with `obj.id_number`; look rows up with
`Model.objects.within(j).filter(id_number_bidx=blind_index_for(Model, "id_number", value))`.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from cunshe.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored as AES-GCM ciphertext; the Python value is the plaintext."""

    def __init__(self, *args: Any, blind_index: str = "", **kwargs: Any) -> None:
        self.blind_index = blind_index
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index:
            kwargs["blind_index"] = self.blind_index
        return name, path, args, kwargs

    @property
    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return crypto.decrypt(value, self.purpose)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(str(value), self.purpose)

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertexts are randomised; only null checks make sense. Use the blind index.
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)


class EncryptedCharField(EncryptedTextField):
    """Same as EncryptedTextField; named for short values (ID and phone numbers)."""


class BlindIndexField(models.CharField):
    """HMAC of the plaintext of the encrypted field that names this one as its `blind_index`.

    Computed at save time from that field, so it can never drift from it; a save with
    `update_fields` must list both fields.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: Any, add: bool) -> str:
        source = next(
            (f for f in encrypted_fields(type(model_instance)) if f.blind_index == self.name),
            None,
        )
        if source is None:
            raise LookupError(f"{self.name} is no encrypted field's blind index")
        value = getattr(model_instance, source.attname)
        bidx = crypto.blind_index(value, source.purpose) if value not in (None, "") else ""
        setattr(model_instance, self.attname, bidx)
        return bidx


def blind_index_for(model: Any, field_name: str, value: str) -> str:
    """The blind-index value to filter `model` by for the plaintext `value` of `field_name`."""
    field = model._meta.get_field(field_name)
    return crypto.blind_index(value, field.purpose)


def encrypted_fields(model: Any) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
