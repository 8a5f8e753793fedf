"""The points store (爱心超市): goods with point prices and stock, stock movements (purchases,
donations with their donor, redemptions, corrections), and redemptions at the counter.

`StoreItem.stock` is a cache like `PointsAccount.balance`: written with the `StockMovement` in the
same transaction by a conditional UPDATE that never takes it below zero (a database check too);
`points_verify` recomputes it from the movements. A redemption deducts points (a ledger entry
household → store) and stock in one transaction, or does nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.fields import EncryptedCharField
from cunshe.core.scoping import ScopedModel, prefix_index
from cunshe.volunteering.models.ledger import _WriteOnce


class Store(ScopedModel):
    """`region` = the village."""

    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    station = models.ForeignKey(
        "volunteering.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stores",
    )
    active = models.BooleanField(_("营业中"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "name", "id"]
        indexes = [prefix_index("vol_store_region")]
        verbose_name = _("爱心超市")
        verbose_name_plural = _("爱心超市")

    def __str__(self) -> str:
        return self.name


class StoreItem(ScopedModel):
    """`region` = the store's."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("商品"), max_length=100)
    unit = models.CharField(_("单位"), max_length=10, default="件")
    price_points = models.PositiveIntegerField(_("兑换积分"))
    stock = models.IntegerField(_("库存"), default=0, editable=False)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["store", "price_points", "name", "id"]
        indexes = [prefix_index("vol_item_region")]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="vol_item_stock_nonneg"),
            models.CheckConstraint(condition=Q(price_points__gte=1), name="vol_item_price"),
            models.UniqueConstraint(fields=["store", "name"], name="vol_item_store_name"),
        ]
        verbose_name = _("商品")
        verbose_name_plural = _("商品")

    def __str__(self) -> str:
        return self.name


class Donor(ScopedModel):
    """Who gave goods. Named on the village's public donors list only with `public` consent.
    `region` = the village whose store received the gift."""

    class Kind(models.TextChoices):
        PERSON = "person", _("个人")
        COMPANY = "company", _("企业")
        ORGANISATION = "organisation", _("社会组织")
        GOVERNMENT = "government", _("机关单位")

    name = models.CharField(_("捐赠人"), max_length=100)
    kind = models.CharField(_("类别"), max_length=14, choices=Kind.choices)
    phone = EncryptedCharField(_("联系电话"), blank=True)
    public = models.BooleanField(_("同意公开"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [prefix_index("vol_donor_region")]
        verbose_name = _("捐赠人")
        verbose_name_plural = _("捐赠人")

    def __str__(self) -> str:
        return self.name


class Redemption(ScopedModel):
    """Goods taken at the counter for points. `request_key` makes a retried submission (a slow
    network, a double tap) land once. `region` = the store's."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="redemptions")
    account = models.ForeignKey(
        "volunteering.PointsAccount", on_delete=models.PROTECT, related_name="redemptions"
    )
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.PositiveIntegerField(_("积分"))
    entry = models.OneToOneField(
        "volunteering.PointsEntry", on_delete=models.PROTECT, related_name="redemption"
    )
    request_key = models.CharField(max_length=64, unique=True)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    redeemed_at = models.DateTimeField(auto_now_add=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reverse_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["-redeemed_at", "-id"]
        indexes = [prefix_index("vol_redemption_region")]
        constraints = [models.CheckConstraint(condition=Q(points__gte=1), name="vol_red_points")]
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    unit_points = models.PositiveIntegerField(_("单价积分"))
    points = models.PositiveIntegerField(_("积分"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="vol_redline_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class StockMovement(_WriteOnce, ScopedModel):
    """One change of an item's stock; never edited. `region` = the store's."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("采购入库")
        DONATION = "donation", _("捐赠入库")
        REDEMPTION = "redemption", _("兑换出库")
        REVERSAL = "reversal", _("兑换撤销")
        ADJUSTMENT = "adjustment", _("盘点调整")

    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    quantity = models.IntegerField(_("数量"))
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, null=True, blank=True, related_name="gifts"
    )
    # Purchase cost in fen (分), for the store's statement.
    cost_fen = models.PositiveIntegerField(_("采购金额(分)"), null=True, blank=True)
    redemption = models.ForeignKey(
        Redemption, on_delete=models.PROTECT, null=True, blank=True, related_name="stock_moves"
    )
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            prefix_index("vol_stock_region"),
            models.Index(fields=["item", "recorded_at"], name="vol_stock_item_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="vol_stock_nonzero"),
            models.CheckConstraint(
                condition=~Q(kind="donation") | Q(donor__isnull=False),
                name="vol_stock_donation_has_donor",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(reason=""),
                name="vol_stock_adjustment_reason",
            ),
        ]
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
