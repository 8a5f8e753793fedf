"""Name handling for regions: kind of a village-level unit, pinyin and initials for search."""

from __future__ import annotations

import re

from cunshe.regions.models import Kind

# A trailing note such as "（合隆经济开发区）（省级）" says where a unit sits, not what it is.
_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_RURAL_SUFFIXES = ("村委会", "村民委员会")
_RESIDENTS_SUFFIXES = ("居委会", "居民委员会", "社区")


def strip_notes(name: str) -> str:
    """The name without its trailing parenthesised notes (all of them, innermost last)."""
    name = name.strip()
    while True:
        match = _TRAILING_NOTE.search(name)
        if match is None or match.start() == 0:
            return name
        name = name[: match.start()]


def village_kind(name: str) -> str:
    """Kind of a village-level unit from its official name."""
    core = strip_notes(name)
    if core.endswith(_RURAL_SUFFIXES):
        return Kind.RURAL_VILLAGE
    # "社区居委会" ends in 居委会 and is a residents' committee; test it before the bare 村.
    if core.endswith(_RESIDENTS_SUFFIXES):
        return Kind.RESIDENTS
    if core.endswith("村"):
        return Kind.RURAL_VILLAGE
    return Kind.OTHER
