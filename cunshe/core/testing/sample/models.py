from django.db import models

from cunshe.core.fields import BlindIndexField, EncryptedCharField
from cunshe.core.scoping import ScopedModel


class SampleRecord(ScopedModel):
    note = models.CharField(max_length=50)
    secret = EncryptedCharField(blind_index="secret_bidx")
    secret_bidx = BlindIndexField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    def __str__(self) -> str:
        return self.note
