"""Pinyin for search: clerks type `zsf` for 张三丰, or `zhangsanfeng`."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import lazy_pinyin

PINYIN_MAX = 300
INITIALS_MAX = 60


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
