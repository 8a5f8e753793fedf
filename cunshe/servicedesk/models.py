"""办事不出村: the service catalogue, applications and their workflow, appointments, ratings
(好差评) and problem reports (随手拍).

The catalogue is public information and is not scoped. Everything a villager brings in is scoped
by the applicant's (or the problem's) village: a township or county unit that handles it sees it
through its own prefix, because the handling unit is always an ancestor of that village.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.accounts.roles import Department
from cunshe.core.fields import EncryptedCharField
from cunshe.core.scoping import ScopedModel, prefix_index

# --- the catalogue (事项清单) -------------------------------------------------------------------


class ItemKind(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    PAYMENT = "payment", _("行政给付")
    ADJUDICATION = "adjudication", _("行政裁决")
    REWARD = "reward", _("行政奖励")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class HandlingLevel(models.TextChoices):
    """Where a matter is decided. Codes of these levels have 12, 9 and 6 digits."""

    VILLAGE = "village", _("村级")
    TOWNSHIP = "township", _("乡镇级")
    COUNTY = "county", _("县级")


LEVEL_CODE_LENGTH = {HandlingLevel.VILLAGE: 12, HandlingLevel.TOWNSHIP: 9, HandlingLevel.COUNTY: 6}


class Mode(models.TextChoices):
    ONLINE = "online", _("网上申请")
    DAIBAN = "daiban", _("代办")
    LINGBAN = "lingban", _("领办")
    APPOINTMENT = "appointment", _("预约办理")


class VillageRole(models.TextChoices):
    """The two lists the seed asks every village to publish."""

    PERFORMS = "performs", _("村委会依法履行职责事项")
    ASSISTS = "assists", _("村委会协助政府工作事项")
    NONE = "none", _("不涉及村委会")


class Trust(models.TextChoices):
    """How far a material can be trusted without checking it again."""

    A = "A", _("A 证照批文(出具机关签发)")
    B = "B", _("B 工作人员核验")
    C = "C", _("C 申请人上传")
    D = "D", _("D 申请人承诺")


class ServiceItem(models.Model):
    """One matter in the province catalogue, with the national guide's fields."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=100)
    kind = models.CharField(_("事项类型"), max_length=20, choices=ItemKind.choices)
    theme = models.CharField(_("主题分类"), max_length=40, blank=True)
    department = models.CharField(_("实施部门"), max_length=30, choices=Department.choices)
    level = models.CharField(_("实施层级"), max_length=10, choices=HandlingLevel.choices)
    village_role = models.CharField(
        _("村委会职责"), max_length=10, choices=VillageRole.choices, default=VillageRole.ASSISTS
    )
    legal_basis = models.TextField(_("设定依据"))
    conditions = models.TextField(_("办理条件"))
    steps = models.JSONField(_("办理流程"), default=list)
    promised_days = models.PositiveSmallIntegerField(_("承诺时限(工作日)"))
    statutory_days = models.PositiveSmallIntegerField(_("法定时限(工作日)"))
    fee = models.CharField(_("收费标准"), max_length=200, default="不收费")
    visits = models.PositiveSmallIntegerField(_("到现场次数"), default=0)
    modes = models.JSONField(_("办理方式"), default=list)
    summary = models.CharField(_("一句话说明"), max_length=200, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["theme", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_days__lte=F("statutory_days")),
                name="item_promise_within_statute",
            ),
        ]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")

    def __str__(self) -> str:
        return self.name


class MaterialRequirement(models.Model):
    """A material an item asks for. `doc_type` names the kind of document ("id_card",
    "hukou_book", "bank_card", "disability_cert" …) so one already on file can be reused."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("材料名称"), max_length=120)
    doc_type = models.CharField(_("证照类型"), max_length=40, blank=True)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    form = models.CharField(_("材料形式"), max_length=40, default="原件")
    trust = models.CharField(_("可信等级"), max_length=1, choices=Trust.choices)
    required = models.BooleanField(_("必需"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "position", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.name


class CountyAdjustment(models.Model):
    """A county's change to the province catalogue: not offered here, a shorter promise, a
    different department or level. Public, like the catalogue it adjusts."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="adjustments")
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6, editable=False)
    offered = models.BooleanField(_("本县开展"), default=True)
    promised_days = models.PositiveSmallIntegerField(_("本县承诺时限"), null=True, blank=True)
    department = models.CharField(
        _("本县实施部门"), max_length=30, choices=Department.choices, blank=True
    )
    level = models.CharField(
        _("本县实施层级"), max_length=10, choices=HandlingLevel.choices, blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "county_code"], name="one_adjustment_per_county"
            )
        ]
        verbose_name = _("县级调整")
        verbose_name_plural = _("县级调整")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.county_code = self.county.code
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.county_code} {self.item_id}"


