"""Importing the register from a spreadsheet (.xlsx) or CSV file.

Three steps, each usable alone:
  `read_upload(name, data)`   bytes -> rows of {column key: text}, columns matched by header
  `validate(j, rows)`         every problem of every row, and the rows grouped into households
  `commit(...)`               writes: all-or-nothing, or the valid households only

Nothing is written by `read_upload` or `validate`. Writing goes through the register services
for small files; large files take a bulk path (`_bulk_register`) that builds the same rows the
services would (same projection, same encryption and blind indexes through the model fields);
`test_import_bulk_equivalence` proves the two agree. Re-importing a file changes nothing: an ID
number already in the same household is compared field by field and only real changes are saved.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.audit import audit
from cunshe.core.crypto import blind_index
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents import bulk, idcard, services
from cunshe.residents.codes import (
    DISABILITY_CATEGORIES,
    DISABILITY_GRADES,
    EDUCATION,
    ETHNICITIES,
    GENERATION,
    HEAD,
    MARITAL,
    POLITICAL,
    RELATIONSHIPS,
    UNKNOWN_GENERATION,
    EventKind,
    ResidenceStatus,
)
from cunshe.residents.events import EventFacts, State, project
from cunshe.residents.models import GONE, Household, Person, ResidenceEvent

IMPORT = "residents.import"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Above this many rows the import runs as a background task, and new persons take the bulk path.
BACKGROUND_ROWS = 500
BULK_ROWS = 300
BATCH = 2000
# A member one generation older (younger) than the head must be at least this much older
# (younger), per generation: the youngest plausible parent.
YEARS_PER_GENERATION = 12


class ImportFileError(Exception):
    """The file cannot be read at all (wrong type, damaged, no header): a message for the clerk."""


class Mode:
    DRY_RUN = "dry_run"
    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ONLY = "valid_only"
    CHOICES = (
        (DRY_RUN, gettext_lazy("试运行（只检查，不写入）")),
        (ALL_OR_NOTHING, gettext_lazy("全部导入：有任何错误就一行也不写入")),
        (VALID_ONLY, gettext_lazy("只导入无误的户，下载被拒绝的行")),
    )


STATUS_WORDS = {
    "在本村": ResidenceStatus.HERE,
    "外出务工": ResidenceStatus.AWAY_FOR_WORK,
    "外出其他": ResidenceStatus.AWAY_OTHER,
    "非户籍常住": ResidenceStatus.NON_HUKOU_HERE,
}
YES, NO = "是", "否"
# Rows whose name starts with this are the template's example and are skipped.
EXAMPLE_MARK = "示例"
HOUSEHOLD_FLAGS = {
    "is_dibao": "低保户",
    "is_tekun": "特困",
    "is_tuopin": "脱贫户",
    "is_monitored": "监测户",
    "is_wubao": "五保户",
    "is_military_family": "军烈属",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # A code list: the drop-down shows "code label", the reader accepts either part.
    codes: dict[str, str] | None = None
    required: bool = False
    example: str = ""
    in_template: bool = True


def _listed(mapping: dict[str, str]) -> dict[str, str]:
    return dict(mapping)


YES_NO = {YES: YES, NO: NO}
COLUMNS: list[Column] = [
    Column("region_code", "村/组代码", required=True, example="220182102200001"),
    Column("household_number", "户号", required=True, example="0001"),
    Column("relationship", "与户主关系", RELATIONSHIPS, required=True, example="02 户主"),
    Column("name", "姓名", required=True, example="示例张三"),
    Column(
        "id_number",
        "身份证号",
        required=True,
        example=idcard.make("220182", date(1980, 1, 1), 5, "M"),
    ),
    Column("ethnicity", "民族", ETHNICITIES, example="01 汉族"),
    Column("phone", "手机号", example="13812345678"),
    Column("education", "文化程度", EDUCATION, example="70 初级中学"),
    Column("marital_status", "婚姻状况", MARITAL, example="21 初婚"),
    Column("political_status", "政治面貌", POLITICAL, example="13 群众"),
    Column("hukou_here", "户籍在本村", YES_NO, example=YES),
    Column("hukou_region_code", "户籍地代码", example=""),
    Column("status", "居住状态", {k: k for k in STATUS_WORDS}, example="在本村"),
    Column("since", "状态起始日期", example="2020-01-01"),
    Column("destination", "外出去向", example=""),
    *[Column(key, label, YES_NO, example=NO) for key, label in HOUSEHOLD_FLAGS.items()],
    Column("disability_category", "残疾类别", DISABILITY_CATEGORIES, example=""),
    Column("disability_grade", "残疾等级", DISABILITY_GRADES, example=""),
    Column("is_veteran", "退役军人", YES_NO, example=NO),
    Column("is_youfu", "优抚对象", YES_NO, example=NO),
    # Accepted when present (some township lists carry them), not in the template.
    Column("birth_date", "出生日期", in_template=False),
    Column("address", "住址", in_template=False),
]
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_ALIASES = {
    "村组代码": "region_code",
    "村代码": "region_code",
    "组代码": "region_code",
    "区划代码": "region_code",
    "公民身份号码": "id_number",
    "身份证号码": "id_number",
    "联系电话": "phone",
    "电话": "phone",
    "学历": "education",
    "婚姻": "marital_status",
    "户籍地区划代码": "hukou_region_code",
    "起始日期": "since",
    "残疾类别/等级": "disability_category",
    "防返贫监测户": "is_monitored",
    "特困供养": "is_tekun",
    "五保": "is_wubao",
}


def _norm_header(text: str) -> str:
    return "".join(str(text).split()).replace("*", "").replace("＊", "")


HEADER_KEYS = {_norm_header(c.header): c.key for c in COLUMNS} | HEADER_ALIASES


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # the row number the clerk sees in Excel (header is row 1)
    values: dict[str, str]
    raw: list[str]


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]


def sniff(name: str, data: bytes, *, max_bytes: int | None = MAX_UPLOAD_BYTES) -> str:
    """'xlsx' or 'csv' when the extension and the content agree; ImportFileError otherwise."""
    lower = name.lower()
    if max_bytes is not None and len(data) > max_bytes:
        raise ImportFileError(_("文件太大：最大 20 MB。请分成几个文件导入。"))
    if not data:
        raise ImportFileError(_("文件是空的。"))
    if lower.endswith(".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "[Content_Types].xml" not in z.namelist():
                    raise ImportFileError(_("这不是有效的 Excel (.xlsx) 文件。"))
        except zipfile.BadZipFile as exc:
            raise ImportFileError(_("这不是有效的 Excel (.xlsx) 文件。")) from exc
        return "xlsx"
    if lower.endswith(".csv"):
        if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
            raise ImportFileError(_("这个 .csv 文件的内容不是文本。"))
        _decode(data)
        return "csv"
    if lower.endswith(".xls"):
        raise ImportFileError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 再上传。"))
    raise ImportFileError(_("只能上传 .xlsx 或 .csv 文件。"))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Chinese Excel saves CSV in GBK; GB18030 is its superset and decodes every GBK file.
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK。")) from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel stores numbers as floats: 1.0 for "1"; long digit strings should be text anyway.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return YES if value else NO
    return str(value).strip()


def _grid_from_xlsx(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        return [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises several types for damaged files
        raise ImportFileError(_("Excel 文件已损坏或无法读取。")) from exc


def _grid_from_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def read_upload(name: str, data: bytes, *, max_bytes: int | None = MAX_UPLOAD_BYTES) -> Table:
    """The rows of an uploaded file, columns matched by their header text (`max_bytes` None:
    no size limit, for commands and benchmarks reading local files)."""
    kind = sniff(name, data, max_bytes=max_bytes)
    grid = _grid_from_xlsx(data) if kind == "xlsx" else _grid_from_csv(data)
    return table_from_grid(grid)


def _row_values(keys: list[str | None], cells: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, cell in zip(keys, cells, strict=False):
        if key and key not in values:
            values[key] = cell.strip()
    return values


def table_from_grid(grid: list[list[str]]) -> Table:
    if not grid:
        raise ImportFileError(_("文件里没有内容。"))
    headers = grid[0]
    keys: list[str | None] = [HEADER_KEYS.get(_norm_header(h)) for h in headers]
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        raise ImportFileError(
            _("找不到这些列：%(cols)s。请使用导入模板，第一行是列名。")
            % {"cols": "、".join(missing)}
        )
    rows = []
    for i, cells in enumerate(grid[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if (values := _row_values(keys, cells)).get("name", "").startswith(EXAMPLE_MARK):
            continue  # the template's example row, left in by the clerk
        rows.append(Row(number=i, values=values, raw=list(cells)))
    return Table(headers=list(headers), rows=rows)


# --- validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the header the clerk sees; "" for the whole row or household
    reason: str


@dataclass
class Parsed:
    """One row with its values checked and converted."""

    row: Row
    region_code: str = ""
    village_code: str = ""
    household_number: str = ""
    relationship: str = ""
    name: str = ""
    id_number: str = ""
    birth_date: date | None = None
    sex: str = ""
    since: date | None = None
    status: str = ""
    hukou_here: bool = True
    destination: str = ""
    address: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    existing: Person | None = None
    # Moved out of a village earlier: registering again takes the entry back (service path).
    returning: bool = False


@dataclass
class HouseholdPlan:
    village_code: str
    number: str
    region: Region | None = None
    members: list[Parsed] = field(default_factory=list)
    existing: Household | None = None
    bad_rows: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.bad_rows


@dataclass
class Plan:
    table: Table
    problems: list[Problem]
    households: list[HouseholdPlan]

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.problems}

    @property
    def valid_households(self) -> list[HouseholdPlan]:
        return [h for h in self.households if h.ok]

    def rejected_rows(self) -> list[Row]:
        """Every row that will not be written in valid-only mode (whole households go)."""
        rejected = set(self.bad_rows)
        for h in self.households:
            if not h.ok:
                rejected.update(m.row.number for m in h.members)
        return [r for r in self.table.rows if r.number in rejected]


def _code_of(text: str, table: dict[str, str]) -> str | None:
    """'01', '01 汉族' or '汉族' -> '01'; None when it is none of these."""
    text = text.strip()
    if not text:
        return ""
    head = text.split()[0]
    if head in table:
        return head
    if text.isdigit() and len(text) == 1 and ("0" + text) in table:
        return "0" + text  # Excel drops leading zeros of codes typed as numbers
    for code, label in table.items():
        if label == text:
            return code
    return None


def _yes_no(text: str) -> bool | None:
    text = text.strip()
    if text in ("", NO, "N", "n", "0", "FALSE", "false", "无"):
        return False
    if text in (YES, "Y", "y", "1", "TRUE", "true", "有"):
        return True
    return None


def parse_date(text: str) -> date | None:
    """2020-01-01, 2020/1/1, 2020.1.1, 20200101, 2020年1月1日; None when unreadable."""
    text = text.strip()
    for ch in "/.年月":
        text = text.replace(ch, "-")
    text = text.replace("日", "").rstrip("-")
    if " " in text:
        text = text.split(" ")[0]
    try:
        if text.isdigit() and len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        parts = text.split("-")
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
    return None


def _years_between(older: date, younger: date) -> int:
    """Whole years from `older` to `younger` (negative when `older` is in fact later)."""
    if older > younger:
        return -_years_between(younger, older)
    years = younger.year - older.year
    if (younger.month, younger.day) < (older.month, older.day):
        years -= 1
    return years


class _RowChecker:
    def __init__(self, row: Row, problems: list[Problem]) -> None:
        self.row = row
        self.problems = problems
        self.bad = False

    def fail(self, key: str, reason: str) -> None:
        header = BY_KEY[key].header if key in BY_KEY else ""
        self.problems.append(Problem(self.row.number, header, reason))
        self.bad = True

    def get(self, key: str) -> str:
        return self.row.values.get(key, "").strip()

    def code(self, key: str) -> str:
        text = self.get(key)
        column = BY_KEY[key]
        assert column.codes is not None
        code = _code_of(text, column.codes)
        if code is None:
            self.fail(key, _("“%(value)s”不在代码表中，请从下拉列表选择。") % {"value": text})
            return ""
        return code

    def flag(self, key: str) -> bool:
        value = _yes_no(self.get(key))
        if value is None:
            self.fail(key, _("请填“是”或“否”。"))
            return False
        return value


def _lookup_existing(id_numbers: Iterable[str]) -> dict[str, Person]:
    """Register entries by ID number, anywhere in the province, in batches (uniqueness checks
    only: the caller never shows an entry outside the clerk's jurisdiction)."""
    purpose = Person._meta.get_field("id_number").purpose  # type: ignore[union-attr]
    by_bidx = {blind_index(n, purpose): n for n in id_numbers}
    found: dict[str, Person] = {}
    keys = list(by_bidx)
    for start in range(0, len(keys), 5000):
        for p in Person._base_manager.filter(id_number_bidx__in=keys[start : start + 5000]):
            found[by_bidx[p.id_number_bidx]] = p
    return found


def _regions_for(codes: set[str]) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.current().filter(code__in=codes)}


