"""Villager self-governance speaks English and Korean too: no selfgov entry of the catalogues is
left empty, fuzzy or with placeholders that differ from the Chinese source, the compiled
catalogue serves what the .po says, and the public village-affairs page comes out in the
language of the visitor's language cookie.

Needs the compiled catalogues (`manage.py compilemessages`), like the other language tests."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from cunshe.selfgov.models.matters import Step
from cunshe.selfgov.services import disclosure as disclosure_services
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.test_translations import (
    CATALOGUE,
    HAN,
    HANGUL,
    LANGUAGES,
    MISSING_MO,
    PLACEHOLDER,
    read_po,
)

SELFGOV_SOURCES = ("cunshe/selfgov/",)
A = "220182102200"


def selfgov_entries(lang: str) -> list[dict]:
    return [
        e
        for e in read_po(Path(str(CATALOGUE).format(lang=lang)))
        if e["msgid"] and any(r.startswith(SELFGOV_SOURCES) for r in e["refs"])
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_selfgov_part_of_the_catalogue_is_complete(lang):
    entries = selfgov_entries(lang)
    assert len(entries) > 500  # the reader found the self-governance strings at all
    empty = [e["msgid"] for e in entries if not e["msgstr"] or "" in e["msgstr"].values()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == [], f"{len(empty)} untranslated in {lang}: {empty[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {lang}: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_selfgov_translations_keep_the_placeholders_and_leave_chinese_behind(lang):
    wrong = []
    for e in selfgov_entries(lang):
        singular = sorted(PLACEHOLDER.findall(e["msgid"]))
        plural = sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        if e["msgid_plural"] is not None and len(e["msgstr"]) != (2 if lang == "en" else 1):
            wrong.append((e["msgid"], "plural forms", len(e["msgstr"])))
        for index, text in e["msgstr"].items():
            if sorted(PLACEHOLDER.findall(text)) not in (singular, plural):
                wrong.append((e["msgid"], index, text))
            # Chinese may remain only as quoted data (the example name 张三 of a search box).
            if HAN.search(text) and not re.search(r"[A-Za-z\uac00-\ud7a3]", text):
                wrong.append((e["msgid"], index, "still Chinese"))
            if lang == "ko" and HAN.search(e["msgid"]) and not HANGUL.search(text):
                wrong.append((e["msgid"], index, "no Korean"))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file_for_selfgov(lang):
    stale = []
    with translation.override(lang):
        for e in selfgov_entries(lang):
            if e["msgctxt"] is None and e["msgid_plural"] is None:
                if gettext(e["msgid"]) != e["msgstr"][0]:
                    stale.append(e["msgid"])
    assert stale == [], f"{MISSING_MO}: {stale[:5]}"


@pytest.mark.parametrize(
    ("lang", "first", "last"),
    [
        ("en", "Party branch proposes", "Implementation results disclosed"),
        ("ko", "당지부 제의", "실시 결과 공개"),
    ],
)
def test_the_six_steps_of_four_deliberations_two_disclosures(lang, first, last):
    with translation.override(lang):
        assert str(Step.PROPOSED.label) == first, MISSING_MO
        assert str(Step.RESULT_PUBLISHED.label) == last
        assert not any(HAN.search(str(label)) for label in Step.labels)
    with translation.override("zh-hans"):
        assert str(Step.PROPOSED.label) == "党支部提议"


def _visitor(lang: str | None) -> Client:
    client = Client()
    if lang:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.mark.django_db
def test_a_visitor_whose_language_is_english_reads_the_public_page_in_english(
    cast, js, new_matter, walk
):
    disclosure_services.disclosure_publish(
        actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a,
        category="finance", title="三月财务收支", body="内容",
        period_start=date(2026, 3, 1), period_end=date(2026, 3, 31),
    )  # fmt: skip
    walk(new_matter("村道硬化工程筹资筹劳方案"), 6)
    r = _visitor("en").get(f"/gov/villages/{A}/disclosures/")
    assert r.status_code == 200 and r.headers["Content-Language"] == "en"
    html = r.content.decode()
    assert "Village affairs disclosure" in html, MISSING_MO
    assert "Income and expenditure" in html  # the category of the finance item
    assert "Four deliberations, two disclosures" in html and "6/6 steps done" in html
    assert "Implementation results disclosed" in html
    assert "shows no personal information" in html
    # The Chinese interface strings are gone; the titles are data and stay Chinese.
    for source in ("村务公开", ">财务收支", "党支部提议", "两委会商议", "本页公开村务"):
        assert source not in html
    assert "三月财务收支" in html and "村道硬化工程筹资筹劳方案" in html


@pytest.mark.django_db
def test_the_same_page_in_korean_and_without_a_choice_in_chinese(cast, js, new_matter, walk):
    walk(new_matter("村道硬化工程筹资筹劳方案"), 2)
    korean = _visitor("ko").get(f"/gov/villages/{A}/disclosures/").content.decode()
    assert "촌무 공개" in korean and "&#x27;양위&#x27; 회의 상의" in korean, MISSING_MO
    assert "本页公开村务" not in korean
    chinese = _visitor(None).get(f"/gov/villages/{A}/disclosures/").content.decode()
    assert "本页公开村务" in chinese and "촌무 공개" not in chinese
