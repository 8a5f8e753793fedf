"""Volunteering and points speak English and Korean too: no volunteering entry of the catalogues
is left empty, fuzzy or with placeholders that differ from the Chinese source, the compiled
catalogue serves what the .po says, the terms follow docs/glossary.md (积分 = points / 포인트,
爱心超市 = points store / 사랑나눔 마트), and the village's public points page comes out in the
language of the visitor's language cookie.

Needs the compiled catalogues (`manage.py compilemessages`), like the other language tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from cunshe.servicedesk.tests.test_translations import (
    CATALOGUE,
    HAN,
    HANGUL,
    LANGUAGES,
    MISSING_MO,
    PLACEHOLDER,
    read_po,
)
from cunshe.volunteering.models import Declaration, HoursEntry
from cunshe.volunteering.tests.public_fixtures import public_village_a

# Source files whose strings make up the volunteering part of the catalogue.
VOLUNTEERING_SOURCES = (
    "cunshe/volunteering/",
    "cunshe/demo/volunteering.py",
)
A = "220182102200"


def volunteering_entries(lang: str) -> list[dict]:
    return [
        e
        for e in read_po(Path(str(CATALOGUE).format(lang=lang)))
        if e["msgid"] and any(r.startswith(VOLUNTEERING_SOURCES) for r in e["refs"])
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_volunteering_part_of_the_catalogue_is_complete(lang):
    entries = volunteering_entries(lang)
    assert len(entries) > 800  # the reader found the volunteering strings at all
    empty = [e["msgid"] for e in entries if not e["msgstr"] or "" in e["msgstr"].values()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == [], f"{len(empty)} untranslated in {lang}: {empty[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {lang}: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_volunteering_translations_keep_the_placeholders_and_leave_chinese_behind(lang):
    wrong = []
    for e in volunteering_entries(lang):
        singular = sorted(PLACEHOLDER.findall(e["msgid"]))
        plural = sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        if e["msgid_plural"] is not None and len(e["msgstr"]) != (2 if lang == "en" else 1):
            wrong.append((e["msgid"], "plural forms", len(e["msgstr"])))
        for index, text in e["msgstr"].items():
            if sorted(PLACEHOLDER.findall(text)) not in (singular, plural):
                wrong.append((e["msgid"], index, text))
            if HAN.search(text):
                wrong.append((e["msgid"], index, "still Chinese"))
            if lang == "ko" and HAN.search(e["msgid"]) and not HANGUL.search(text):
                wrong.append((e["msgid"], index, "no Korean"))
            if lang == "en" and HANGUL.search(text):
                wrong.append((e["msgid"], index, "Korean in English"))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_volunteering_yesno_pairs_keep_their_comma(lang):
    """`yesno` splits its argument at commas: a translation must keep exactly one."""
    for e in volunteering_entries(lang):
        if e["msgid"] == "同意,不同意":
            assert e["msgstr"][0].count(",") == 1
            break
    else:
        pytest.fail("the yesno pair 同意,不同意 is not in the catalogue")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file_for_volunteering(lang):
    stale = []
    with translation.override(lang):
        for e in volunteering_entries(lang):
            if e["msgctxt"] is None and e["msgid_plural"] is None:
                if gettext(e["msgid"]) != e["msgstr"][0]:
                    stale.append(e["msgid"])
    assert stale == [], f"{MISSING_MO}: {stale[:5]}"


@pytest.mark.parametrize(
    ("lang", "points", "store"),
    [("en", "Points", "Points store"), ("ko", "포인트", "사랑나눔 마트")],
)
def test_the_glossary_terms_for_points_and_the_points_store(lang, points, store):
    with translation.override(lang):
        assert gettext("积分") == points, MISSING_MO
        assert gettext("爱心超市") == store
        # Every label of the declaration and hours statuses is translated.
        labels = [str(label) for label in (*Declaration.Status.labels, *HoursEntry.Status.labels)]
    assert labels and not any(HAN.search(label) for label in labels)
    with translation.override("zh-hans"):
        assert gettext("爱心超市") == "爱心超市"


def _visitor(lang: str | None) -> Client:
    client = Client()
    if lang:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.mark.django_db
def test_a_visitor_whose_language_is_english_reads_the_public_points_page_in_english(cast):
    public_village_a(cast)
    r = _visitor("en").get(f"/vol/public/{A}/points/")
    assert r.status_code == 200 and r.headers["Content-Language"] == "en"
    html = r.content.decode()
    assert "Points public posting" in html, MISSING_MO
    assert "10 points" in html and "5 points" in html  # the two posted declarations
    assert "Filial piety and family care" in html  # the category of the earning rule
    assert "Object</a>" in html and "Points store" in html  # the button, the section nav
    # The Chinese interface strings are gone; the deeds and names are data and stay Chinese.
    for source in ("积分公示", "提出异议", "爱心超市", "孝老爱亲", "10 分"):
        assert source not in html
    assert "照顾卧床婆婆一个月" in html and "张*丰" in html


@pytest.mark.django_db
def test_the_same_page_in_korean_and_without_a_choice_in_chinese(cast):
    public_village_a(cast)
    korean = _visitor("ko").get(f"/vol/public/{A}/points/")
    assert korean.headers["Content-Language"] == "ko"
    html = korean.content.decode()
    assert "포인트 공시" in html and "10포인트" in html, MISSING_MO
    assert "사랑나눔 마트" in html and "이의 제기" in html
    assert not re.search(r"积分公示|提出异议|爱心超市", html)
    chinese = _visitor(None).get(f"/vol/public/{A}/points/").content.decode()
    assert "积分公示" in chinese and "10 分" in chinese and "포인트 공시" not in chinese