def validate(jurisdiction: Jurisdiction, table: Table, *, today: date | None = None) -> Plan:
    """Check every row and every household; writes nothing."""
    today = today or timezone.localdate()
    problems: list[Problem] = []
    parsed: list[Parsed] = []
    bad_rows: set[int] = set()
    codes = {r.values.get("region_code", "").strip() for r in table.rows}
    regions = _regions_for({c for c in codes if c.isdigit() and len(c) in (12, 15)})
    seen_ids: dict[str, int] = {}

    for row in table.rows:
        c = _RowChecker(row, problems)
        p = Parsed(row=row)
        # Region: a village or one of its groups, inside the clerk's jurisdiction.
        code = c.get("region_code")
        region = regions.get(code)
        if not code:
            c.fail("region_code", _("请填写村/组代码。"))
        elif region is None or region.level not in (Level.VILLAGE, Level.GROUP):
            c.fail(
                "region_code",
                _("村/组代码 %(code)s 不存在（应为12位村代码或15位组代码）。") % {"code": code},
            )
        elif not jurisdiction.covers(code):
            c.fail("region_code", _("村/组代码 %(code)s 不在您的管辖范围内。") % {"code": code})
        else:
            p.region_code, p.village_code = code, code[:12]
        p.household_number = c.get("household_number")
        if not p.household_number:
            c.fail("household_number", _("请填写户号。"))
        elif len(p.household_number) > 30:
            c.fail("household_number", _("户号太长（最多30个字符）。"))
        p.relationship = c.code("relationship")
        if not c.get("relationship"):
            c.fail("relationship", _("请填写与户主关系。"))
        p.name = c.get("name")
        if not p.name:
            c.fail("name", _("请填写姓名。"))
        elif len(p.name) > 60:
            c.fail("name", _("姓名太长。"))
        # ID number: shape, check digit, birth date; then duplicates.
        try:
            ident = idcard.parse(c.get("id_number"), today=today)
        except idcard.IdNumberError as exc:
            c.fail("id_number", str(exc))
            ident = None
        if ident is not None:
            p.id_number, p.birth_date, p.sex = ident.value, ident.birth_date, ident.sex
            first = seen_ids.get(ident.value)
            if first is not None:
                c.fail("id_number", _("身份证号与第%(row)d行重复。") % {"row": first})
            else:
                seen_ids[ident.value] = row.number
            given_birth = c.get("birth_date")
            if given_birth:
                born = parse_date(given_birth)
                if born is None:
                    c.fail(
                        "birth_date",
                        _("日期“%(value)s”无法识别，请写成 2020-01-31。") % {"value": given_birth},
                    )
                elif born != ident.birth_date:
                    c.fail(
                        "birth_date",
                        _("出生日期与身份证号不一致（身份证号为 %(d)s）。")
                        % {"d": ident.birth_date.isoformat()},
                    )
        # Codes and details.
        details: dict[str, Any] = {}
        for key in ("ethnicity", "education", "marital_status", "political_status"):
            value = c.code(key)
            if value:
                details[key] = value
        details.setdefault("ethnicity", "01")
        details.setdefault("political_status", "13")
        phone = "".join(c.get("phone").split())
        if phone and not (len(phone) == 11 and phone.isdigit() and phone[0] == "1"):
            c.fail("phone", _("手机号应为以1开头的11位数字。"))
        details["phone"] = phone
        category, grade = c.code("disability_category"), c.code("disability_grade")
        if bool(category) != bool(grade):
            c.fail("disability_grade", _("残疾类别和残疾等级要同时填写。"))
        details["disability"] = f"{category}:{grade}" if category and grade else ""
        details["is_veteran"] = c.flag("is_veteran")
        details["is_youfu"] = c.flag("is_youfu")
        hukou = _yes_no(c.get("hukou_here") or YES)
        if hukou is None:
            c.fail("hukou_here", _("请填“是”或“否”。"))
        p.hukou_here = bool(hukou)
        hukou_code = c.get("hukou_region_code")
        if hukou_code and not (hukou_code.isdigit() and len(hukou_code) in (6, 9, 12)):
            c.fail("hukou_region_code", _("户籍地代码应为6、9或12位数字。"))
        details["hukou_region_code"] = "" if p.hukou_here else hukou_code
        p.flags = {k: c.flag(k) for k in HOUSEHOLD_FLAGS}
        # Residence: status, since when, where to.
        status_text = c.get("status") or "在本村"
        status = STATUS_WORDS.get(status_text)
        if status is None:
            c.fail("status", _("居住状态只能是：在本村、外出务工、外出其他、非户籍常住。"))
            status = ResidenceStatus.HERE
        if status == ResidenceStatus.HERE and not p.hukou_here:
            status = ResidenceStatus.NON_HUKOU_HERE
        p.status = status
        p.destination = c.get("destination")
        if status == ResidenceStatus.AWAY_FOR_WORK and not p.destination:
            c.fail("destination", _("外出务工的人员请填写外出去向。"))
        if len(p.destination) > 100:
            c.fail("destination", _("外出去向太长（最多100个字）。"))
        since_text = c.get("since")
        if since_text:
            p.since = parse_date(since_text)
            if p.since is None:
                c.fail(
                    "since",
                    _("日期“%(value)s”无法识别，请写成 2020-01-31。") % {"value": since_text},
                )
            elif p.since > today:
                c.fail("since", _("状态起始日期不能晚于今天。"))
            elif p.birth_date and p.since < p.birth_date:
                c.fail("since", _("状态起始日期不能早于出生日期。"))
        elif status == ResidenceStatus.HERE:
            p.since = p.birth_date  # living here since birth, unless the clerk says otherwise
        else:
            c.fail("since", _("外出或非户籍常住的人员请填写状态起始日期。"))
        p.address = c.get("address")[:200]
        p.details = details
        parsed.append(p)
        if c.bad:
            bad_rows.add(row.number)

    # The register: ID numbers already entered elsewhere, or in another household here.
    existing = _lookup_existing(p.id_number for p in parsed if p.id_number)
    for p in parsed:
        found = existing.get(p.id_number)
        if found is None:
            continue
        if found.residence_status == ResidenceStatus.DECEASED:
            problems.append(
                Problem(p.row.number, BY_KEY["id_number"].header, _("该身份证号登记的人员已死亡。"))
            )
        elif found.residence_status in GONE:
            p.returning = True  # registering again takes them back, as the service does
            continue
        elif found.region_code[:12] != p.village_code and p.village_code:
            problems.append(
                Problem(
                    p.row.number,
                    BY_KEY["id_number"].header,
                    _("该身份证号已在其他村登记（一人只能在一个村登记）。"),
                )
            )
        else:
            p.existing = found
            continue
        bad_rows.add(p.row.number)

    households = _group(parsed, problems, bad_rows)
    problems.sort(key=lambda pr: pr.row)
    return Plan(table=table, problems=problems, households=households)


