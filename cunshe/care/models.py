"""三留守 care: who is left behind (identified from the register), their profiles, carers and
visits, the call terminals some of them wear, and the alerts those terminals raise.

Every care row is scoped by the cared-for person's region (their group or village), so a
township or county sees its villages' rows through its prefix. Children's rows are sensitive
personal information of minors: selectors hide them from roles without `care.view_children`.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.core.fields import EncryptedCharField, EncryptedTextField
from cunshe.core.scoping import ScopedModel, prefix_index


class CareKind(models.TextChoices):
    CHILD = "child", _("留守儿童")
    WOMAN = "woman", _("留守妇女")
    ELDERLY = "elderly", _("留守老年人")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高风险")
    PRIORITY = "priority", _("重点关注")
    GENERAL = "general", _("一般")


RISK_ORDER = {RiskLevel.GENERAL: 0, RiskLevel.PRIORITY: 1, RiskLevel.HIGH: 2}


def _upload_to(instance: Any, filename: str) -> str:
    # Stored names say nothing about the content or the person: a random name, no extension.
    return f"care/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


# --- family links the rules read --------------------------------------------------------------


class KinLink(ScopedModel):
    """`relative` is `person`'s parent (PARENT) or spouse (SPOUSE). The register stores only
    each member's relationship to the household head, so links are inferred from it (source
    INFERRED, recomputed) and a clerk may add links across households or switch an inferred one
    off (`active=False`, kept so the inference does not bring it back). `region` = person's."""

    class Kind(models.TextChoices):
        PARENT = "parent", _("父母")
        SPOUSE = "spouse", _("配偶")

    class Source(models.TextChoices):
        INFERRED = "inferred", _("由户内关系推断")
        CLERK = "clerk", _("工作人员登记")

    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="kin_links"
    )
    relative = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("关系"), max_length=8, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    active = models.BooleanField(_("有效"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "kind"], name="care_kinlink_unique"
            ),
            models.CheckConstraint(
                condition=~Q(person=models.F("relative")), name="care_kinlink_not_self"
            ),
        ]
        indexes = [
            prefix_index("care_kinlink_region"),
            models.Index(fields=["relative", "kind"], name="care_kinlink_relative"),
        ]
        verbose_name = _("亲属关系")
        verbose_name_plural = _("亲属关系")


# --- profiles ---------------------------------------------------------------------------------


