"""/api/v1/servicedesk/catalogue/: the effective catalogue over JSON.

The catalogue is public (each village publishes its lists on a page anyone can open), so any
signed-in caller may read the catalogue of any village; the API still requires authentication
like the rest of /api/v1/. Without `village`, the caller's own place is used when it is a
county or below, otherwise the province catalogue (no county adjustments).

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from pydantic import field_validator

from cunshe.accounts.roles import Department
from cunshe.api.pagination import PagePagination
from cunshe.regions.models import Region
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.catalogue import EffectiveItem
from cunshe.servicedesk.models import (
    HandlingLevel,
    ItemKind,
    MaterialRequirement,
    Mode,
    Trust,
    VillageRole,
)
from cunshe.servicedesk.selectors import catalogue as selectors

router = Router(tags=["servicedesk"])

Code = Path(..., max_length=40, pattern=r"^[A-Za-z0-9-]+$", description="事项编码，如 JL-MZ-001")


class CatalogueQuery(Schema):
    village: str = Field("", pattern=r"^([0-9]{12})?$", description="12位村级区划代码")
    q: str = Field("", max_length=40, description="事项名称、编码、主题或拼音（首字母）")

    @field_validator("q")
    @classmethod
    def _no_nul(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError(_("不能包含空字符。"))
        return v


class DetailQuery(Schema):
    village: str = Field("", pattern=r"^([0-9]{12})?$", description="12位村级区划代码")


class ItemOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    theme: str
    department: str = Field(description="本地实际实施部门（已含县级调整）")
    department_label: str
    level: str = Field(description="village / township / county（已含县级调整）")
    level_label: str
    village_role: str = Field(description="performs：村委会依法履职；assists：协助政府工作")
    village_role_label: str
    promised_days: int = Field(description="本地承诺时限（工作日，已含县级调整）")
    province_promised_days: int
    statutory_days: int
    fee: str
    visits: int
    modes: list[str]
    summary: str
    offered: bool
    adjusted: bool = Field(description="本县对该事项有调整")
    note: str = Field(description="本县的公开说明")
    active: bool


class RequirementOut(Schema):
    name: str
    doc_type: str
    copies: int
    form: str
    trust: str
    trust_label: str
    required: bool
    note: str


class HandlerOut(Schema):
    level: str
    code: str
    unit: str
    department: str
    department_label: str


class ItemDetailOut(ItemOut):
    legal_basis: str
    conditions: str
    steps: list[str]
    materials: list[RequirementOut]
    village: str = Field(description="按此村显示；为空表示全省标准")
    handler: HandlerOut | None = Field(description="为该村办理此事项的单位（给出 village 时）")


def _caller(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise AuthenticationError()
    return getattr(request, "jurisdiction", None)


def _item_dict(e: EffectiveItem) -> dict[str, Any]:
    item = e.item
    return {
        "code": item.code,
        "name": item.name,
        "kind": item.kind,
        "kind_label": str(ItemKind(item.kind).label),
        "theme": item.theme,
        "department": e.department,
        "department_label": str(Department(e.department).label),
        "level": e.level,
        "level_label": str(HandlingLevel(e.level).label),
        "village_role": item.village_role,
        "village_role_label": str(VillageRole(item.village_role).label),
        "promised_days": e.promised_days,
        "province_promised_days": item.promised_days,
        "statutory_days": item.statutory_days,
        "fee": item.fee,
        "visits": item.visits,
        "modes": [m for m in item.modes if m in Mode.values],
        "summary": item.summary,
        "offered": e.offered,
        "adjusted": selectors.is_adjusted(e),
        "note": e.note,
        "active": item.active,
    }


def _material_dict(m: MaterialRequirement) -> dict[str, Any]:
    return {
        "name": m.name,
        "doc_type": m.doc_type,
        "copies": m.copies,
        "form": m.form,
        "trust": m.trust,
        "trust_label": str(Trust(m.trust).label),
        "required": m.required,
        "note": m.note,
    }


def _default_place(jurisdiction: Any) -> str | None:
    root = getattr(jurisdiction, "root_code", "") if jurisdiction is not None else ""
    return root if len(root) >= 6 else None


@router.get("/items", response=list[ItemOut], summary="事项清单（按村显示，已含县级调整）")
@paginate(PagePagination)
def item_list(request: HttpRequest, filters: Query[CatalogueQuery], **kwargs: Any) -> list[dict]:
    j = _caller(request)
    if filters.village:
        place: str | None = selectors.current_village_or_404(filters.village).code
    else:
        place = _default_place(j)
    return [_item_dict(e) for e in selectors.catalogue_for(place, q=filters.q)]


@router.get("/items/{code}", response=ItemDetailOut, summary="办事指南（一个事项）")
def item_detail(
    request: HttpRequest, filters: Query[DetailQuery], code: str = Code
) -> dict[str, Any]:
    _caller(request)
    item = selectors.item_or_404(code)
    village: Region | None = None
    if filters.village:
        village = selectors.current_village_or_404(filters.village)
        effective = catalogue.effective_item(item, village.code)
    else:
        effective = EffectiveItem(
            item, item.active, item.promised_days, item.department, item.level
        )
    handler = None
    if village is not None and effective.offered:
        h = selectors.handler_for(effective, village)
        handler = {
            "level": h.route.level,
            "code": h.route.code,
            "unit": h.unit,
            "department": h.route.department,
            "department_label": h.department_label,
        }
    return {
        **_item_dict(effective),
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "steps": list(item.steps),
        "materials": [_material_dict(m) for m in item.materials.all()],
        "village": village.code if village is not None else "",
        "handler": handler,
    }
