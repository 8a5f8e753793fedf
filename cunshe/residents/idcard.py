"""Resident identity card numbers (GB 11643-1999): 6-digit region, 8-digit birth date,
3-digit sequence (odd for men, even for women), ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class IdNumberError(ValueError):
    """Why an ID number is refused, in words a clerk understands."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    return "".join(str(raw).split()).upper()


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate and decompose an 18-character ID number; raise IdNumberError with the reason."""
    value = normalise(raw)
    if len(value) != 18:
        raise IdNumberError(_("身份证号应为18位（现在是%(n)d位）。") % {"n": len(value)})
    if not _SHAPE.match(value):
        raise IdNumberError(_("身份证号前17位必须是数字，最后一位是数字或X。"))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise IdNumberError(_("身份证号中的出生日期不存在。")) from exc
    if born.year < 1880 or born > (today or timezone.localdate()):
        raise IdNumberError(_("身份证号中的出生日期不合理。"))
    if check_character(value[:17]) != value[17]:
        raise IdNumberError(_("身份证号校验位不正确，请核对是否输错。"))
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, region_code=value[:6], birth_date=born, sex=sex)


def make(region6: str, born: date, sequence: int, sex: str) -> str:
    """A valid ID number (for demo data and tests): sequence 0-499, sex fixes its parity."""
    seq = sequence * 2 + (1 if sex == "M" else 0)
    first17 = f"{region6}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_character(first17)
