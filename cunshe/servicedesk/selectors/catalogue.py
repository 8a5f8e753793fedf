"""Reads of the catalogue. The catalogue and its county adjustments are public (the seed asks
every village to publish its two lists), so most reads take a place code rather than a
jurisdiction; what a staff member may pick (counties, adjustments) is bounded by theirs."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from cunshe.accounts.roles import Department
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.pinyin import pinyin_of
from cunshe.regions.models import Level, Region
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.catalogue import EffectiveItem, Route
from cunshe.servicedesk.models import (
    CountyAdjustment,
    HandlingLevel,
    Mode,
    ServiceItem,
    VillageRole,
)

ITEM_CODE_MAX = 40


def _matches(effective: EffectiveItem, q: str) -> bool:
    item = effective.item
    if q in item.name or q in item.theme or q.upper() in item.code:
        return True
    if q.isascii():
        full, initials = pinyin_of(item.name)
        return q.lower() in full or q.lower() in initials
    return False


def _in_order(q: str, name: str) -> bool:
    """Every character of `q` appears in `name`, in order: 低保 finds 最低生活保障申请."""
    rest = iter(name)
    return all(ch in rest for ch in q)


def search(items: list[EffectiveItem], q: str) -> list[EffectiveItem]:
    """Items whose name, theme or code contains `q`; ASCII also matches pinyin and initials
    (`ylbx` for 养老保险); a Chinese abbreviation matches names holding its characters in
    order (低保, 医保), listed after the direct matches. The catalogue is small: this runs in
    Python."""
    q = (q or "").strip()
    if not q:
        return items
    direct = [e for e in items if _matches(e, q)]
    if q.isascii() or len(q) < 2:
        return direct
    seen = {e.pk for e in direct}
    return direct + [e for e in items if e.pk not in seen and _in_order(q, e.item.name)]


def province_catalogue() -> list[EffectiveItem]:
    """The province catalogue as published, before any county's adjustments."""
    items = ServiceItem.objects.filter(active=True).prefetch_related("materials")
    return [
        EffectiveItem(item, True, item.promised_days, item.department, item.level) for item in items
    ]


def catalogue_for(
    place_code: str | None, *, q: str = "", include_not_offered: bool = False
) -> list[EffectiveItem]:
    """The effective catalogue at a county or anything below it (the province's without a
    place), filtered by `q`."""
    if place_code and len(place_code) >= 6:
        items = catalogue.effective_items(place_code, include_not_offered=include_not_offered)
    else:
        items = province_catalogue()
    return search(items, q)


@dataclass(frozen=True)
class ItemRow:
    """An effective item with the labels a page shows."""

    e: EffectiveItem
    level_label: str
    department_label: str
    modes: list[str]
    adjusted: bool

    @property
    def item(self) -> ServiceItem:
        return self.e.item


def row(e: EffectiveItem) -> ItemRow:
    return ItemRow(
        e=e,
        level_label=str(HandlingLevel(e.level).label),
        department_label=str(Department(e.department).label),
        modes=[str(Mode(m).label) for m in e.item.modes if m in Mode.values],
        adjusted=is_adjusted(e),
    )


# Themes in the order a villager looks for them: help first, then insurance, then the rest.
THEME_ORDER = (
    "社会救助", "社会保险", "医疗保障", "老年人", "残疾人", "儿童福利", "生育与计生",
    "医疗卫生", "农业生产", "土地与住房", "就业创业", "证明与户籍", "法律服务", "退役军人",
)  # fmt: skip


def by_theme(items: list[EffectiveItem]) -> list[tuple[str, list[ItemRow]]]:
    """Items grouped by theme; known themes in THEME_ORDER, others after them by name."""
    groups: dict[str, list[ItemRow]] = {}
    for e in items:
        groups.setdefault(e.item.theme or "其他", []).append(row(e))
    rank = {theme: i for i, theme in enumerate(THEME_ORDER)}
    return sorted(groups.items(), key=lambda g: (rank.get(g[0], len(rank)), g[0]))


def by_village_role(items: list[EffectiveItem]) -> dict[str, list[EffectiveItem]]:
    """The two lists every village publishes: matters it performs, matters it assists with."""
    out: dict[str, list[EffectiveItem]] = {VillageRole.PERFORMS: [], VillageRole.ASSISTS: []}
    for e in items:
        if e.item.village_role in out:
            out[e.item.village_role].append(e)
    return out