def _group(
    parsed: list[Parsed], problems: list[Problem], bad_rows: set[int]
) -> list[HouseholdPlan]:
    plans: dict[tuple[str, str], HouseholdPlan] = {}
    for p in parsed:
        if not p.village_code or not p.household_number:
            continue
        key = (p.village_code, p.household_number)
        plans.setdefault(key, HouseholdPlan(village_code=key[0], number=key[1])).members.append(p)
    found = _existing_households(plans)
    regions = _regions_for({m.region_code for h in plans.values() for m in h.members})
    ids_in_file = {p.id_number for p in parsed if p.id_number}
    for key, h in plans.items():
        h.existing, db_members = found.get(key, (None, []))
        h.region = regions.get(h.members[0].region_code)
        h.bad_rows = {m.row.number for m in h.members if m.row.number in bad_rows}
        first_row = h.members[0].row.number

        def fail(row: int, column: str, reason: str, h: HouseholdPlan = h) -> None:
            problems.append(Problem(row, column, reason))
            h.bad_rows.add(row)

        if len({m.region_code for m in h.members}) > 1:
            fail(
                first_row,
                BY_KEY["region_code"].header,
                _("户号 %(n)s 的成员填写的村/组代码不一致。") % {"n": h.number},
            )
        for m in h.members:
            if m.existing is not None and h.existing is not None:
                if m.existing.household_id != h.existing.pk:
                    fail(
                        m.row.number,
                        BY_KEY["id_number"].header,
                        _("该身份证号已登记在本村另一户，请先办理迁移。"),
                    )
            elif m.existing is not None:
                fail(
                    m.row.number,
                    BY_KEY["id_number"].header,
                    _("该身份证号已登记在本村另一户，请先办理迁移。"),
                )
        # Heads: the file's rows, plus a current head already registered and not in the file.
        heads = [m for m in h.members if m.relationship == HEAD]
        db_heads = [
            d for d in db_members if d.relationship == HEAD and d.id_number not in ids_in_file
        ]
        if len(heads) + len(db_heads) == 0:
            fail(
                first_row,
                BY_KEY["relationship"].header,
                _("户号 %(n)s 没有户主（与户主关系为“02 户主”的成员）。") % {"n": h.number},
            )
        elif len(heads) + len(db_heads) > 1:
            for m in heads[1:] if heads and not db_heads else heads:
                fail(
                    m.row.number,
                    BY_KEY["relationship"].header,
                    _("户号 %(n)s 有两个户主。") % {"n": h.number},
                )
        else:
            head_birth = heads[0].birth_date if heads else db_heads[0].birth_date
            if head_birth is not None:
                for m in h.members:
                    reason = _age_problem(m, head_birth)
                    if reason:
                        fail(m.row.number, BY_KEY["relationship"].header, reason)
    return list(plans.values())


