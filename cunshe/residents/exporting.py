"""Exporting a filtered person list to Excel, masked by the exporter's role, always audited.

Exports larger than one list page need a fresh re-authentication (`reauth_fresh`), so that a
session left open on a village office PC cannot be used to carry the register away.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number, mask_phone
from cunshe.core.spreadsheets import inert
from cunshe.residents import rules, selectors
from cunshe.residents.codes import (
    DISABILITY_CATEGORIES,
    DISABILITY_GRADES,
    EDUCATION,
    ETHNICITIES,
    MARITAL,
    POLITICAL,
    RELATIONSHIPS,
)
from cunshe.residents.importing import HOUSEHOLD_FLAGS, NO, YES
from cunshe.residents.models import Person

EXPORT = "residents.export"
UNMASK = "residents.unmask"
REAUTH_SESSION_KEY = "residents_export_reauth_at"
REAUTH_VALID_SECONDS = 5 * 60
# One file should stay openable in Excel on a village PC; narrow the filters beyond this.
EXPORT_MAX_ROWS = 200_000


def reauth_fresh(session: SessionBase) -> bool:
    at = session.get(REAUTH_SESSION_KEY)
    return isinstance(at, (int, float)) and 0 <= time.time() - at <= REAUTH_VALID_SECONDS


def reauth_mark(session: SessionBase) -> None:
    session[REAUTH_SESSION_KEY] = time.time()


def needs_reauth(qs: QuerySet[Person]) -> bool:
    """True when the list is longer than one page (counted without COUNT(*) over everything)."""
    return qs[: rules.PAGE_SIZE + 1].count() > rules.PAGE_SIZE


def _yn(value: bool) -> str:
    return YES if value else NO


def _coded(table: dict[str, str], code: str) -> str:
    return f"{code} {table[code]}" if code in table else code


def _disability(value: str) -> str:
    category, _sep, grade = (value or "").partition(":")
    if not category:
        return ""
    return f"{DISABILITY_CATEGORIES.get(category, category)} {DISABILITY_GRADES.get(grade, grade)}"


def _headers(unmasked: bool) -> list[str]:
    headers = [
        _("村/组代码"), _("村/组"), _("户号"), _("与户主关系"), _("姓名"), _("身份证号"),
        _("性别"), _("出生日期"), _("年龄"), _("民族"), _("手机号"), _("文化程度"),
        _("婚姻状况"), _("政治面貌"), _("户籍在本村"), _("户籍地代码"), _("居住状态"),
        _("状态起始日期"), _("外出去向"), *HOUSEHOLD_FLAGS.values(), _("持证残疾人"),
        _("退役军人"), _("优抚对象"),
    ]  # fmt: skip
    if unmasked:
        headers.append(_("残疾类别/等级"))
    return headers


def _rows(qs: QuerySet[Person], unmasked: bool) -> Iterator[list[Any]]:
    today = timezone.localdate()
    for p in qs.select_related("household", "region").iterator(chunk_size=2000):
        hh = p.household
        row = [
            p.region_code, p.region.name, hh.number, _coded(RELATIONSHIPS, p.relationship),
            p.name, p.id_number if unmasked else mask_id_number(p.id_number),
            p.get_sex_display(), p.birth_date, p.age_on(today),
            _coded(ETHNICITIES, p.ethnicity), p.phone if unmasked else mask_phone(p.phone),
            _coded(EDUCATION, p.education), _coded(MARITAL, p.marital_status),
            _coded(POLITICAL, p.political_status), _yn(p.hukou_here), p.hukou_region_code,
            p.get_residence_status_display(), p.status_since, p.away_destination,
            *[_yn(getattr(hh, k)) for k in HOUSEHOLD_FLAGS], _yn(p.has_disability),
            _yn(p.is_veteran), _yn(p.is_youfu),
        ]  # fmt: skip
        if unmasked:
            row.append(_disability(p.disability))
        yield row


def _search_kind(q: str) -> str:
    compact = "".join(str(q).split())
    if compact[:17].isdigit() and len(compact) == 18:
        return "id_number"
    if compact.isdigit():
        return "number"
    return "text"


def export_persons(
    *, actor: Any, jurisdiction: Jurisdiction, filters: selectors.PersonFilters
) -> tuple[bytes, int]:
    """The filtered list as .xlsx bytes and its row count; one audit event."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    qs = selectors.person_search(jurisdiction, filters)
    total = qs.count()
    if total > EXPORT_MAX_ROWS:
        raise ValidationError(
            _("一次最多导出 %(max)d 人（现在是 %(n)d 人），请缩小筛选范围。")
            % {"max": EXPORT_MAX_ROWS, "n": total}
        )
    unmasked = jurisdiction.has_perm(UNMASK)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("人员名单"))
    sheet.freeze_panes = "A2"
    sheet.append(_headers(unmasked))
    count = 0
    for row in _rows(qs, unmasked):
        # ID numbers and codes as text, so that Excel keeps every digit.
        sheet.append([WriteOnlyCell(sheet, value=inert(v)) for v in row])
        count += 1
    out = io.BytesIO()
    book.save(out)
    audit(
        "residents.export.downloaded",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={
            "rows": count,
            "unmasked": unmasked,
            # The search text may be an exact ID or phone number: record only what kind it was.
            "filters": {
                k: (_search_kind(v) if k == "q" else v)
                for k, v in filters.__dict__.items()
                if v not in ("", None, False)
            },
        },
    )
    return out.getvalue(), count