# --- applications -----------------------------------------------------------------------------


def new_receipt_number() -> str:
    """12 characters from an alphabet without look-alikes (0/O, 1/I/L): unguessable enough,
    with the phone's last four digits, to open a status page without signing in."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("待补正")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    IN_PROGRESS = "in_progress", _("办理中")
    APPROVED = "approved", _("准予办理")
    REFUSED = "refused", _("不予批准")
    DELIVERED = "delivered", _("已送达")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


# Finished: nothing more happens except a rating.
FINISHED = (Status.REJECTED, Status.DELIVERED, Status.CLOSED, Status.WITHDRAWN)
# Waiting for an officer with the clock running: what due-soon and overdue lists show.
CLOCK_RUNNING = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS)


class Application(ScopedModel):
    """One villager's matter. `region` is the applicant's village or group; the handling unit
    (`handler_code`: a village, township or county code, plus a department at county level) is
    where the item and the applicant's region route it."""

    number = models.CharField(_("受理编号"), max_length=12, unique=True, default=new_receipt_number)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="applications"
    )
    # Name and household at the time of applying, so the record reads right after a move.
    applicant_name = models.CharField(_("申请人"), max_length=60)
    household_number = models.CharField(_("户号"), max_length=30, blank=True)
    mode = models.CharField(_("办理方式"), max_length=12, choices=Mode.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    returned_from = models.CharField(max_length=12, choices=Status.choices, blank=True)
    details = models.TextField(_("申请事由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)
    # 代办: the villager's written authorisation (委托书), kept as a material of kind
    # "authorisation"; its date here. 领办: where and when the clerk accompanied the villager.
    authorised_on = models.DateField(_("委托日期"), null=True, blank=True)
    accompanied_at = models.DateTimeField(_("领办时间"), null=True, blank=True)
    accompanied_place = models.CharField(_("领办地点"), max_length=100, blank=True)
    # Routing.
    handler_level = models.CharField(_("办理层级"), max_length=10, choices=HandlingLevel.choices)
    handler_code = models.CharField(_("办理单位区划"), max_length=12)
    handler_department = models.CharField(
        _("办理部门"), max_length=30, choices=Department.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    # Deadlines: due_on is the current step's due date in working days (acceptance, then the
    # promised time); while returned for material the clock stops (paused_on) and the due date
    # moves by the working days it stood still.
    submitted_at = models.DateTimeField(_("提交时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    due_on = models.DateField(_("本环节期限"), null=True, blank=True)
    paused_on = models.DateField(_("补正开始"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    finished_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("督办层级"), default=0)
    escalated_on = models.DateField(_("最近督办"), null=True, blank=True)
    # How many times the villager had to travel to an office for this matter (0 = 不跑腿).
    trips = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="application_idempotent"
            ),
            models.CheckConstraint(
                condition=~Q(mode="daiban") | Q(authorised_on__isnull=False),
                name="daiban_needs_authorisation",
            ),
            models.CheckConstraint(
                condition=~Q(mode="lingban")
                | (Q(accompanied_at__isnull=False) & ~Q(accompanied_place="")),
                name="lingban_needs_time_and_place",
            ),
        ]
        indexes = [
            prefix_index("application_region"),
            # Serves the metrics (by unit prefix and month) from the index alone on PostgreSQL.
            models.Index(
                fields=["region_code", "submitted_at"],
                name="application_metrics",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                include=[
                    "status",
                    "mode",
                    "item",
                    "trips",
                    "finished_on_time",
                    "decided_at",
                    "due_on",
                    "handler_department",
                ],
            ),
            # Newest first (lists and the API): walked backwards and filtered, instead of
            # sorting a county's 300 k rows (bench/servicedesk_load.py: 9.6 → 151 req/s).
            models.Index(fields=["-submitted_at", "-id"], name="application_newest"),
            models.Index(
                fields=["handler_department", "-submitted_at", "-id"],
                name="application_dept_newest",
            ),
            models.Index(fields=["handler_code", "status", "due_on"], name="application_handler"),
            models.Index(fields=["assignee", "status", "due_on"], name="application_assignee"),
            models.Index(fields=["applicant", "submitted_at"], name="application_applicant"),
            models.Index(fields=["status", "due_on"], name="application_status_due"),
        ]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")

    def __str__(self) -> str:
        return f"{self.number} {self.item_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class ApplicationEvent(models.Model):
    """The timeline: every transition, re-route, assignment, escalation and material change.
    Append-only; `public_text` is what the villager reads."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("状态变更")
        REROUTE = "reroute", _("改派")
        ASSIGN = "assign", _("分派")
        ESCALATE = "escalate", _("超期督办")
        MATERIAL = "material", _("材料")
        NOTE = "note", _("备注")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=40, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    public_text = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind} {self.to_status}"


def _upload_to(instance: Any, filename: str) -> str:
    # Stored names say nothing about the content or the person: a random name, no extension.
    return f"servicedesk/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Material(models.Model):
    """A file given for an application (checked by content and size, stored under MEDIA, served
    only through an access-checked view), or one reused from an earlier application."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    requirement = models.ForeignKey(
        MaterialRequirement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "authorisation" for the 代办 委托书; otherwise the requirement's doc_type or "other".
    doc_type = models.CharField(max_length=40, blank=True)
    name = models.CharField(_("材料名称"), max_length=120)
    file = models.FileField(upload_to=_upload_to, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    reused_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("材料文件")
        verbose_name_plural = _("材料文件")

    def __str__(self) -> str:
        return self.name


# --- appointments (预约) -----------------------------------------------------------------------


class ServiceWindow(ScopedModel):
    """A counter where villagers are seen: the village hall, the township service centre or a
    county department. `region` is the village, township or county it belongs to."""

    class Kind(models.TextChoices):
        VILLAGE_HALL = "village_hall", _("村便民服务站")
        TOWNSHIP_CENTRE = "township_centre", _("乡镇便民服务中心")
        COUNTY_DEPARTMENT = "county_department", _("县级部门窗口")

    name = models.CharField(_("窗口名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    department = models.CharField(_("部门"), max_length=30, choices=Department.choices, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("开放"), default=True)

    class Meta:
        ordering = ["region_code", "name"]
        indexes = [prefix_index("window_region")]
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """A bookable time at a window. `booked` is changed only by a conditional UPDATE
    (`booked < capacity`), and the database refuses `booked > capacity` as a second guard."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    capacity = models.PositiveSmallIntegerField(_("名额"))
    booked = models.PositiveSmallIntegerField(_("已约"), default=0)

    class Meta:
        ordering = ["window", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_has_length"),
            models.UniqueConstraint(fields=["window", "starts_at"], name="one_slot_per_start"),
        ]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked

    def __str__(self) -> str:
        return f"{self.window_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(ScopedModel):
    """One person's place in a slot. `region` is the person's village."""

    class State(models.TextChoices):
        BOOKED = "booked", _("已预约")
        CANCELLED = "cancelled", _("已取消")
        RESCHEDULED = "rescheduled", _("已改约")
        ATTENDED = "attended", _("已到场")
        NO_SHOW = "no_show", _("未到场")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)
    # The booking this one replaced when rescheduled (the old row says RESCHEDULED).
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=Q(state="booked"),
                name="one_live_booking_per_person_slot",
            ),
            models.UniqueConstraint(
                fields=["booked_by", "idempotency_key"], name="booking_idempotent"
            ),
        ]
        indexes = [prefix_index("booking_region")]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")

    def __str__(self) -> str:
        return f"{self.slot_id} {self.state}"


# --- ratings (好差评) -----------------------------------------------------------------------------


class Rating(ScopedModel):
    """One rating per finished matter, on the national five-level scale."""

    class Score(models.IntegerChoices):
        VERY_SATISFIED = 5, _("非常满意")
        SATISFIED = 4, _("满意")
        BASIC = 3, _("基本满意")
        DISSATISFIED = 2, _("不满意")
        VERY_DISSATISFIED = 1, _("非常不满意")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("评价等级"), choices=Score.choices)
    indicators = models.JSONField(_("评价指标"), default=list)
    comment = models.TextField(_("评价内容"), blank=True)
    real_name = models.BooleanField(_("实名评价"), default=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Denormalised for statistics per officer and unit without joining applications.
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    handler_code = models.CharField(max_length=12)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_to_5"),
        ]
        indexes = [
            prefix_index("rating_region"),
            models.Index(
                fields=["region_code", "rated_at"],
                name="rating_metrics",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                include=["score"],
            ),
        ]
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")

    def __str__(self) -> str:
        return f"{self.application_id} {self.score}"


class Rectification(ScopedModel):
    """差评整改: opened by every real-name 不满意/非常不满意; closed only after a call-back."""

    class State(models.TextChoices):
        OPEN = "open", _("待回访")
        CALLED_BACK = "called_back", _("已回访")
        RECTIFIED = "rectified", _("已整改")
        EXPLAINED = "explained", _("已解释说明")

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    handler_code = models.CharField(max_length=12)
    handler_department = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    due_on = models.DateField(_("整改期限"))
    result = models.TextField(_("整改结果"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [prefix_index("rectification_region")]
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")

    def __str__(self) -> str:
        return f"{self.rating_id} {self.state}"


class CallBack(models.Model):
    """A call-back to the villager who rated badly: when, who, reached or not, what was said."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="callbacks"
    )
    at = models.DateTimeField(_("回访时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reached = models.BooleanField(_("已联系上"))
    summary = models.TextField(_("回访情况"))
    satisfied_after = models.BooleanField(_("回访后满意"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.at:%Y-%m-%d}"


# --- problem reports (随手拍) and Open311 ------------------------------------------------------


class ReportCategory(models.Model):
    """A kind of problem, routed like an item: to a level and a department. `code` is the
    Open311 service_code."""

    code = models.CharField(_("类别编码"), max_length=30, unique=True)
    name = models.CharField(_("类别"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    keywords = models.CharField(max_length=200, blank=True)
    level = models.CharField(_("处置层级"), max_length=10, choices=HandlingLevel.choices)
    department = models.CharField(
        _("处置部门"), max_length=30, choices=Department.choices, blank=True
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "code"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")

    def __str__(self) -> str:
        return self.name


def new_report_token() -> str:
    return secrets.token_urlsafe(16)


class ProblemReport(ScopedModel):
    """随手拍: a problem at a place. `region` is the village (or group) it is in. The reporter is
    known to staff and hidden from the public; "resolved" is kept apart from "closed without
    action"."""

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        ACKNOWLEDGED = "acknowledged", _("已受理")
        IN_PROGRESS = "in_progress", _("处理中")
        RESOLVED = "resolved", _("已解决")
        CLOSED_NO_ACTION = "closed_no_action", _("不予处理(已关闭)")

    number = models.CharField(_("编号"), max_length=12, unique=True, default=new_receipt_number)
    token = models.CharField(max_length=32, unique=True, default=new_report_token)
    category = models.ForeignKey(ReportCategory, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("位置描述"), max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    photo = models.FileField(upload_to=_upload_to, max_length=200, blank=True)
    photo_type = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    # Who reported: a signed-in user, and/or what an Open311 client sent (encrypted).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reporter_name = EncryptedCharField(_("报告人"))
    reporter_phone = EncryptedCharField(_("联系电话"))
    reporter_email = EncryptedCharField(_("邮箱"))
    client = models.ForeignKey(
        "servicedesk.Open311Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    handler_level = models.CharField(max_length=10, choices=HandlingLevel.choices)
    handler_code = models.CharField(max_length=12)
    handler_department = models.CharField(max_length=30, blank=True)
    public = models.BooleanField(_("公开"), default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            prefix_index("report_region"),
            models.Index(fields=["region_code", "created_at"], name="report_region_time"),
            models.Index(fields=["handler_code", "state"], name="report_handler"),
            models.Index(fields=["updated_at"], name="report_updated"),
        ]
        verbose_name = _("随手拍")
        verbose_name_plural = _("随手拍")

    def __str__(self) -> str:
        return self.number


class ReportUpdate(models.Model):
    """A step in a report's handling, public unless marked internal (the Open311 updates)."""

    report = models.ForeignKey(ProblemReport, on_delete=models.PROTECT, related_name="updates")
    at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=ProblemReport.State.choices)
    text = models.TextField(_("处理说明"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.state}"


class Open311Client(models.Model):
    """A third-party GeoReport v2 client allowed to post requests (the `api_key`). Only the
    key's hash is stored. `region` bounds where its reports may be placed."""

    name = models.CharField(_("客户端名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=8)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return self.name
