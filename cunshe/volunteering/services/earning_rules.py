"""Earning rules (积分规则) per village, versioned: a change is a new row with the same code and
the next version; the old row gets `valid_to` (one current row per code is a DB constraint).
Declarations keep the version they were made under. points.rules writes, points.view reads."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.models import EarningRule
from cunshe.volunteering.rules import rule

RULES = "points.rules"
Unit = EarningRule.Unit
CreditTo = EarningRule.CreditTo

CATEGORY_NAMES = {
    "volunteer_hours": gettext_lazy("志愿服务"),
    "environment": gettext_lazy("人居环境"),
    "filial": gettext_lazy("孝老爱亲"),
    "neighbourly": gettext_lazy("邻里互助"),
    "customs": gettext_lazy("移风易俗"),
    "safety": gettext_lazy("平安建设"),
    "other": gettext_lazy("其他"),
}

# A sensible starting set for a new village (村规民约 practice; the village adjusts the points).
TEMPLATE: list[dict[str, Any]] = [
    {"code": "volunteer-hour", "category": "volunteer_hours", "name": "参加志愿服务",
     "points_per_unit": 10, "unit": Unit.HOUR, "max_units": 8, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "yard-clean", "category": "environment", "name": "庭院整洁（月评）",
     "points_per_unit": 20, "unit": Unit.MONTH, "max_units": 1, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "village-clean", "category": "environment", "name": "参加村屯环境整治",
     "points_per_unit": 10, "unit": Unit.TIME, "max_units": 3, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "elder-care", "category": "filial", "name": "孝敬照料老人",
     "points_per_unit": 30, "unit": Unit.MONTH, "max_units": 1, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "neighbour-help", "category": "neighbourly", "name": "帮助邻里",
     "points_per_unit": 10, "unit": Unit.TIME, "max_units": 5, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "simple-wedding", "category": "customs", "name": "红白事简办",
     "points_per_unit": 50, "unit": Unit.TIME, "max_units": 1, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "night-patrol", "category": "safety", "name": "参加治安巡逻",
     "points_per_unit": 10, "unit": Unit.TIME, "max_units": 4, "credit_to": CreditTo.HOUSEHOLD},
    {"code": "other-good-deed", "category": "other", "name": "其他好人好事",
     "points_per_unit": 10, "unit": Unit.TIME, "max_units": 5, "credit_to": CreditTo.HOUSEHOLD},
]  # fmt: skip


def category_name(code: str) -> str:
    return str(CATEGORY_NAMES.get(code, code))


def _require(jurisdiction: Jurisdiction, region: Region) -> None:
    if not jurisdiction.covers(region.code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(RULES):
        raise PermissionDenied(RULES)
    if region.level != Level.VILLAGE:
        raise ValidationError({"region": _("积分规则只能按村制定。")})


def _clean(
    *, category: str, name: str, points_per_unit: Any, unit: str, max_units: Any, credit_to: str
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if category not in rule("POINTS_CATEGORIES"):
        errors["category"] = _("请选择积分类别。")
    if not name:
        errors["name"] = _("请填写积分项目。")
    elif len(name) > 100:
        errors["name"] = _("积分项目最多100字。")
    if not isinstance(points_per_unit, int) or isinstance(points_per_unit, bool):
        errors["points_per_unit"] = _("每单位积分必须是整数。")
    elif not 1 <= points_per_unit <= 10000:
        errors["points_per_unit"] = _("每单位积分须在1到10000之间。")
    if unit not in Unit.values:
        errors["unit"] = _("请选择单位。")
    if max_units is not None and (not isinstance(max_units, int) or not 1 <= max_units <= 1000):
        errors["max_units"] = _("单次申报上限须在1到1000之间。")
    if credit_to not in CreditTo.values:
        errors["credit_to"] = _("请选择计入家庭或个人。")
    if errors:
        raise ValidationError(errors)
    return {
        "category": category,
        "name": name,
        "points_per_unit": points_per_unit,
        "unit": unit,
        "max_units": max_units,
        "credit_to": credit_to,
    }


@transaction.atomic
def rule_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    code: str,
    category: str,
    name: str,
    points_per_unit: int,
    unit: str,
    max_units: int | None = None,
    credit_to: str = CreditTo.HOUSEHOLD,
    description: str = "",
    valid_from: date | None = None,
) -> EarningRule:
    """A new rule (version 1) for the village."""
    _require(jurisdiction, region)
    fields = _clean(
        category=category,
        name=name,
        points_per_unit=points_per_unit,
        unit=unit,
        max_units=max_units,
        credit_to=credit_to,
    )
    code = slugify(code or "")[:40]
    if not code:
        raise ValidationError({"code": _("请填写规则代码（字母、数字、连字符）。")})
    if EarningRule._base_manager.filter(region=region, code=code).exists():
        raise ValidationError({"code": _("本村已有这个规则代码，请修改原规则。")})
    row = EarningRule(
        region=region,
        code=code,
        version=1,
        description=(description or "").strip()[:300],
        valid_from=valid_from or timezone.localdate(),
        created_by=actor,
        **fields,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ValidationError({"code": _("本村已有这个规则代码，请修改原规则。")}) from exc
    audit(
        "points.rule.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={"code": code, "version": 1, "points_per_unit": row.points_per_unit},
    )
    return row


@transaction.atomic
def rule_change(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    current: EarningRule,
    expected_version: int | None = None,
    **changes: Any,
) -> EarningRule:
    """A new version of a rule: the current one ends today, the new one starts today.
    Declarations made under the old version keep it."""
    locked = (
        EarningRule._base_manager.select_for_update().select_related("region").get(pk=current.pk)
    )
    _require(jurisdiction, locked.region)
    if locked.valid_to is not None:
        raise ConcurrentEdit()
    if expected_version is not None and expected_version != locked.version:
        raise ConcurrentEdit()
    values = {
        "category": locked.category,
        "name": locked.name,
        "points_per_unit": locked.points_per_unit,
        "unit": locked.unit,
        "max_units": locked.max_units,
        "credit_to": locked.credit_to,
    }
    description = changes.pop("description", locked.description)
    unknown = set(changes) - set(values)
    if unknown:
        raise ValidationError(_("不能修改这些字段。"))
    values.update(changes)
    fields = _clean(**values)
    today = timezone.localdate()
    locked.valid_to = today
    locked.save(update_fields=["valid_to"])
    row = EarningRule(
        region=locked.region,
        code=locked.code,
        version=locked.version + 1,
        description=(description or "").strip()[:300],
        valid_from=today,
        created_by=actor,
        **fields,
    )
    row.save()
    audit(
        "points.rule.changed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={
            "code": row.code,
            "version": row.version,
            "from_version": locked.version,
            "points_per_unit": row.points_per_unit,
        },
    )
    return row


@transaction.atomic
def rule_retire(*, actor: Any, jurisdiction: Jurisdiction, current: EarningRule) -> EarningRule:
    """Stop a rule: no new declarations under it (those made keep it)."""
    locked = (
        EarningRule._base_manager.select_for_update().select_related("region").get(pk=current.pk)
    )
    _require(jurisdiction, locked.region)
    if locked.valid_to is not None:
        raise ValidationError(_("这条规则已经停用。"))
    locked.valid_to = timezone.localdate()
    locked.save(update_fields=["valid_to"])
    audit(
        "points.rule.retired",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"code": locked.code, "version": locked.version},
    )
    return locked


@transaction.atomic
def rules_copy_template(*, actor: Any, jurisdiction: Jurisdiction, region: Region) -> int:
    """Create the default rule set in a village; codes the village already has are skipped.
    Returns how many were created."""
    _require(jurisdiction, region)
    have = set(EarningRule._base_manager.filter(region=region).values_list("code", flat=True))
    today = timezone.localdate()
    rows = [
        EarningRule(
            region=region,
            region_code=region.code,
            version=1,
            valid_from=today,
            created_by=actor,
            **t,
        )
        for t in TEMPLATE
        if t["code"] not in have and t["category"] in rule("POINTS_CATEGORIES")
    ]
    for row in rows:
        row.save()
    audit(
        "points.rule.template_copied",
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="regions.Region",
        object_id=region.pk,
        detail={"region": region.code, "created": [r.code for r in rows]},
    )
    return len(rows)