def is_adjusted(e: EffectiveItem) -> bool:
    item = e.item
    return (
        not e.offered
        or e.promised_days != item.promised_days
        or e.department != item.department
        or e.level != item.level
        or bool(e.note)
    )


# --- places -----------------------------------------------------------------------------------


def current_village_or_404(code: str) -> Region:
    """A village that exists today (not merged away), with its township and county loaded."""
    if not (isinstance(code, str) and len(code) == 12 and code.isdigit()):
        raise Http404
    village = (
        Region.objects.current()
        .filter(code=code, level=Level.VILLAGE)
        .select_related("parent__parent")
        .first()
    )
    if village is None:
        raise Http404
    return village


def counties_within(jurisdiction: Jurisdiction) -> list[Region]:
    """Counties in the caller's subtree (the province picker)."""
    return list(
        Region.objects.within(jurisdiction)
        .current()
        .filter(level=Level.COUNTY)
        .only("code", "name")
        .order_by("code")
    )


def county_for_or_404(jurisdiction: Jurisdiction, code: str) -> Region:
    """A current county inside the caller's subtree; 404 otherwise."""
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        raise Http404
    county = (
        Region.objects.within(jurisdiction).current().filter(code=code, level=Level.COUNTY).first()
    )
    if county is None:
        raise Http404
    return county


def county_or_404(code: str) -> Region:
    """A current county by code (public pages: the catalogue of any county can be read)."""
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        raise Http404
    county = Region.objects.current().filter(code=code, level=Level.COUNTY).first()
    if county is None:
        raise Http404
    return county


@dataclass(frozen=True)
class Handler:
    """Who handles an item for a given village, in words."""

    route: Route
    unit: str
    department_label: str


def handler_for(effective: EffectiveItem, village: Region) -> Handler:
    """The unit that handles `effective` for people of `village` (its township and county
    come from `current_village_or_404`, so this makes no query)."""
    route = catalogue.route(effective, village.code)
    township = village.parent
    county = township.parent if township is not None else None
    units = {
        HandlingLevel.VILLAGE: village.name,
        HandlingLevel.TOWNSHIP: township.name if township else route.code,
        HandlingLevel.COUNTY: county.name if county else route.code,
    }
    label = str(Department(route.department).label) if route.department else ""
    return Handler(route=route, unit=units[HandlingLevel(route.level)], department_label=label)


# --- items and adjustments ----------------------------------------------------------------------


def item_or_404(code: str, *, active_only: bool = False) -> ServiceItem:
    """One item with its materials (two queries)."""
    if not isinstance(code, str) or len(code) > ITEM_CODE_MAX:
        raise Http404
    qs = ServiceItem.objects.filter(code=code).prefetch_related("materials")
    if active_only:
        qs = qs.filter(active=True)
    item = qs.first()
    if item is None:
        raise Http404
    return item


def adjustment_of(item: ServiceItem, county_code: str) -> CountyAdjustment | None:
    return CountyAdjustment.objects.filter(item=item, county_code=county_code).first()


@dataclass(frozen=True)
class AdjustmentRow:
    row: ItemRow
    adjustment: CountyAdjustment | None

    @property
    def e(self) -> EffectiveItem:
        return self.row.e

    @property
    def item(self) -> ServiceItem:
        return self.row.e.item


def adjustment_rows(county_code: str) -> list[AdjustmentRow]:
    """Every active item as the county offers it, with the county's adjustment row (who
    changed it, when) where there is one."""
    effective = catalogue.effective_items(county_code, include_not_offered=True)
    adjustments = {
        a.item_id: a
        for a in CountyAdjustment.objects.filter(county_code=county_code).select_related(
            "updated_by"
        )
    }
    return [AdjustmentRow(row(e), adjustments.get(e.pk)) for e in effective]


def adjustments_within(jurisdiction: Jurisdiction) -> list[CountyAdjustment]:
    """Every county adjustment in the caller's subtree, by county (one query)."""
    return list(
        CountyAdjustment.objects.filter(jurisdiction.q("county_code"), item__active=True)
        .select_related("item", "county")
        .order_by("county_code", "item__theme", "item__code")
    )
