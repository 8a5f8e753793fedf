"""Cells written into files a spreadsheet program opens (.xlsx exports, CSV downloads).

A cell whose text starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
programs skip before looking) is run as a formula when the file is opened or re-saved, so a
villager's name or a note such as `=HYPERLINK(...)` could act on the reader's machine (formula
injection). Every export writes its cells through `inert`, which stores such text as plain
text by putting an apostrophe in front. This is the one guard for the whole platform.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """`value` unchanged, unless it is text a spreadsheet would run as a formula: then the
    same text behind an apostrophe, which keeps it text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def inert_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells, each through `inert` (numbers, dates and None pass unchanged)."""
    return [inert(v) for v in values]
