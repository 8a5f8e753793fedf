"""村务公开: disclosure items by category (general at least quarterly, finances monthly, major
matters at once), the due dates the rules generate, and villagers' questions with public
answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class DisclosureCategory(models.TextChoices):
    GENERAL = "general", _("村务一般事项")
    FINANCE = "finance", _("财务收支")
    MAJOR = "major", _("重大事项")


class Disclosure(ScopedModel):
    """One published item. `region` = the village. Published items are never edited: a
    correction is a new item naming the one it corrects."""

    category = models.CharField(_("类别"), max_length=10, choices=DisclosureCategory.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    period_start = models.DateField(_("所属期间起"), null=True, blank=True)
    period_end = models.DateField(_("所属期间止"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    matter = models.ForeignKey(
        "selfgov.Matter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            prefix_index("selfgov_disclosure_region"),
            models.Index(
                fields=["region_code", "category", "published_at"], name="selfgov_disc_cat"
            ),
        ]
        verbose_name = _("村务公开")
        verbose_name_plural = _("村务公开")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # What the village was told stays as it was told: no code path may rewrite an item.
        if not self._state.adding:
            raise ValueError("a published disclosure is never edited; publish a correction")
        super().save(*args, **kwargs)


class DisclosureDue(ScopedModel):
    """A disclosure the rules require: per village, category and period (or per major decision),
    due on a date; fulfilled by a published item; overdue ones alert the township."""

    category = models.CharField(max_length=10, choices=DisclosureCategory.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField()
    matter = models.ForeignKey(
        "selfgov.Matter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fulfilled_by = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            prefix_index("selfgov_due_region"),
            models.Index(fields=["due_on", "fulfilled_by"], name="selfgov_due_open"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category", "period_start"],
                condition=Q(matter__isnull=True),
                name="selfgov_due_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.category} {self.period_start}"


class DisclosureQuestion(ScopedModel):
    """A villager's question on an item; the committee's answer is public with the question
    (the asker is never shown publicly). `region` = the item's village."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="questions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("问题"))
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    # Hiding is the committee's only way to take a question off the public page (never a
    # deletion): the reason is kept with the row and in the audit trail.
    hidden_reason = models.CharField(_("隐藏原因"), max_length=300, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["asked_at", "id"]
        indexes = [prefix_index("selfgov_question_region")]

    def __str__(self) -> str:
        return f"{self.disclosure_id}:{self.pk}"