class CareProfile(ScopedModel):
    """One person's record of one kind (a person may be both a left-behind woman and, later,
    a left-behind elderly person: two rows). The row lives through cycles: identified as a
    CANDIDATE → confirmed ACTIVE or DISMISSED by a clerk → CLOSED automatically when the
    situation ends → ACTIVE again if it recurs. `ProfileEvent` keeps the history."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("待确认")
        ACTIVE = "active", _("在册")
        DISMISSED = "dismissed", _("不予认定")
        CLOSED = "closed", _("已退出")

    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="care_profiles"
    )
    kind = models.CharField(_("类别"), max_length=8, choices=CareKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    # What the identification found: does the rule match today, and why (structured facts,
    # rendered in the reader's language by `cunshe.care.identification.describe`).
    matches_now = models.BooleanField(default=True)
    reason = models.JSONField(default=list, blank=True)
    identified_on = models.DateField(_("识别日期"))
    # The next date on which the passage of time alone may change the outcome (a birthday, a
    # six-month mark): the daily job re-identifies these.
    recheck_on = models.DateField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_reason = models.CharField(_("状态说明"), max_length=300, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Risk: the level and the criteria (codes from `cunshe.care.risk`) that set it.
    risk_level = models.CharField(
        _("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.GENERAL
    )
    risk_criteria = models.JSONField(default=list, blank=True)
    needs_assessment = EncryptedTextField(_("需求评估"))
    notes = EncryptedTextField(_("备注"))

    # Children: the entrusted guardian (委托监护人) and the guardianship agreement with the village.
    guardian_person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guardian_name = models.CharField(_("委托监护人"), max_length=60, blank=True)
    guardian_relation = models.CharField(_("与儿童关系"), max_length=30, blank=True)
    guardian_phone = EncryptedCharField(_("监护人电话"))
    agreement_signed_on = models.DateField(_("监护责任协议签订日期"), null=True, blank=True)
    agreement_file = models.FileField(upload_to=_upload_to, max_length=200, blank=True)
    agreement_content_type = models.CharField(max_length=60, blank=True)
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    school_class = models.CharField(_("年级班级"), max_length=40, blank=True)

    # The visit plan, kept by the visit services: the last visit, when the next is due, and the
    # latest major change (a high-risk person is seen within 24 h of one).
    last_visit_at = models.DateTimeField(null=True, blank=True)
    next_visit_due = models.DateTimeField(null=True, blank=True)
    major_change_at = models.DateTimeField(null=True, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code", "kind", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="care_profile_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["child", "woman", "elderly"]), name="care_profile_kind"
            ),
        ]
        indexes = [
            prefix_index("care_profile_region"),
            models.Index(fields=["region_code", "status", "kind"], name="care_profile_status"),
            models.Index(fields=["status", "next_visit_due"], name="care_profile_due"),
            models.Index(fields=["recheck_on"], name="care_profile_recheck"),
        ]
        verbose_name = _("关爱对象档案")
        verbose_name_plural = _("关爱对象档案")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_child(self) -> bool:
        return self.kind == CareKind.CHILD

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.CANDIDATE, self.Status.ACTIVE)


class ProfileEvent(models.Model):
    """The history of a profile: identified, confirmed, dismissed, closed, reopened, risk
    changed, guardian recorded, carer assigned … (who, when, what). Reached via the profile."""

    class Kind(models.TextChoices):
        IDENTIFIED = "identified", _("系统识别")
        CONFIRMED = "confirmed", _("确认在册")
        DISMISSED = "dismissed", _("不予认定")
        CLOSED = "closed", _("自动退出")
        REOPENED = "reopened", _("重新纳入")
        REASON_CHANGED = "reason", _("情况变化")
        RISK_CHANGED = "risk", _("风险等级调整")
        UPDATED = "updated", _("档案更新")
        CARER = "carer", _("关爱人员变更")

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="history")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["profile", "at"], name="care_profileevent_profile")]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.kind}"


class Contact(models.Model):
    """Someone to call for this person: family first (the alert ladder's first rung tells every
    family contact, in `order`), then others (neighbours, the school)."""

    profile = models.ForeignKey(CareProfile, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=60)
    relation = models.CharField(_("关系"), max_length=30)
    phone = EncryptedCharField(_("电话"))
    is_family = models.BooleanField(_("家属"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class CarerAssignment(models.Model):
    """A carer assigned to a profile: a village cadre, grid worker, children's director (儿童主任)
    or volunteer. Carers with an account (`user`) see the profile in their lists and may record
    visits; others are named with a phone number and their visits are recorded by a clerk."""

    class CarerType(models.TextChoices):
        CADRE = "cadre", _("村干部")
        GRID = "grid", _("网格员")
        CHILDREN_DIRECTOR = "children_director", _("儿童主任")
        VOLUNTEER = "volunteer", _("志愿者")

    profile = models.ForeignKey(CareProfile, on_delete=models.CASCADE, related_name="carers")
    carer_type = models.CharField(_("类型"), max_length=20, choices=CarerType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=60)
    phone = EncryptedCharField(_("电话"))
    active = models.BooleanField(default=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-active", "assigned_at", "id"]
        indexes = [models.Index(fields=["user", "active"], name="care_carer_user")]

    def __str__(self) -> str:
        return self.name


# --- visits -----------------------------------------------------------------------------------


class Visit(ScopedModel):
    """One visit (探访): home, phone or video. Never in the future; never for a person outside
    the recorder's jurisdiction. `region` = the profile's."""

    class Mode(models.TextChoices):
        HOME = "home", _("入户走访")
        PHONE = "phone", _("电话探访")
        VIDEO = "video", _("视频探访")

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField(_("探访时间"))
    mode = models.CharField(_("方式"), max_length=8, choices=Mode.choices)
    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carer_name = models.CharField(_("探访人"), max_length=60)
    findings = EncryptedTextField(_("探访情况"))
    needs_found = models.CharField(_("发现的需求"), max_length=300, blank=True)
    follow_up = models.CharField(_("后续跟进"), max_length=300, blank=True)
    follow_up_due = models.DateField(_("跟进期限"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    alert = models.ForeignKey(
        "care.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [
            prefix_index("care_visit_region"),
            models.Index(fields=["profile", "visited_at"], name="care_visit_profile"),
            models.Index(fields=["region_code", "visited_at"], name="care_visit_region_at"),
        ]
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=_upload_to, max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.visit_id} photo"


class CareNeed(ScopedModel):
    """A need found on a visit or an alert. It can become a service application (service desk,
    `application`) or, when volunteering exists, a volunteer need. `region` = the profile's."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        REFERRED = "referred", _("已转办")
        MET = "met", _("已解决")
        CLOSED = "closed", _("已关闭")

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="needs")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    alert = models.ForeignKey(
        "care.Alert", on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    category = models.CharField(_("需求类别"), max_length=30)
    description = models.CharField(_("需求描述"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    application = models.ForeignKey(
        "servicedesk.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_needs",
    )
    # Volunteering (issue 6) links its need here when it exists: kept as a plain id until then.
    volunteer_need_id = models.PositiveBigIntegerField(null=True, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [prefix_index("care_need_region")]
        verbose_name = _("关爱需求")
        verbose_name_plural = _("关爱需求")


# --- terminals --------------------------------------------------------------------------------


def new_terminal_secret() -> str:
    return secrets.token_hex(32)


class Terminal(ScopedModel):
    """A call terminal (一键呼叫/智能手环) worn by a cared-for person. Its messages are signed with
    HMAC-SHA256 under `secret` (see docs/terminals.md). `region` = the person's."""

    serial = models.CharField(_("设备序列号/IMEI"), max_length=40, unique=True)
    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="care_terminals"
    )
    model_name = models.CharField(_("型号"), max_length=60, blank=True)
    callback_phone = EncryptedCharField(_("回拨电话"))
    secret = EncryptedCharField(_("签名密钥"))
    active = models.BooleanField(_("启用"), default=True)
    # The daily check-in window (local time); a terminal with no check-in inside it by the end
    # raises a missed check-in alert.
    checkin_start = models.TimeField(_("每日签到开始"), null=True, blank=True)
    checkin_end = models.TimeField(_("每日签到截止"), null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    battery = models.PositiveSmallIntegerField(null=True, blank=True)
    worn = models.BooleanField(default=True)
    # Messages that named this terminal but failed its signature (a wrong or leaked secret, a
    # forger): counted here so the register shows them; the messages themselves are not kept.
    bad_signature_count = models.PositiveIntegerField(default=0)
    bad_signature_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "serial"]
        indexes = [
            prefix_index("care_terminal_region"),
            models.Index(fields=["active", "checkin_end"], name="care_terminal_checkin"),
        ]
        verbose_name = _("呼叫终端")
        verbose_name_plural = _("呼叫终端")

    def __str__(self) -> str:
        return self.serial


class TerminalEvent(ScopedModel):
    """One message from a terminal, stored once: (terminal, event_id) is unique, so a message
    delivered twice (MQTT QoS 1 is at-least-once) is stored once. `region` = the terminal's."""

    class Kind(models.TextChoices):
        HEARTBEAT = "heartbeat", _("心跳")
        CHECKIN = "checkin", _("每日签到")
        SOS = "sos", _("一键呼救")
        FALL = "fall", _("跌倒报警")
        REMOVED = "removed", _("设备摘除")
        LOW_BATTERY = "low_battery", _("电量低")

    class Source(models.TextChoices):
        MQTT = "mqtt", "MQTT"
        HTTP = "http", "HTTP"

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    source = models.CharField(max_length=4, choices=Source.choices)
    battery = models.PositiveSmallIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["terminal", "event_id"], name="care_terminalevent_once"
            ),
        ]
        indexes = [
            prefix_index("care_tevent_region"),
            models.Index(fields=["terminal", "occurred_at"], name="care_tevent_terminal"),
        ]


class ParkedEvent(models.Model):
    """A well-formed message for a terminal nobody registered: kept for review (a device
    registered late, a typo in the serial), never dropped. Not scoped: it belongs to no one yet."""

    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=4, choices=TerminalEvent.Source.choices)
    serial = models.CharField(max_length=40)
    event_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["serial", "received_at"], name="care_parked_serial")]

    def __str__(self) -> str:
        return self.serial


