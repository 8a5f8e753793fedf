"""Classifying village-level units by name, and the pinyin kept for initials search."""

from __future__ import annotations

import pytest

from cunshe.core.pinyin import pinyin_of
from cunshe.regions.models import Kind
from cunshe.regions.text import strip_notes, village_kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("闵家村委会", Kind.RURAL_VILLAGE),
        ("大房身村民委员会", Kind.RURAL_VILLAGE),
        ("孤家子村", Kind.RURAL_VILLAGE),
        ("新月村委会（新月工业小区）（省级）", Kind.RURAL_VILLAGE),
        ("合隆居委会（合隆经济开发区）（省级）", Kind.RESIDENTS),
        ("新城社区居委会", Kind.RESIDENTS),
        ("站前居民委员会", Kind.RESIDENTS),
        ("东风社区", Kind.RESIDENTS),
        ("向阳林场生活区", Kind.OTHER),
        ("长江路省级电脑科技商品经营开发区（特殊社区）", Kind.OTHER),
    ],
)
def test_village_kind_from_name(name, kind):
    assert village_kind(name) == kind


def test_strip_notes_removes_every_trailing_note_but_keeps_a_bare_note():
    assert strip_notes("朱家园子村委会（合隆经济开发区）（省级）") == "朱家园子村委会"
    assert strip_notes("（特殊）") == "（特殊）"


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("闵家村委会", "minjiacunweihui", "mjcwh"),
        ("长春市", "changchunshi", "ccs"),
        ("第1村民小组", "di1cunminxiaozu", "d1cmxz"),
        ("新月村委会（省级）", "xinyuecunweihuishengji", "xycwhsj"),
    ],
)
def test_pinyin_and_initials(name, pinyin, initials):
    assert pinyin_of(name) == (pinyin, initials)
