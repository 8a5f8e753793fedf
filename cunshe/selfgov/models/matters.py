"""四议两公开: a matter the law reserves for a meeting decision (Art. 24) goes through six steps in
order — party branch proposes → 两委 joint meeting deliberates → party members' meeting reviews →
村民会议 or 代表会议 decides → the decision is published → the implementation result is
published. Each step links to its meeting (or disclosure); no step is skipped or reordered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class MatterCategory(models.TextChoices):
    LOST_WORK_SUBSIDY = "lost_work_subsidy", _("误工补贴人数及标准")
    COLLECTIVE_INCOME = "collective_income", _("集体经济所得收益的使用")
    PUBLIC_WELFARE = "public_welfare", _("公益事业兴办和筹资筹劳方案及建设承包方案")
    LAND_CONTRACTING = "land_contracting", _("土地承包经营方案")
    COLLECTIVE_PROJECT = "collective_project", _("集体经济项目的立项、承包方案")
    HOMESTEAD = "homestead", _("宅基地的使用方案")
    REQUISITION_COMPENSATION = "requisition", _("征地补偿费的使用、分配方案")
    COLLECTIVE_PROPERTY = "collective_property", _("以借贷、租赁或者其他方式处分村集体财产")
    OTHER = "other", _("其他涉及村民利益的事项")


class Step(models.IntegerChoices):
    PROPOSED = 1, _("党支部提议")
    DELIBERATED = 2, _("两委会商议")
    REVIEWED = 3, _("党员大会审议")
    DECIDED = 4, _("村民会议或村民代表会议决议")
    DECISION_PUBLISHED = 5, _("决议公开")
    RESULT_PUBLISHED = 6, _("实施结果公开")


class Matter(ScopedModel):
    """`step` is the last step completed (0 = none yet). `region` = the village."""

    title = models.CharField(_("事项名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=24, choices=MatterCategory.choices)
    description = models.TextField(_("内容"), blank=True)
    step = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [prefix_index("selfgov_matter_region")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(step__gte=0, step__lte=6), name="selfgov_matter_step_range"
            )
        ]
        verbose_name = _("四议两公开事项")
        verbose_name_plural = _("四议两公开事项")

    def __str__(self) -> str:
        return self.title


class MatterStep(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="steps")
    step = models.PositiveSmallIntegerField(choices=Step.choices)
    meeting = models.ForeignKey(
        "selfgov.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        "selfgov.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disclosure = models.ForeignKey(
        "selfgov.Disclosure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["step"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "step"], name="selfgov_matter_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}:{self.step}"
