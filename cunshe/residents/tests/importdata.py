"""Building import files for the import tests: rows by column header, as CSV or .xlsx bytes."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from cunshe.residents import idcard
from cunshe.residents.importing import COLUMNS

VILLAGE_A = "220182102200"
GROUP_A1 = "220182102200001"
VILLAGE_B = "220182102201"
VILLAGE_C = "220322103200"
HEADERS = [c.header for c in COLUMNS if c.in_template]


def ident(born: date, seq: int = 1, sex: str = "M") -> str:
    return idcard.make("220182", born, seq, sex)


def person(
    household: str = "H1",
    relationship: str = "02 户主",
    name: str = "张三",
    born: date = date(1970, 5, 1),
    seq: int = 1,
    sex: str = "M",
    **extra: Any,
) -> dict[str, str]:
    row = {
        "村/组代码": GROUP_A1,
        "户号": household,
        "与户主关系": relationship,
        "姓名": name,
        "身份证号": ident(born, seq, sex),
        "民族": "01 汉族",
        "手机号": "",
        "户籍在本村": "是",
        "居住状态": "在本村",
        "状态起始日期": "2020-01-01",
    }
    row.update({k: str(v) for k, v in extra.items()})
    return row


def family(household: str = "H1", seq: int = 1) -> list[dict[str, str]]:
    """A head, his wife and their son."""
    return [
        person(household, "02 户主", "张三", date(1970, 5, 1), seq, "M", 手机号="13812345678"),
        person(household, "10 配偶", "李梅", date(1972, 3, 8), seq, "F"),
        person(household, "20 子", "张小明", date(1995, 9, 9), seq + 1, "M",
               居住状态="外出务工", 外出去向="长春市", 状态起始日期="2019-03-01"),
    ]  # fmt: skip


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> bytes:
    headers = list(HEADERS)
    for r in rows:
        headers += [k for k in r if k not in headers]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=headers)
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    headers = list(HEADERS)
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
