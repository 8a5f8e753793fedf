"""Village rules (村规民约) and charters (自治章程): numbered versions per village and kind,
each adopted by a passed 村民会议 decision, filed with the township. Versions are never edited;
a new version supersedes the last."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class RulesKind(models.TextChoices):
    COVENANT = "covenant", _("村规民约")
    CHARTER = "charter", _("村民自治章程")


class RulesVersion(ScopedModel):
    """`region` = the village. The filing fields are the only ones set after adoption, once."""

    kind = models.CharField(_("类别"), max_length=10, choices=RulesKind.choices)
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("全文"))
    decision = models.OneToOneField("selfgov.Decision", on_delete=models.PROTECT, related_name="+")
    adopted_on = models.DateField(_("通过日期"))
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filed_on = models.DateField(_("报乡镇备案日期"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    filing_note = models.CharField(_("备案意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "-number"]
        indexes = [prefix_index("selfgov_rulesv_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "number"], name="selfgov_rules_version_once"
            )
        ]
        verbose_name = _("村规民约/自治章程")
        verbose_name_plural = _("村规民约/自治章程")

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"
