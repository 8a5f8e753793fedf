"""The administrative tree: province → prefecture → county → township → village → group/hamlet."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunshe.core.jurisdiction import Jurisdiction, ScopeError


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    PREFECTURE = 2, _("市/州")
    COUNTY = 3, _("县/区")
    TOWNSHIP = 4, _("乡/镇/街道")
    VILLAGE = 5, _("村/居委会")
    GROUP = 6, _("村民小组/自然屯")


CODE_LENGTH = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Kind(models.TextChoices):
    ADMINISTRATIVE = "admin", _("行政区")
    RURAL_VILLAGE = "village", _("村民委员会")
    RESIDENTS = "residents", _("居民委员会")
    OTHER = "other", _("其他")
    GROUP = "group", _("村民小组")
    HAMLET = "hamlet", _("自然屯")


class RegionQuerySet(models.QuerySet):
    def within(self, jurisdiction: Jurisdiction | None) -> RegionQuerySet:
        """Regions inside the jurisdiction's subtrees (the roots included)."""
        if jurisdiction is None:
            raise ScopeError("Region query without a jurisdiction")
        return self.filter(jurisdiction.q("code"))

    def current(self) -> RegionQuerySet:
        return self.filter(valid_to__isnull=True)


class Region(models.Model):
    """One node of the tree, named by its national statistical code (12 digits for a village;
    15 for a group or hamlet, created locally as the village code plus three digits)."""

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text=_("撤并后承接的区划"),
    )
    pinyin = models.CharField(_("拼音"), max_length=300, blank=True)
    initials = models.CharField(_("拼音首字母"), max_length=60, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(
                fields=["code"], name="region_code_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "code"], name="region_parent_code"),
            models.Index(fields=["name"], name="region_name"),
            models.Index(fields=["initials"], name="region_initials"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=1, code__regex=r"^[0-9]{2}$")
                | models.Q(level=2, code__regex=r"^[0-9]{4}$")
                | models.Q(level=3, code__regex=r"^[0-9]{6}$")
                | models.Q(level=4, code__regex=r"^[0-9]{9}$")
                | models.Q(level=5, code__regex=r"^[0-9]{12}$")
                | models.Q(level=6, code__regex=r"^[0-9]{15}$"),
                name="region_code_length_matches_level",
            ),
        ]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def is_village(self) -> bool:
        return self.level == Level.VILLAGE

    def ancestor_codes(self) -> list[str]:
        """Codes of the ancestors, root first (derived from the code, no query)."""
        lengths = [n for n in (2, 4, 6, 9, 12) if n < len(self.code)]
        return [self.code[:n] for n in lengths]
