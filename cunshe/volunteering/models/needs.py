"""Needs for volunteer help and the matches proposed for them.

A need says what, where (a village or hamlet), when and which skills; it may come from a
service recipient, a clerk, or a care need (`care_need`, see docs/care/needs.md). Matching writes
`Match` rows with an explainable score (`explanation`: each part's points and why); a clerk
confirms a proposal, the volunteer accepts or declines. An accepted match holds the volunteer's
time like a shift sign-up (no overlap).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class Need(ScopedModel):
    """`region` = the village or hamlet where the help is wanted."""

    class Status(models.TextChoices):
        OPEN = "open", _("待匹配")
        MATCHED = "matched", _("已匹配")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    class Source(models.TextChoices):
        RECIPIENT = "recipient", _("服务对象申请")
        CLERK = "clerk", _("工作人员发布")
        CARE = "care", _("关爱需求转入")

    title = models.CharField(_("需求"), max_length=100)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    category = models.CharField(_("服务类别"), max_length=16)
    skills = models.JSONField(_("所需技能"), default=list, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    volunteers_needed = models.PositiveSmallIntegerField(_("需要人数"), default=1)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    recipient = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务对象"),
    )
    care_need = models.OneToOneField(
        "care.CareNeed",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_need",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            prefix_index("vol_need_region"),
            models.Index(fields=["status", "starts_at"], name="vol_need_status_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="vol_need_order"),
            models.CheckConstraint(
                condition=Q(volunteers_needed__gte=1), name="vol_need_at_least_one"
            ),
        ]
        verbose_name = _("志愿服务需求")
        verbose_name_plural = _("志愿服务需求")

    def __str__(self) -> str:
        return self.title


class Match(ScopedModel):
    """A volunteer proposed for a need. `score` is 0–100 000 (thousandths of a point) so sorting
    is exact; `explanation` holds each part with its points and a reason the clerk can read.
    `region` = the need's."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("推荐")
        CONFIRMED = "confirmed", _("已派单")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="matches")
    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="matches"
    )
    score = models.PositiveIntegerField(_("匹配得分"))
    explanation = models.JSONField(default=dict)
    # Set when proposed by a batch assignment (one id per run).
    batch = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    # The need's times, copied so the overlap check covers matches like sign-ups.
    starts_at = models.DateTimeField(editable=False)
    ends_at = models.DateTimeField(editable=False)
    proposed_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("谢绝原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["need", "-score", "id"]
        indexes = [
            prefix_index("vol_match_region"),
            models.Index(fields=["volunteer", "starts_at"], name="vol_match_vol_start"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["need", "volunteer"], name="vol_match_once"),
        ]
        verbose_name = _("匹配")
        verbose_name_plural = _("匹配")