class IngestCounter(models.Model):
    """How many messages each source accepted, de-duplicated, parked or rejected (and why), per
    day: rejected messages are counted, never stored (they may be garbage or an attack)."""

    day = models.DateField()
    source = models.CharField(max_length=4, choices=TerminalEvent.Source.choices)
    outcome = models.CharField(max_length=30)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "source", "outcome"], name="care_ingestcounter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.source} {self.outcome}"


# --- alerts -----------------------------------------------------------------------------------


class Alert(ScopedModel):
    """An SOS, a fall, a missed daily check-in or a removed device. It climbs its ladder (family
    contact → assigned carer → village leader → township), each rung with its own time limit,
    until someone acknowledges it; it is closed with a note. `region` = the person's."""

    class Kind(models.TextChoices):
        SOS = "sos", _("一键呼救")
        FALL = "fall", _("跌倒报警")
        MISSED_CHECKIN = "missed_checkin", _("未按时签到")
        DEVICE_REMOVED = "device_removed", _("设备摘除")

    class Status(models.TextChoices):
        OPEN = "open", _("待响应")
        ACKNOWLEDGED = "acknowledged", _("已响应")
        CLOSED = "closed", _("已关闭")

    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    profile = models.ForeignKey(
        CareProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    source_event = models.ForeignKey(
        TerminalEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("发生时间"))
    # Missed check-ins: the day missed (one alert per terminal per day, a DB constraint).
    for_date = models.DateField(null=True, blank=True)
    # The ladder: the rung last told (0 = nobody yet) and when the next rung is due.
    step = models.PositiveSmallIntegerField(default=0)
    step_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(_("处置情况"), max_length=500, blank=True)
    visit_made = models.BooleanField(_("已上门"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["terminal", "kind", "for_date"],
                condition=Q(for_date__isnull=False),
                name="care_alert_once_per_day",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(acknowledged_at__isnull=False)
                | Q(closed_at__isnull=False),
                name="care_alert_handled_has_time",
            ),
        ]
        indexes = [
            prefix_index("care_alert_region"),
            models.Index(fields=["status", "step_due_at"], name="care_alert_due"),
            models.Index(fields=["region_code", "status"], name="care_alert_region_status"),
        ]
        verbose_name = _("告警")
        verbose_name_plural = _("告警")

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AlertStep(models.Model):
    """One rung reached on an alert's ladder: who was told, when, and when the next rung falls
    due. Every step is also an audit event (acknowledging and closing are audited too)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField()
    rung = models.CharField(max_length=20)
    at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "step"], name="care_alertstep_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.step}"