def _age_problem(m: Parsed, head_birth: date) -> str:
    if m.birth_date is None or m.relationship in UNKNOWN_GENERATION or m.relationship == HEAD:
        return ""
    generations = GENERATION.get(m.relationship, 0)
    if generations == 0:
        return ""
    label = RELATIONSHIPS[m.relationship]
    need = YEARS_PER_GENERATION * abs(generations)
    if generations > 0 and _years_between(m.birth_date, head_birth) < need:
        return _("与户主关系为“%(rel)s”，但此人不比户主年长%(n)d岁以上，年龄不可能。") % {
            "rel": label, "n": need,
        }  # fmt: skip
    if generations < 0 and _years_between(head_birth, m.birth_date) < need:
        return _("与户主关系为“%(rel)s”，但此人不比户主年轻%(n)d岁以上，年龄不可能。") % {
            "rel": label, "n": need,
        }  # fmt: skip
    return ""


def _existing_households(
    plans: dict[tuple[str, str], HouseholdPlan],
) -> dict[tuple[str, str], tuple[Household, list[Person]]]:
    by_village: dict[str, list[str]] = {}
    for village, number in plans:
        by_village.setdefault(village, []).append(number)
    found: dict[tuple[str, str], tuple[Household, list[Person]]] = {}
    for village, numbers in by_village.items():
        for start in range(0, len(numbers), 5000):
            chunk = numbers[start : start + 5000]
            for hh in Household._base_manager.filter(village_code=village, number__in=chunk):
                found[(village, hh.number)] = (hh, [])
    ids = {hh.pk: key for key, (hh, _m) in found.items()}
    keys = list(ids)
    for start in range(0, len(keys), 5000):
        members = Person._base_manager.filter(household_id__in=keys[start : start + 5000])
        for person in members.exclude(residence_status__in=GONE):
            found[ids[person.household_id]][1].append(person)
    return found


