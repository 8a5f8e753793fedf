"""Risk levels: a table of criteria per kind of profile, each with the level it sets.

A profile's level is the highest level among its criteria (general when it has none). Criteria
are stored as codes (`CareProfile.risk_criteria`); labels are translated when shown. A few
criteria can be suggested from the register (age, living alone, the disability flag); the clerk
decides whether they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cunshe.care.models import RISK_ORDER, CareKind, RiskLevel
from cunshe.care.rules import rule


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str | Promise
    level: str


HIGH, PRIORITY = RiskLevel.HIGH.value, RiskLevel.PRIORITY.value

CRITERIA: dict[str, tuple[Criterion, ...]] = {
    CareKind.CHILD.value: (
        Criterion("unsupported", _("事实无人抚养或监护缺失"), HIGH),
        Criterion("ill_or_disabled", _("重病或残疾"), HIGH),
        Criterion("abuse_risk", _("遭受侵害或家庭暴力风险"), HIGH),
        Criterion("dropout", _("辍学或学习困难"), PRIORITY),
        Criterion("psychological", _("心理行为问题"), PRIORITY),
        Criterion("poverty", _("家庭经济困难"), PRIORITY),
    ),
    CareKind.WOMAN.value: (
        Criterion("domestic_violence", _("家庭暴力风险"), HIGH),
        Criterion("ill_or_disabled", _("重病或残疾"), PRIORITY),
        Criterion("poverty", _("经济困难"), PRIORITY),
        Criterion("care_burden", _("独自照料老人或儿童负担重"), PRIORITY),
    ),
    CareKind.ELDERLY.value: (
        Criterion("incapacitated", _("失能或半失能"), HIGH),
        Criterion("ill_or_disabled", _("重病或残疾"), HIGH),
        Criterion("alone", _("独居"), PRIORITY),
        Criterion("very_old", _("80岁以上"), PRIORITY),
        Criterion("poverty", _("经济困难"), PRIORITY),
    ),
}


def criteria_for(kind: str) -> tuple[Criterion, ...]:
    return CRITERIA.get(kind, ())


def criterion(kind: str, code: str) -> Criterion | None:
    return next((c for c in criteria_for(kind) if c.code == code), None)


def unknown_codes(kind: str, codes: list[str]) -> list[str]:
    known = {c.code for c in criteria_for(kind)}
    return [c for c in codes if c not in known]


def level_for(kind: str, codes: list[str]) -> str:
    """The highest level among the criteria (general when none apply); unknown codes ignored."""
    level = RiskLevel.GENERAL.value
    for code in codes:
        c = criterion(kind, code)
        if c is not None and RISK_ORDER[RiskLevel(c.level)] > RISK_ORDER[RiskLevel(level)]:
            level = c.level
    return level


def labelled(kind: str, codes: list[str]) -> list[dict[str, Any]]:
    """[{code, label, level, level_label}] for the criteria set on a profile, in table order."""
    chosen = set(codes or [])
    return [
        {
            "code": c.code,
            "label": str(c.label),
            "level": c.level,
            "level_label": str(RiskLevel(c.level).label),
        }
        for c in criteria_for(kind)
        if c.code in chosen
    ]


def _lives_alone(person: Any) -> bool:
    from cunshe.residents.codes import ResidenceStatus
    from cunshe.residents.models import Person

    living = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
    return (
        not Person._base_manager.filter(
            household_id=person.household_id, residence_status__in=living
        )
        .exclude(pk=person.pk)
        .exists()
    )


def suggest(kind: str, person: Any, on: date | None = None) -> list[str]:
    """Criteria the register points to for this person (a suggestion; the clerk decides):
    an elderly person of 80 or more; living alone (no other household member living here);
    the register's disability flag."""
    out: list[str] = []
    if kind == CareKind.ELDERLY and person.age_on(on) >= rule("ELDERLY_VERY_OLD_AGE"):
        out.append("very_old")
    if kind == CareKind.ELDERLY and _lives_alone(person):
        out.append("alone")
    if person.has_disability:
        out.append("ill_or_disabled")
    order = [c.code for c in criteria_for(kind)]
    return sorted(out, key=order.index)
