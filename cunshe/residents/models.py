"""The resident register: households, persons and the residence events that make their state.

A person's residence state (here / away for work / moved out / deceased, since when, where to,
hukou here or not) is a projection of their events (`residents.events.project`); the columns on
Person hold the current projection so that lists and statistics can filter on it, and
`manage.py residents_verify` replays every person's events to prove the two agree.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.core.fields import BlindIndexField, EncryptedCharField, EncryptedTextField
from cunshe.core.scoping import ScopedModel, prefix_index
from cunshe.residents.codes import (
    EDUCATION,
    ETHNICITIES,
    HEAD,
    MARITAL,
    POLITICAL,
    RELATIONSHIPS,
    EventKind,
    ResidenceStatus,
    choices,
)

GONE = (ResidenceStatus.MOVED_OUT, ResidenceStatus.DECEASED)


class Household(ScopedModel):
    """户. `region` is the group or hamlet when known, otherwise the village."""

    village_code = models.CharField(_("村代码"), max_length=12, editable=False)
    number = models.CharField(_("户号"), max_length=30)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    hukou_here = models.BooleanField(_("户籍在本村"), default=True)
    is_dibao = models.BooleanField(_("低保户"), default=False)
    is_tekun = models.BooleanField(_("特困供养"), default=False)
    is_tuopin = models.BooleanField(_("脱贫户"), default=False)
    is_monitored = models.BooleanField(_("防返贫监测户"), default=False)
    is_wubao = models.BooleanField(_("五保户"), default=False)
    is_military_family = models.BooleanField(_("军烈属"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["village_code", "number"], name="household_number_unique_in_village"
            ),
        ]
        indexes = [
            prefix_index("household_region"),
            # Search by household number across a township or the province.
            models.Index(fields=["number"], name="household_number"),
        ]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region_id is not None:
            self.village_code = self.region.code[:12]
        super().save(*args, **kwargs)

    FLAG_FIELDS = (
        "is_dibao", "is_tekun", "is_tuopin", "is_monitored", "is_wubao", "is_military_family"
    )  # fmt: skip


class Person(ScopedModel):
    """人. `region` follows the household's. Identity fields are encrypted; sex and birth date
    are kept beside the ID number (checked against it) because lists filter on them."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("户")
    )
    relationship = models.CharField(_("与户主关系"), max_length=2, choices=choices(RELATIONSHIPS))
    name = models.CharField(_("姓名"), max_length=60)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    name_initials = models.CharField(max_length=60, blank=True, editable=False)
    id_number = EncryptedCharField(_("身份证号"), blind_index="id_number_bidx")
    id_number_bidx = BlindIndexField()
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(
        _("民族"), max_length=2, choices=choices(ETHNICITIES), default="01"
    )
    phone = EncryptedCharField(_("手机号"), blind_index="phone_bidx")
    phone_bidx = BlindIndexField()
    education = models.CharField(
        _("文化程度"), max_length=2, choices=choices(EDUCATION), blank=True
    )
    marital_status = models.CharField(
        _("婚姻状况"), max_length=2, choices=choices(MARITAL), blank=True
    )
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=choices(POLITICAL), default="13"
    )
    # Disability "category:grade" (GB/T 26341) and illness are health data: encrypted. The
    # plain flags below are what other modules may filter on (guardianship, care, subsidies).
    disability = EncryptedCharField(_("残疾类别与等级"))
    illness = EncryptedTextField(_("慢性病或失能情况"))
    has_disability = models.BooleanField(_("持证残疾人"), default=False, editable=False)
    lacks_guardianship_capacity = models.BooleanField(_("无监护能力"), default=False)
    is_veteran = models.BooleanField(_("退役军人"), default=False)
    is_youfu = models.BooleanField(_("优抚对象"), default=False)

    # Current residence state: the projection of this person's events (see module docstring).
    hukou_here = models.BooleanField(_("户籍在本村"), default=True)
    hukou_region_code = models.CharField(_("户籍地区划代码"), max_length=12, blank=True)
    residence_status = models.CharField(
        _("居住状态"),
        max_length=12,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.HERE,
    )
    status_since = models.DateField(_("状态起始"), null=True, blank=True)
    away_destination = models.CharField(_("外出去向"), max_length=100, blank=True)
    living_here_since = models.DateField(_("在本村居住起始"), null=True, blank=True)
    died_on = models.DateField(_("死亡日期"), null=True, blank=True)

    # The villager's own sign-in, when they have one: it lets them see their household.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code", "household_id", "relationship", "birth_date"]
        constraints = [
            # One register entry per ID number in the whole province: a person cannot be an
            # active resident of two villages; moving is an event, not a second row.
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=~Q(id_number_bidx=""),
                name="person_id_number_unique",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship=HEAD) & ~Q(residence_status__in=GONE),
                name="one_current_head_per_household",
            ),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
        ]
        indexes = [
            prefix_index("person_region"),
            # Name, pinyin and initials are searched by prefix (LIKE 'x%'): pattern_ops indexes
            # serve that whatever the database collation.
            prefix_index("person_name", "name"),
            prefix_index("person_initials", "name_initials"),
            prefix_index("person_pinyin", "name_pinyin"),
            models.Index(fields=["region_code", "birth_date"], name="person_region_birth"),
            models.Index(fields=["region_code", "residence_status"], name="person_region_status"),
        ]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        from cunshe.core.pinyin import pinyin_of

        self.name_pinyin, self.name_initials = pinyin_of(self.name)
        self.has_disability = bool(self.disability)
        super().save(*args, **kwargs)

    def age_on(self, on: date | None = None) -> int:
        """Whole years of age on `on` (default today, Beijing time)."""
        on = on or timezone.localdate()
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def is_sensitive_minor(self, on: date | None = None) -> bool:
        from cunshe.residents import rules

        return self.age_on(on) < rules.SENSITIVE_MINOR_AGE

    @property
    def is_head(self) -> bool:
        return self.relationship == HEAD

    @property
    def is_current(self) -> bool:
        return self.residence_status not in GONE

    def months_in_status(self, on: date | None = None) -> int | None:
        """Whole months since the current status began (away, or living here)."""
        if self.status_since is None:
            return None
        on = on or timezone.localdate()
        months = (on.year - self.status_since.year) * 12 + on.month - self.status_since.month
        if on.day < self.status_since.day:
            months -= 1
        return max(months, 0)

    def months_away(self, on: date | None = None) -> int:
        if self.residence_status not in (ResidenceStatus.AWAY_FOR_WORK, ResidenceStatus.AWAY_OTHER):
            return 0
        return self.months_in_status(on) or 0

    def months_living_here(self, on: date | None = None) -> int:
        if self.residence_status not in (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE):
            return 0
        start = self.living_here_since or self.birth_date
        on = on or timezone.localdate()
        months = (on.year - start.year) * 12 + on.month - start.month
        return max(months - (1 if on.day < start.day else 0), 0)