# --- writing ------------------------------------------------------------------------------------


@dataclass
class Result:
    created_households: int = 0
    created_persons: int = 0
    updated_persons: int = 0
    updated_households: int = 0
    unchanged: int = 0
    rejected_rows: int = 0
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


Progress = Callable[[int], None]

# Detail fields the import compares and updates on a person already in the household (the
# editable ones of `services.EDITABLE`; residence and hukou change only through events).
UPDATABLE = tuple(
    f for f in (
        "name", "relationship", "ethnicity", "phone", "education", "marital_status",
        "political_status", "disability", "is_veteran", "is_youfu",
    ) if f in services.EDITABLE
)  # fmt: skip


def _require_import(jurisdiction: Jurisdiction) -> None:
    if not (jurisdiction.has_perm(IMPORT) and jurisdiction.has_perm(services.EDIT)):
        raise PermissionDenied(IMPORT)


def dry_run(*, actor: Any, jurisdiction: Jurisdiction, table: Table, filename: str = "") -> Plan:
    """Validate and report; writes nothing but the audit event."""
    _require_import(jurisdiction)
    plan = validate(jurisdiction, table)
    audit(
        "residents.import.dry_run",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={"rows": len(table.rows), "bad_rows": len(plan.bad_rows), "file": filename[:100]},
    )
    return plan


