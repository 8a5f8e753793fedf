"""Name handling for regions: kind of a village-level unit, pinyin and initials for search."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

from cunshe.regions.models import Kind

PINYIN_MAX = 300
INITIALS_MAX = 60

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


def _split_other(text: str) -> list[str]:
    # Non-Chinese runs come back one character per token so that digits and Latin letters
    # take part in the initials ("第1组" -> "d1z").
    return list(text)


@lru_cache(maxsize=65536)
def pinyin_of(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower case, letters and digits only: 闵家村委会 -> mjcwh."""
    tokens = [
        "".join(ch for ch in token.lower() if ch.isascii() and ch.isalnum())
        for token in lazy_pinyin(name, errors=_split_other)
    ]
    tokens = [t for t in tokens if t]
    return "".join(tokens)[:PINYIN_MAX], "".join(t[0] for t in tokens)[:INITIALS_MAX]
