"""The volunteer record (志愿服务条例 Art. 19: identity, service, training, honours, evaluation)
and certificates. Identity is the `Volunteer`, service the approved `HoursEntry` rows; training,
honours and evaluations are here. Certificates are PDFs with a QR code to a public check page."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class TrainingRecord(ScopedModel):
    """`region` = the volunteer's."""

    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="trainings"
    )
    title = models.CharField(_("培训内容"), max_length=200)
    provider = models.CharField(_("培训单位"), max_length=100, blank=True)
    held_on = models.DateField(_("培训日期"))
    minutes = models.PositiveIntegerField(_("培训时长(分钟)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [prefix_index("vol_training_region")]
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")


class Honour(ScopedModel):
    class Level(models.TextChoices):
        VILLAGE = "village", _("村级")
        TOWNSHIP = "township", _("乡镇级")
        COUNTY = "county", _("县级")
        CITY = "city", _("市级")
        PROVINCE = "province", _("省级")
        NATIONAL = "national", _("国家级")

    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="honours"
    )
    title = models.CharField(_("表彰奖励"), max_length=200)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    awarded_on = models.DateField(_("获得日期"))
    awarded_by = models.CharField(_("授予单位"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on", "-id"]
        indexes = [prefix_index("vol_honour_region")]
        verbose_name = _("表彰奖励记录")
        verbose_name_plural = _("表彰奖励记录")


class Evaluation(ScopedModel):
    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="evaluations"
    )
    activity = models.ForeignKey(
        "volunteering.Activity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    period = models.CharField(_("评价期间"), max_length=40)
    rating = models.CharField(_("评价结果"), max_length=10, choices=Rating.choices)
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [prefix_index("vol_evaluation_region")]
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")


def new_certificate_token() -> str:
    return secrets.token_urlsafe(18)


class Certificate(ScopedModel):
    """A service certificate (志愿服务证明) issued by an organiser. What it states is frozen at
    issue (minutes, star, period); the public check page at /v/cert/<token>/ shows the same and
    whether it was revoked. `region` = the volunteer's."""

    number = models.CharField(_("证明编号"), max_length=32, unique=True)
    token = models.CharField(max_length=32, unique=True, default=new_certificate_token)
    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="certificates"
    )
    organisation = models.ForeignKey(
        "volunteering.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    issuer_name = models.CharField(_("出具单位"), max_length=100)
    period_from = models.DateField(_("服务起始"), null=True, blank=True)
    period_to = models.DateField(_("服务截止"))
    minutes = models.PositiveIntegerField(_("累计服务时长(分钟)"))
    star = models.PositiveSmallIntegerField(_("星级"))
    activities = models.PositiveIntegerField(_("参加活动次数"), default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [prefix_index("vol_certificate_region")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="vol_certificate_revoke_reason",
            )
        ]
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
