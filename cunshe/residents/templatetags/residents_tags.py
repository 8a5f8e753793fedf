"""Template filters of the register: masked identity numbers and code-list labels."""

from __future__ import annotations

from django import template

from cunshe.core.masking import mask_id_number, mask_phone
from cunshe.residents.codes import EDUCATION, ETHNICITIES, MARITAL, POLITICAL, RELATIONSHIPS

register = template.Library()

_TABLES = {
    "relationship": RELATIONSHIPS,
    "ethnicity": ETHNICITIES,
    "education": EDUCATION,
    "marital": MARITAL,
    "political": POLITICAL,
}


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def code_label(value: str | None, table: str) -> str:
    """'02'|code_label:'relationship' -> '户主' (the bare label, without the code)."""
    if not value:
        return ""
    return _TABLES[table].get(value, value)
