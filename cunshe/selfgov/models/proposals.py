"""Proposals with co-signatures (Art. 21: 1/10 of adult villagers or 1/3 of representatives
oblige the committee to convene a 村民会议) and consultation (协商) records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class Proposal(ScopedModel):
    """A topic proposed by a villager of the village (`region`). Once the co-signatures reach
    a threshold it is marked "must convene" (the date reached and the deadline kept); the
    deadline is met by linking a 村民会议 convened at the villagers' or representatives'
    request."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集联署中")
        MUST_CONVENE = "must_convene", _("须召开村民会议")
        CONVENED = "convened", _("已召集村民会议")
        WITHDRAWN = "withdrawn", _("已撤回")

    title = models.CharField(_("议题"), max_length=200)
    text = models.TextField(_("提议内容"))
    proposer = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    on_paper = models.BooleanField(_("纸质提议（村委会代录）"), default=False)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.OPEN)
    villager_signatures = models.PositiveIntegerField(default=0)
    representative_signatures = models.PositiveIntegerField(default=0)
    # Fixed when a threshold is reached.
    reached_on = models.DateField(_("达到联署人数日期"), null=True, blank=True)
    reached_by = models.CharField(max_length=16, blank=True)  # "villagers" | "representatives"
    base_adults = models.PositiveIntegerField(null=True, blank=True)
    base_representatives = models.PositiveIntegerField(null=True, blank=True)
    convene_by = models.DateField(_("应召集期限"), null=True, blank=True)
    meeting = models.ForeignKey(
        "selfgov.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            prefix_index("selfgov_proposal_region"),
            models.Index(fields=["status", "convene_by"], name="selfgov_proposal_due"),
        ]
        verbose_name = _("村民提议")
        verbose_name_plural = _("村民提议")

    def __str__(self) -> str:
        return self.title


class ProposalSignature(models.Model):
    """One co-signature; one per person and proposal (DB constraint). `as_representative`: the
    person was a serving 村民代表 when signing (counted separately)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="signatures")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    as_representative = models.BooleanField(default=False)
    as_villager = models.BooleanField(default=True)
    on_paper = models.BooleanField(default=False)
    signed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="selfgov_cosign_once")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}:{self.person_id}"


class Consultation(ScopedModel):
    """A 协商 record, in stages with dates: notice → discussion → outcome → implementation →
    feedback. Stages are filled in order and never rewritten."""

    class Stage(models.IntegerChoices):
        NOTICED = 1, _("已通知")
        DISCUSSED = 2, _("已协商")
        CONCLUDED = 3, _("已形成结果")
        IMPLEMENTED = 4, _("已落实")
        FEEDBACK = 5, _("已反馈")

    topic = models.CharField(_("协商议题"), max_length=200)
    parties = models.TextField(_("参与方"))
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    notice_on = models.DateField(_("通知日期"))
    notice_how = models.CharField(_("通知方式"), max_length=200)
    discussed_on = models.DateField(_("协商日期"), null=True, blank=True)
    discussion = models.TextField(_("协商情况"), blank=True)
    concluded_on = models.DateField(_("形成结果日期"), null=True, blank=True)
    outcome = models.TextField(_("协商结果"), blank=True)
    implemented_on = models.DateField(_("落实日期"), null=True, blank=True)
    implementation = models.TextField(_("落实情况"), blank=True)
    feedback_on = models.DateField(_("反馈日期"), null=True, blank=True)
    feedback = models.TextField(_("反馈"), blank=True)
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.NOTICED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-notice_on", "-id"]
        indexes = [prefix_index("selfgov_consult_region")]
        verbose_name = _("协商记录")
        verbose_name_plural = _("协商记录")

    def __str__(self) -> str:
        return self.topic