def commit(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    table: Table,
    mode: str,
    filename: str = "",
    bulk: bool | None = None,
    progress: Progress | None = None,
) -> tuple[Plan, Result]:
    """Validate, then write in the chosen mode; one audit event with the counts."""
    _require_import(jurisdiction)
    if mode not in (Mode.ALL_OR_NOTHING, Mode.VALID_ONLY):
        raise ValueError(mode)
    plan = validate(jurisdiction, table)
    result = Result()
    todo = plan.valid_households
    result.rejected_rows = len(plan.rejected_rows())
    if mode == Mode.ALL_OR_NOTHING and plan.problems:
        todo = []
        result.rejected_rows = len(table.rows)
    if bulk is None:
        bulk = sum(len(h.members) for h in todo) > BULK_ROWS
    if todo:
        with transaction.atomic():
            _write(actor, jurisdiction, todo, result, use_bulk=bulk, progress=progress)
            if bulk:
                # 三留守 care (issue 5): the bulk path skips the services' hook, so the villages
                # touched are re-identified as one set-based task once this commits.
                from cunshe.care.jobs.identification import enqueue_villages

                enqueue_villages(h.village_code for h in todo)
        result.written = True
    audit(
        "residents.import.committed",
        actor=actor,
        jurisdiction=jurisdiction,
        detail={"mode": mode, "rows": len(table.rows), "file": filename[:100], **result.as_dict()},
    )
    return plan, result


