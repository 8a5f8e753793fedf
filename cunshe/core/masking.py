"""Masking for screens and exports: enough to recognise, not enough to misuse."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """'220102199001011234' -> '220102********1234' (region kept, birth date hidden)."""
    if not value:
        return ""
    v = "".join(value.split())
    if len(v) <= 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(value: str | None) -> str:
    """'13812345678' -> '138****5678'; landlines keep the last four digits."""
    if not value:
        return ""
    v = "".join(value.split())
    if len(v) == 11 and v.isdigit():
        return v[:3] + "****" + v[-4:]
    if len(v) <= 4:
        return "*" * len(v)
    return "*" * (len(v) - 4) + v[-4:]


def mask_name(value: str | None) -> str:
    """'张三丰' -> '张**': for lists a villager may see of other people."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