class ResidenceEvent(ScopedModel):
    """One dated change in a person's residence. Never edited: a mistake is put right by a
    CORRECTION event that names the event it corrects and says what really happened (or, with
    no `corrected_kind`, that it did not happen at all)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=EventKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    destination = models.CharField(_("去向/来源"), max_length=100, blank=True)
    destination_code = models.CharField(_("去向区划代码"), max_length=12, blank=True)
    # REGISTERED: the state found when the person entered the register.
    status = models.CharField(
        _("登记时居住状态"), max_length=12, choices=ResidenceStatus.choices, blank=True
    )
    hukou_here = models.BooleanField(_("登记时户籍在本村"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    corrected_kind = models.CharField(
        _("更正后的事件"), max_length=12, choices=EventKind.choices, blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        indexes = [
            prefix_index("event_region"),
            models.Index(fields=["person", "occurred_on"], name="event_person_date"),
            models.Index(fields=["kind", "occurred_on"], name="event_kind_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=EventKind.CORRECTION, corrects__isnull=False)
                | (~Q(kind=EventKind.CORRECTION) & Q(corrects__isnull=True)),
                name="event_correction_names_its_event",
            ),
        ]
        verbose_name = _("居住事件")
        verbose_name_plural = _("居住事件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class ImportJob(ScopedModel):
    """One uploaded register file and what became of it. `region` is the clerk's root region:
    the job is visible to those whose jurisdiction covers it, its file only to its owner."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待处理")
        RUNNING = "running", _("正在处理")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The role assignment the clerk acted under: the background task acts under it too.
    assignment_id = models.PositiveBigIntegerField(null=True, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    mode = models.CharField(_("方式"), max_length=20)

    @property
    def mode_label(self) -> str:
        from cunshe.residents.importing import Mode

        return str(dict(Mode.CHOICES).get(self.mode, self.mode))

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    ok_rows = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # The counts and the problems found (row, column, reason), shown on the job page.
    result = models.JSONField(default=dict, blank=True)
    report = models.FileField(_("被拒绝的行"), upload_to="imports/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [prefix_index("importjob_region")]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
