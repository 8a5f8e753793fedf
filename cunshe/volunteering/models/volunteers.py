"""Volunteers (real-name, linked to the register where they are residents), their organisations,
the village's volunteer stations and hamlet coordinates used by matching."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.fields import BlindIndexField, EncryptedCharField
from cunshe.core.scoping import ScopedModel, prefix_index


class Skill(models.TextChoices):
    """What a volunteer can do and what a shift or need asks for."""

    COMPANY = "company", _("陪伴聊天")
    HOUSEWORK = "housework", _("家政保洁")
    CARE = "care", _("生活照料")
    MEDICAL = "medical", _("医疗护理")
    HAIRCUT = "haircut", _("理发")
    REPAIR = "repair", _("家电水电维修")
    ERRANDS = "errands", _("代购代办")
    FARMING = "farming", _("农忙帮扶")
    TUTORING = "tutoring", _("课业辅导")
    PSYCHOLOGY = "psychology", _("心理疏导")
    LEGAL = "legal", _("法律咨询")
    CULTURE = "culture", _("文艺演出")
    DRIVING = "driving", _("驾驶接送")
    ENVIRONMENT = "environment", _("环境整治")
    PATROL = "patrol", _("治安巡逻")
    DIGITAL = "digital", _("智能手机教学")


class Weekday(models.IntegerChoices):
    MON = 0, _("周一")
    TUE = 1, _("周二")
    WED = 2, _("周三")
    THU = 3, _("周四")
    FRI = 4, _("周五")
    SAT = 5, _("周六")
    SUN = 6, _("周日")


class DayPart(models.IntegerChoices):
    """Availability is a weekly pattern of 21 slots: 7 days × these three parts."""

    MORNING = 0, _("上午")  # 06:00–12:00
    AFTERNOON = 1, _("下午")  # 12:00–18:00
    EVENING = 2, _("晚上")  # 18:00–22:00


DAY_PART_HOURS = {DayPart.MORNING: (6, 12), DayPart.AFTERNOON: (12, 18), DayPart.EVENING: (18, 22)}
ALL_SLOTS = (1 << 21) - 1


def slot_bit(weekday: int, part: int) -> int:
    """The bit of one weekly slot in `Volunteer.availability`."""
    return 1 << (weekday * 3 + part)


class Organisation(ScopedModel):
    """A volunteer organisation (志愿者协会, 老年人协会, 团委 …). `region` = where it is based
    (a village, township or county): it sees and runs activities in that subtree."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("志愿者协会")
        ELDERLY = "elderly", _("老年人协会")
        YOUTH_LEAGUE = "youth_league", _("团委")
        WOMEN = "women", _("妇联")
        PARTY = "party", _("党员志愿服务队")
        CIVILISATION = "civilisation", _("新时代文明实践站")
        SOCIAL = "social", _("社会组织")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "name", "id"]
        indexes = [prefix_index("vol_org_region")]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="vol_org_region_name")
        ]
        verbose_name = _("志愿服务组织")
        verbose_name_plural = _("志愿服务组织")

    def __str__(self) -> str:
        return self.name


class Station(ScopedModel):
    """A village's volunteer service station (志愿服务站). `region` = the village."""

    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="stations"
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "name", "id"]
        indexes = [prefix_index("vol_station_region")]
        verbose_name = _("志愿服务站")
        verbose_name_plural = _("志愿服务站")

    def __str__(self) -> str:
        return self.name


class HamletLocation(ScopedModel):
    """Where a hamlet (自然屯/村民小组) or village lies, for distances in matching. Coordinates in
    micro-degrees (WGS-84) so they compare exactly. `region` = the hamlet or village."""

    lat_micro = models.IntegerField(_("纬度(微度)"))
    lon_micro = models.IntegerField(_("经度(微度)"))

    class Meta:
        indexes = [prefix_index("vol_hamlet_region")]
        constraints = [models.UniqueConstraint(fields=["region"], name="vol_hamlet_one")]
        verbose_name = _("屯位置")
        verbose_name_plural = _("屯位置")


def new_volunteer_code() -> str:
    return secrets.token_urlsafe(12)


class Volunteer(ScopedModel):
    """A real-name volunteer. `region` = home village or hamlet. Residents are linked to the
    register (`person`; name and ID come from there); others register with their ID number,
    which a clerk verifies against the card (`verified_at`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        SUSPENDED = "suspended", _("暂停")
        WITHDRAWN = "withdrawn", _("已退出")

    number = models.CharField(_("志愿者编号"), max_length=24, unique=True)
    person = models.OneToOneField(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer",
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
    )
    name = models.CharField(_("姓名"), max_length=60)
    id_number = EncryptedCharField(_("身份证号"), blind_index="id_number_bidx")
    id_number_bidx = BlindIndexField()
    phone = EncryptedCharField(_("手机号"), blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    verified_at = models.DateTimeField(_("身份核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    skills = models.JSONField(_("技能"), default=list, blank=True)
    # 21 bits: bit (weekday*3 + part) set = available then (see slot_bit).
    availability = models.PositiveIntegerField(_("可服务时间"), default=ALL_SLOTS)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="volunteers"
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="volunteers", verbose_name=_("所属组织")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # Consent to be named on the village's public "top volunteers" list.
    public_consent = models.BooleanField(_("同意公开展示"), default=False)
    # Approved service minutes, cached for lists and star grades; `volunteer_verify` checks it
    # against the hours entries.
    approved_minutes = models.IntegerField(default=0, editable=False)
    # Sign-ups attended and made, cached for the reliability part of the matching score.
    shifts_attended = models.PositiveIntegerField(default=0, editable=False)
    shifts_signed = models.PositiveIntegerField(default=0, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["region_code", "name", "id"]
        indexes = [prefix_index("vol_volunteer_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=~Q(id_number_bidx=""),
                name="vol_volunteer_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(approved_minutes__gte=0), name="vol_volunteer_minutes_nonneg"
            ),
        ]
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")

    def __str__(self) -> str:
        return self.name

    @property
    def star(self) -> int:
        from cunshe.volunteering.rules import star_for_minutes

        return star_for_minutes(self.approved_minutes)
