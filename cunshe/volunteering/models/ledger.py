"""The points ledger (积分制): double-entry, integer points, immutable.

Every change is a `PointsEntry` (one journal entry) with two or more `Movement` lines whose
points sum to zero: earning moves points from the village's issuance account to a household or
person; redeeming moves them from the household to the store. A correction is a new entry that
reverses an earlier one (`reverses`, with a reason); nothing is ever edited or deleted.

`PointsAccount.balance` is a cache, written in the same transaction as the movements (a
conditional UPDATE for debits, so it can never go below zero for a household or person; a
database check says so too). `manage.py points_verify` recomputes every balance from the
movements and checks that the whole ledger and every entry sum to zero.

Earning: `EarningRule` (per village, versioned) → `Declaration` (declared → reviewed by the
group leader → approved by the 两委 and posted publicly for N days, with `Objection`s → credited).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class ImmutableError(Exception):
    """A ledger row may be written once and never changed or deleted."""


class _WriteOnce(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} {self.pk} is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ImmutableError(f"{type(self).__name__} {self.pk} cannot be deleted")


def new_card_token() -> str:
    return secrets.token_urlsafe(16)


class PointsAccount(ScopedModel):
    """`region` = the household's or person's region, or the village for issuance and store."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("家庭积分账户")
        PERSON = "person", _("个人积分账户")
        ISSUANCE = "issuance", _("村积分发放账户")
        STORE = "store", _("爱心超市账户")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    village_code = models.CharField(max_length=12, db_index=True)
    household = models.OneToOneField(
        "residents.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_account",
    )
    person = models.OneToOneField(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_account",
    )
    store = models.OneToOneField(
        "volunteering.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
    )
    # Shown to the villager as a QR code; the store clerk scans it. Reset by the villager.
    card_token = models.CharField(max_length=32, unique=True, default=new_card_token)
    balance = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [prefix_index("vol_account_region")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["issuance", "store"]) | Q(balance__gte=0),
                name="vol_account_never_negative",
            ),
            models.CheckConstraint(
                condition=(Q(kind="household") & Q(household__isnull=False))
                | (Q(kind="person") & Q(person__isnull=False))
                | (Q(kind="store") & Q(store__isnull=False))
                | Q(kind="issuance"),
                name="vol_account_owner",
            ),
            models.UniqueConstraint(
                fields=["village_code"],
                condition=Q(kind="issuance"),
                name="vol_account_one_issuance",
            ),
        ]
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")


class PointsEntry(_WriteOnce, ScopedModel):
    """One journal entry. `region` = the village."""

    class Kind(models.TextChoices):
        EARN = "earn", _("积分入账")
        REDEEM = "redeem", _("兑换")
        REVERSAL = "reversal", _("冲正")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    memo = models.CharField(_("摘要"), max_length=200)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(_("冲正原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [prefix_index("vol_entry_region")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False) & ~Q(reason=""))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="vol_entry_reversal_shape",
            )
        ]
        verbose_name = _("积分分录")
        verbose_name_plural = _("积分分录")

    def __str__(self) -> str:
        return f"#{self.pk} {self.memo}"


class Movement(_WriteOnce, ScopedModel):
    """One line of an entry. `region` = the account's."""

    entry = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="movements")
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="movements")
    points = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            prefix_index("vol_movement_region"),
            models.Index(fields=["account", "created_at"], name="vol_movement_account_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="vol_movement_nonzero"),
        ]
        verbose_name = _("积分变动")
        verbose_name_plural = _("积分变动")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.points:+d}"


class EarningRule(ScopedModel):
    """Points per unit for one kind of deed in one village. Versioned: a change is a new row
    with the same `code` and the next `version`; the old row gets `valid_to`. Declarations keep
    the version they were made under. `region` = the village."""

    class Unit(models.TextChoices):
        HOUR = "hour", _("小时")
        TIME = "time", _("次")
        DAY = "day", _("天")
        ITEM = "item", _("件")
        MONTH = "month", _("月")

    class CreditTo(models.TextChoices):
        HOUSEHOLD = "household", _("计入家庭")
        PERSON = "person", _("计入个人")

    code = models.SlugField(_("规则代码"), max_length=40)
    version = models.PositiveIntegerField(default=1)
    category = models.CharField(_("积分类别"), max_length=20)
    name = models.CharField(_("积分项目"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    points_per_unit = models.PositiveIntegerField(_("每单位积分"))
    unit = models.CharField(_("单位"), max_length=6, choices=Unit.choices)
    max_units = models.PositiveIntegerField(_("单次申报上限"), null=True, blank=True)
    credit_to = models.CharField(
        _("计入"), max_length=10, choices=CreditTo.choices, default=CreditTo.HOUSEHOLD
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "category", "code", "-version"]
        indexes = [prefix_index("vol_rule_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "code", "version"], name="vol_rule_code_version"
            ),
            models.UniqueConstraint(
                fields=["region", "code"],
                condition=Q(valid_to__isnull=True),
                name="vol_rule_one_current",
            ),
            models.CheckConstraint(condition=Q(points_per_unit__gte=1), name="vol_rule_points"),
        ]
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Declaration(ScopedModel):
    """A declared deed. `region` = the household's (a group/hamlet when it has one), so the
    group leader of that group reviews it. Points are fixed at declaration from the rule
    version (`points` = per unit × quantity, rounded down)."""

    class Status(models.TextChoices):
        DECLARED = "declared", _("已申报")
        REVIEWED = "reviewed", _("组长已审")
        POSTED = "posted", _("公示中")
        CREDITED = "credited", _("已入账")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    village_code = models.CharField(max_length=12, db_index=True, editable=False)
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, related_name="points_declarations"
    )
    person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_declarations",
    )
    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="declarations")
    quantity = models.DecimalField(_("数量"), max_digits=7, decimal_places=2)
    points = models.PositiveIntegerField(_("积分"))
    deed_date = models.DateField(_("事迹日期"))
    description = models.CharField(_("事迹说明"), max_length=300)
    # Volunteer hours earn points through a declaration too (one per approved entry).
    hours_entry = models.OneToOneField(
        "volunteering.HoursEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declaration",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DECLARED
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    posting_ends_on = models.DateField(_("公示截止"), null=True, blank=True)
    credited_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        PointsEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declaration",
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("不通过原因"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-declared_at", "-id"]
        indexes = [
            prefix_index("vol_declaration_region"),
            models.Index(fields=["status", "posting_ends_on"], name="vol_decl_status_posting"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="vol_decl_quantity"),
            models.CheckConstraint(
                condition=~Q(status="credited") | Q(entry__isnull=False),
                name="vol_decl_credited_has_entry",
            ),
        ]
        verbose_name = _("积分申报")
        verbose_name_plural = _("积分申报")

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.region_id is not None:
            self.village_code = self.region.code[:12]
        super().save(*args, **kwargs)


class Objection(ScopedModel):
    """An objection to a posted declaration, by a villager of the same village. Who raised it is
    never shown publicly. `region` = the declaration's."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="objections"
    )
    reason = models.CharField(_("异议理由"), max_length=300)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("处理意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [prefix_index("vol_objection_region")]
        verbose_name = _("积分异议")
        verbose_name_plural = _("积分异议")
