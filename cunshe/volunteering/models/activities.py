"""Projects → activities → shifts, sign-ups with QR sign-in/out, and recorded hours.

Hours are never edited: an `HoursEntry` records minutes once; a disputed entry is corrected by a
new entry (`corrects`, signed minutes, a reason) that goes through the same confirm → approve
flow. A volunteer's approved total is the sum of approved entries.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class ServiceCategory(models.TextChoices):
    ELDERLY = "elderly", _("助老")
    CHILDREN = "children", _("关爱儿童")
    DISABLED = "disabled", _("助残")
    ENVIRONMENT = "environment", _("环境保护")
    CIVILISATION = "civilisation", _("文明实践")
    CULTURE = "culture", _("文化体育")
    SAFETY = "safety", _("平安建设")
    EMERGENCY = "emergency", _("应急救援")
    AGRICULTURE = "agriculture", _("助农")
    OTHER = "other", _("其他")


class Project(ScopedModel):
    """A volunteer service project (服务项目). `region` = the village (or township/county for a
    wider project)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("项目简介"), blank=True)
    category = models.CharField(_("服务类别"), max_length=16, choices=ServiceCategory.choices)
    organisation = models.ForeignKey(
        "volunteering.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    station = models.ForeignKey(
        "volunteering.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [prefix_index("vol_project_region")]
        verbose_name = _("志愿服务项目")
        verbose_name_plural = _("志愿服务项目")

    def __str__(self) -> str:
        return self.name


class Activity(ScopedModel):
    """One activity of a project (a day's haircuts, a clean-up). `region` = where it happens.
    The organiser confirms attendance and hours; an approver (another person) approves them."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        OPEN = "open", _("报名中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), blank=True)
    place = models.CharField(_("地点"), max_length=200)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("组织者"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Shown on the village's public page while open for sign-up.
    public = models.BooleanField(_("公开招募"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Set when the activity is cancelled (services/activities.activity_cancel).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [prefix_index("vol_activity_region")]
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")

    def __str__(self) -> str:
        return self.title


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


class Shift(ScopedModel):
    """A time slot of an activity with a place, a capacity and the skills it asks for. Its QR
    code (poster at the place) carries `checkin_token`. `region` = the activity's."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="shifts")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("招募人数"))
    required_skills = models.JSONField(_("所需技能"), default=list, blank=True)
    checkin_token = models.CharField(max_length=32, unique=True, default=new_checkin_token)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            prefix_index("vol_shift_region"),
            models.Index(fields=["starts_at"], name="vol_shift_starts"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="vol_shift_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="vol_shift_capacity"),
        ]
        verbose_name = _("班次")
        verbose_name_plural = _("班次")


class Signup(ScopedModel):
    """A volunteer on a shift. The shift's times are copied here so that the overlap check is one
    indexed query. At most one live sign-up per volunteer and shift (a DB constraint); capacity
    and overlaps are checked under row locks (services/shifts.py). `region` = the shift's."""

    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("已报名")
        WITHDRAWN = "withdrawn", _("已退出")
        ATTENDED = "attended", _("已服务")
        NO_SHOW = "no_show", _("未到")

    class Method(models.TextChoices):
        QR = "qr", _("扫码")
        CLERK = "clerk", _("工作人员代签")

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="signups"
    )
    starts_at = models.DateTimeField(editable=False)
    ends_at = models.DateTimeField(editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SIGNED_UP
    )
    signed_up_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checkin_method = models.CharField(max_length=6, choices=Method.choices, blank=True)
    checkout_method = models.CharField(max_length=6, choices=Method.choices, blank=True)
    # From a need's match rather than the volunteer's own sign-up.
    match = models.OneToOneField(
        "volunteering.Match", on_delete=models.PROTECT, null=True, blank=True, related_name="signup"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            prefix_index("vol_signup_region"),
            models.Index(fields=["volunteer", "starts_at"], name="vol_signup_vol_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=~Q(status="withdrawn"),
                name="vol_signup_one_live",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="vol_signup_checkout_after_in",
            ),
        ]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")


class HoursEntry(ScopedModel):
    """Recorded service minutes; immutable once written except for its flow fields. Corrections
    are new entries (`corrects`, signed `minutes`, `reason`). `region` = the volunteer's."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        APPROVED = "approved", _("已审核")
        REJECTED = "rejected", _("已退回")

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", _("签到计时")
        MANUAL = "manual", _("补录")
        CORRECTION = "correction", _("更正")

    volunteer = models.ForeignKey(
        "volunteering.Volunteer", on_delete=models.PROTECT, related_name="hours"
    )
    signup = models.ForeignKey(
        Signup, on_delete=models.PROTECT, null=True, blank=True, related_name="hours"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="hours"
    )
    need = models.ForeignKey(
        "volunteering.Need", on_delete=models.PROTECT, null=True, blank=True, related_name="hours"
    )
    organisation = models.ForeignKey(
        "volunteering.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hours",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    service_date = models.DateField(_("服务日期"))
    # Signed: a correction may take minutes away. Raw = measured before rounding.
    minutes = models.IntegerField(_("服务时长(分钟)"))
    raw_minutes = models.IntegerField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RECORDED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["-service_date", "-id"]
        indexes = [
            prefix_index("vol_hours_region"),
            models.Index(fields=["volunteer", "status"], name="vol_hours_vol_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="correction", corrects__isnull=False)
                | (~Q(kind="correction") & Q(corrects__isnull=True, minutes__gte=0)),
                name="vol_hours_correction_shape",
            ),
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(kind="attendance"),
                name="vol_hours_one_per_signup",
            ),
        ]
        verbose_name = _("服务时长记录")
        verbose_name_plural = _("服务时长记录")

    # Only the flow fields may change once an entry is written (services/hours.py saves with
    # update_fields); anything else — minutes above all — is refused.
    FLOW_FIELDS = frozenset(
        {"status", "confirmed_by", "confirmed_at", "decided_by", "decided_at", "decision_note"}
    )

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.FLOW_FIELDS:
                from cunshe.volunteering.models.ledger import ImmutableError

                raise ImmutableError(f"HoursEntry {self.pk}: only its flow fields may change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from cunshe.volunteering.models.ledger import ImmutableError

        raise ImmutableError(f"HoursEntry {self.pk} cannot be deleted")
