"""The care pages speak English and Korean too: no care entry of the catalogues is left empty,
fuzzy or with placeholders that differ from the Chinese source, the compiled catalogue serves
what the .po says, and a clerk whose language is Korean gets the candidates page in Korean.

Needs the compiled catalogues (`manage.py compilemessages`), like the other language tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from cunshe.care.models import CareKind, RiskLevel
from cunshe.care.services import identification as svc
from cunshe.servicedesk.tests.test_translations import (
    CATALOGUE,
    HAN,
    HANGUL,
    LANGUAGES,
    MISSING_MO,
    PLACEHOLDER,
    read_po,
)

CARE_SOURCES = ("cunshe/care/",)


def care_entries(lang: str) -> list[dict]:
    return [
        e
        for e in read_po(Path(str(CATALOGUE).format(lang=lang)))
        if e["msgid"] and any(r.startswith(CARE_SOURCES) for r in e["refs"])
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_care_part_of_the_catalogue_is_complete(lang):
    entries = care_entries(lang)
    assert len(entries) > 400  # the reader found the care strings at all
    empty = [e["msgid"] for e in entries if not e["msgstr"] or "" in e["msgstr"].values()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == [], f"{len(empty)} untranslated in {lang}: {empty[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {lang}: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_care_translations_keep_the_placeholders_and_leave_chinese_behind(lang):
    wrong = []
    for e in care_entries(lang):
        singular = sorted(PLACEHOLDER.findall(e["msgid"]))
        plural = sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        if e["msgid_plural"] is not None and len(e["msgstr"]) != (2 if lang == "en" else 1):
            wrong.append((e["msgid"], "plural forms", len(e["msgstr"])))
        for index, text in e["msgstr"].items():
            if sorted(PLACEHOLDER.findall(text)) not in (singular, plural):
                wrong.append((e["msgid"], index, text))
            if HAN.search(text) and not re.search(r"[A-Za-z\uac00-\ud7a3]", text):
                wrong.append((e["msgid"], index, "still Chinese"))
            if lang == "ko" and HAN.search(e["msgid"]) and not HANGUL.search(text):
                wrong.append((e["msgid"], index, "no Korean"))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file_for_care(lang):
    stale = []
    with translation.override(lang):
        for e in care_entries(lang):
            if e["msgctxt"] is None and e["msgid_plural"] is None:
                if gettext(e["msgid"]) != e["msgstr"][0]:
                    stale.append(e["msgid"])
    assert stale == [], f"{MISSING_MO}: {stale[:5]}"


@pytest.mark.parametrize(
    ("lang", "child", "high"),
    [("en", "Left-behind children", "High risk"), ("ko", "유수 아동", "고위험")],
)
def test_care_labels(lang, child, high):
    with translation.override(lang):
        assert str(CareKind.CHILD.label) == child, MISSING_MO
        assert str(RiskLevel.HIGH.label) == high
        labels = [str(label) for label in CareKind.labels]
    assert not any(HAN.search(label) for label in labels)
    with translation.override("zh-hans"):
        assert str(CareKind.CHILD.label) == "留守儿童"


@pytest.mark.django_db
def test_a_clerk_whose_language_is_korean_gets_the_candidates_page_in_korean(
    cast, client_as, family
):
    people = [family.father, family.mother, family.child, family.grandfather, family.grandmother]
    svc.identify_persons([p.pk for p in people], refresh_kin=True)
    cast.clerk_a.language = "ko"
    cast.clerk_a.save(update_fields=["language"])
    r = client_as("clerk_a").get("/care/candidates/")
    assert r.status_code == 200 and r.headers["Content-Language"] == "ko"
    html = r.content.decode()
    assert "확인 대기 중인 돌봄 대상" in html, MISSING_MO  # 待确认的关爱对象
    # 李娜 is a left-behind woman: her badge, why (her husband is away for work), the button.
    assert '<span class="badge text-bg-info">유수 여성</span>' in html
    assert "외지 근로" in html and "등록 확인" in html
    # The Chinese interface strings are gone; the names are data and stay Chinese.
    assert "待确认的关爱对象" not in html and "确认在册" not in html and "留守妇女" not in html
    assert "李娜" in html


@pytest.mark.django_db
def test_without_a_choice_the_candidates_page_stays_chinese(cast, client_as, family):
    cast.clerk_a.language = ""
    cast.clerk_a.save(update_fields=["language"])
    html = client_as("clerk_a").get("/care/candidates/").content.decode()
    assert "待确认的关爱对象" in html and "확인 대기 중인 돌봄 대상" not in html