def _write(
    actor: Any,
    j: Jurisdiction,
    households: list[HouseholdPlan],
    result: Result,
    *,
    use_bulk: bool,
    progress: Progress | None,
) -> None:
    done = reported = 0
    new_people: list[tuple[Household, Parsed]] = []
    new_households: list[HouseholdPlan] = []
    for h in households:
        if h.existing is None and use_bulk and not any(m.returning for m in h.members):
            new_households.append(h)
            continue
        hh = _household_for(actor, j, h, result)
        # Heads first, so that a member's checks find the household complete.
        for m in sorted(h.members, key=lambda m: m.relationship != HEAD):
            if m.existing is not None:
                _update_person(actor, j, m, result)
            elif use_bulk and not m.returning:
                new_people.append((hh, m))
            else:
                _register(actor, j, hh, m)
                result.created_persons += 1
        done += len(h.members)
        if progress and done - reported >= 100:
            progress(done)
            reported = done
    if use_bulk:
        _bulk_register(actor, new_households, new_people, result, progress, done)


def _household_for(actor: Any, j: Jurisdiction, h: HouseholdPlan, result: Result) -> Household:
    flags = {k: any(m.flags.get(k) for m in h.members) for k in HOUSEHOLD_FLAGS}
    address = next((m.address for m in h.members if m.address), "")
    if h.existing is None:
        assert h.region is not None
        result.created_households += 1
        return services.household_create(
            actor=actor,
            jurisdiction=j,
            region=h.region,
            number=h.number,
            address=address,
            hukou_here=_household_hukou(h),
            **{k: v for k, v in flags.items() if v},
        )
    hh = h.existing
    # The file's flags are the household's now (a flag left blank on every row is "否").
    changed = [k for k, v in flags.items() if getattr(hh, k) != v]
    if address and hh.address != address:
        hh.address = address
        changed.append("address")
    if changed:
        for k in changed:
            if k in flags:
                setattr(hh, k, flags[k])
        hh.version += 1
        hh.save()
        result.updated_households += 1
    return hh


def _household_hukou(h: HouseholdPlan) -> bool:
    head = next((m for m in h.members if m.relationship == HEAD), None)
    return head.hukou_here if head is not None else True


def _register(actor: Any, j: Jurisdiction, hh: Household, m: Parsed) -> Person:
    assert m.since is not None
    details = {k: v for k, v in m.details.items() if k != "hukou_region_code"}
    return services.person_register(
        actor=actor,
        jurisdiction=j,
        household=hh,
        relationship=m.relationship,
        name=m.name,
        id_number=m.id_number,
        since=m.since,
        status=m.status,
        destination=m.destination,
        hukou_here=m.hukou_here,
        hukou_region_code=m.details.get("hukou_region_code", ""),
        **details,
    )


def _update_person(actor: Any, j: Jurisdiction, m: Parsed, result: Result) -> None:
    person = m.existing
    assert person is not None
    wanted = {"name": m.name, "relationship": m.relationship, **m.details}
    changes = {
        k: wanted[k] for k in UPDATABLE if k in wanted and _differs(getattr(person, k), wanted[k])
    }
    if not changes:
        result.unchanged += 1
        return
    services.person_update(
        actor=actor, jurisdiction=j, person=person, expected_version=person.version, **changes
    )
    result.updated_persons += 1


