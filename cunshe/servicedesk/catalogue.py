"""The effective catalogue of a place and the routing of a matter to its handling unit.

The province catalogue (`ServiceItem`) is adjusted per county (`CountyAdjustment`): an item can
be not offered, promised faster, handled by another department or at another level. Every read
of "what can this village offer, and who handles it" goes through `effective_item(s)`, and
`route` turns an effective item and a place into the unit that handles it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cunshe.servicedesk.models import (
    LEVEL_CODE_LENGTH,
    CountyAdjustment,
    HandlingLevel,
    ServiceItem,
)


@dataclass(frozen=True)
class EffectiveItem:
    item: ServiceItem
    offered: bool
    promised_days: int
    department: str
    level: str
    note: str = ""

    @property
    def pk(self) -> int:
        return self.item.pk


@dataclass(frozen=True)
class Route:
    level: str
    code: str
    department: str


def _apply(item: ServiceItem, adj: CountyAdjustment | None) -> EffectiveItem:
    if adj is None:
        return EffectiveItem(item, item.active, item.promised_days, item.department, item.level)
    return EffectiveItem(
        item=item,
        offered=item.active and adj.offered,
        promised_days=min(adj.promised_days or item.promised_days, item.statutory_days),
        department=adj.department or item.department,
        level=adj.level or item.level,
        note=adj.note,
    )


def effective_items(place_code: str, *, include_not_offered: bool = False) -> list[EffectiveItem]:
    """The catalogue as it applies at a village (or any code below a county)."""
    county = place_code[:6]
    items = list(ServiceItem.objects.filter(active=True).prefetch_related("materials"))
    adjustments = {a.item_id: a for a in CountyAdjustment.objects.filter(county_code=county)}
    out = [_apply(item, adjustments.get(item.pk)) for item in items]
    return out if include_not_offered else [e for e in out if e.offered]


def effective_item(item: ServiceItem, place_code: str) -> EffectiveItem:
    """One item as it applies at a place (one query)."""
    adj = CountyAdjustment.objects.filter(item=item, county_code=place_code[:6]).first()
    return _apply(item, adj)


def route_to(level: str, department: str, place_code: str) -> Route:
    """The unit at `level` for someone or something at `place_code`: the village itself, its
    township, or `department` of its county (matters and problem reports route alike)."""
    if len(place_code) < 12:
        raise ValidationError({"region": _("办理地点必须是一个村或村民小组。")})
    level = HandlingLevel(level)
    department = "" if level == HandlingLevel.VILLAGE else department
    return Route(level=level, code=place_code[: LEVEL_CODE_LENGTH[level]], department=department)


def route(effective: EffectiveItem, place_code: str) -> Route:
    """The unit that handles `effective` for someone living at `place_code`."""
    return route_to(effective.level, effective.department, place_code)


def require_offered(item: ServiceItem, place_code: str) -> EffectiveItem:
    """The effective item, or a ValidationError naming the item when this place cannot offer it."""
    effective = effective_item(item, place_code)
    if not effective.offered:
        raise ValidationError(
            {"item": _("本地不办理“%(name)s”，请咨询村代办员。") % {"name": item.name}}
        )
    return effective