def _differs(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return bool(current) != wanted
    return (current or "") != (wanted or "")


def _person_row(hh: _Home, m: Parsed, actor: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new Person and its REGISTERED event, as `services.person_register` would save them
    (the derived columns are filled in by `bulk.insert`)."""
    assert m.since is not None and m.birth_date is not None
    household_id, region_id, region_code = hh
    destination_code = m.details.get("hukou_region_code", "")
    event = {
        "region_id": region_id,
        "region_code": region_code,
        "kind": EventKind.REGISTERED,
        "occurred_on": m.since,
        "status": m.status,
        "destination": m.destination,
        "destination_code": destination_code,
        "hukou_here": m.hukou_here,
        "recorded_by_id": getattr(actor, "pk", None),
    }
    facts = EventFacts(id=0, kind=EventKind.REGISTERED, occurred_on=m.since,
                       destination=m.destination, destination_code=destination_code,
                       status=m.status, hukou_here=m.hukou_here)  # fmt: skip
    state: State = project([facts])
    person = {
        "household_id": household_id,
        "region_id": region_id,
        "region_code": region_code,
        "relationship": m.relationship,
        "name": m.name,
        "id_number": m.id_number,
        "sex": m.sex,
        "birth_date": m.birth_date,
        **{k: v for k, v in m.details.items() if k != "hukou_region_code"},
        **state.__dict__,
    }
    return person, event


# (household id, region id, region code) of the household a new person joins.
_Home = tuple[int, int, str]


def _bulk_register(
    actor: Any,
    new_households: list[HouseholdPlan],
    new_people: list[tuple[Household, Parsed]],
    result: Result,
    progress: Progress | None,
    done: int,
) -> None:
    """New households and persons in batches: the same rows the services would write."""
    pending: list[tuple[_Home, Parsed]] = [
        ((hh.pk, hh.region_id, hh.region_code), m) for hh, m in new_people
    ]
    for start in range(0, len(new_households), BATCH):
        chunk = new_households[start : start + BATCH]
        rows = []
        for h in chunk:
            assert h.region is not None
            flags = {k: any(m.flags.get(k) for m in h.members) for k in HOUSEHOLD_FLAGS}
            rows.append(
                {
                    "region_id": h.region.pk,
                    "region_code": h.region.code,
                    "number": h.number,
                    "address": next((m.address for m in h.members if m.address), ""),
                    "hukou_here": _household_hukou(h),
                    **flags,
                }
            )
        ids = bulk.insert(Household, rows)
        result.created_households += len(rows)
        for pk, row, h in zip(ids, rows, chunk, strict=True):
            home = (pk, row["region_id"], row["region_code"])
            pending.extend((home, m) for m in h.members)
        if len(pending) >= BATCH:
            done = _flush_people(actor, pending, result, progress, done)
            pending = []
    _flush_people(actor, pending, result, progress, done)


def _flush_people(
    actor: Any,
    pending: list[tuple[_Home, Parsed]],
    result: Result,
    progress: Progress | None,
    done: int,
) -> int:
    for start in range(0, len(pending), BATCH):
        pairs = [_person_row(hh, m, actor) for hh, m in pending[start : start + BATCH]]
        ids = bulk.insert(Person, [p for p, _e in pairs])
        events = []
        for pk, (_p, event) in zip(ids, pairs, strict=True):
            event["person_id"] = pk
            events.append(event)
        bulk.insert(ResidenceEvent, events, returning_ids=False)
        result.created_persons += len(ids)
        done += len(ids)
        if progress:
            progress(done)
    return done


# --- reports ------------------------------------------------------------------------------------

ERROR_HEADER = "错误原因"


def rejected_rows_xlsx(plan: Plan) -> bytes:
    """The rejected rows as the clerk uploaded them, with a 错误原因 column to fix them by."""
    from openpyxl import Workbook

    reasons: dict[int, list[str]] = {}
    for p in plan.problems:
        reasons.setdefault(p.row, []).append(f"{p.column}：{p.reason}" if p.column else p.reason)
    book = Workbook()
    sheet = book.active
    sheet.title = "被拒绝的行"
    sheet.append([ERROR_HEADER, "原行号", *plan.table.headers])
    for row in plan.rejected_rows():
        why = reasons.get(row.number) or [_("同户其他成员有错误，整户未导入。")]
        sheet.append(["；".join(why), row.number, *row.raw])
    for cell in sheet["C"][1:] + sheet["D"][1:]:
        cell.number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The import template: header, an example row, drop-downs fed by a hidden code sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = [c for c in COLUMNS if c.in_template]
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    lists = book.create_sheet("代码表")
    sheet.append([c.header + ("*" if c.required else "") for c in columns])
    sheet.append([c.example for c in columns])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBDD")
    for i, c in enumerate(columns, start=1):
        letter = get_column_letter(i)
        head = sheet.cell(row=1, column=i)
        head.font, head.fill = bold, fill
        sheet.column_dimensions[letter].width = max(10, len(c.header) * 2 + 4)
        # Codes and ID numbers are text, or Excel turns them into numbers and drops digits.
        for row in range(2, 2001):
            sheet.cell(row=row, column=i).number_format = "@"
        if c.codes is None:
            continue
        values = [c.codes[k] if c.codes[k] == k else f"{k} {v}" for k, v in c.codes.items()]
        lists.cell(row=1, column=i, value=c.header)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=i, value=value)
        dv = DataValidation(
            type="list",
            formula1=f"'代码表'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="代码不正确",
            error="请从下拉列表中选择。",
        )
        dv.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(dv)
    lists.sheet_state = "hidden"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    """The same columns as CSV, UTF-8 with a BOM so that Excel opens it in Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [c for c in COLUMNS if c.in_template]
    writer.writerow([c.header for c in columns])
    writer.writerow([c.example for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)
