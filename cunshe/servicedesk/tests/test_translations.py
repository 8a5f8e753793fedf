"""The service desk speaks English and Korean too: status labels, the applicant's notices and
the villager's pages come out translated, and no service-desk entry of the catalogues is left
empty, fuzzy or with placeholders that differ from the Chinese source.

Needs the compiled catalogues (`manage.py compilemessages`), like the other language tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cunshe.servicedesk.models import Status
from cunshe.servicedesk.services.applications import _MESSAGES
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

LANGUAGES = ("en", "ko")
CATALOGUE = Path(settings.BASE_DIR) / "cunshe" / "locale" / "{lang}" / "LC_MESSAGES" / "django.po"
# Source files whose strings make up the service desk's part of the catalogue.
SERVICE_DESK_SOURCES = (
    "cunshe/servicedesk/",
    "cunshe/core/pdf.py",
    "cunshe/core/calendar_",
    "cunshe/core/templates/core/calendar.html",
    "cunshe/web/nav.py",
)
HAN = re.compile(r"[\u4e00-\u9fff]")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
MISSING_MO = "catalogue not compiled or stale: run manage.py compilemessages"


# --- a tiny .po reader (no polib in this project) -------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            out.append(escapes[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: refs, flags, msgctxt, msgid, msgid_plural, msgstr {index: text}.
    gettext tools write one entry per block, blocks separated by a blank line."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"refs": [], "flags": [], "msgctxt": None, "msgid": None,
                       "msgid_plural": None, "msgstr": {}}  # fmt: skip
        field: tuple = ()
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#:"):
                entry["refs"] += line[2:].split()
            elif line.startswith("#,"):
                entry["flags"] += [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#") or not line:
                continue  # other comments, obsolete (#~) entries
            elif m := re.match(
                r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line
            ):
                keyword, index, text = m.group(1), m.group(2), _unquote(m.group(3))
                if keyword.startswith("msgstr"):
                    field = ("msgstr", int(index or 0))
                    entry["msgstr"][field[1]] = text
                else:
                    field = (keyword,)
                    entry[keyword] = text
            elif line.startswith('"') and field:
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += _unquote(line)
                else:
                    entry[field[0]] += _unquote(line)
            else:
                raise AssertionError(f"{path}: cannot read line {raw!r}")
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def service_desk_entries(lang: str) -> list[dict]:
    return [
        e
        for e in read_po(Path(str(CATALOGUE).format(lang=lang)))
        if e["msgid"] and any(r.startswith(SERVICE_DESK_SOURCES) for r in e["refs"])
    ]


# --- the catalogue itself -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_service_desk_part_of_the_catalogue_is_complete(lang):
    entries = service_desk_entries(lang)
    assert len(entries) > 500  # the reader found the service desk's strings at all
    empty = [e["msgid"] for e in entries if not e["msgstr"] or "" in e["msgstr"].values()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == [], f"{len(empty)} untranslated in {lang}: {empty[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {lang}: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_and_leave_chinese_behind(lang):
    wrong = []
    for e in service_desk_entries(lang):
        singular = sorted(PLACEHOLDER.findall(e["msgid"]))
        plural = sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        forms = e["msgstr"]
        if e["msgid_plural"] is not None:
            assert len(forms) == (2 if lang == "en" else 1), e["msgid"]
        for index, text in forms.items():
            if sorted(PLACEHOLDER.findall(text)) not in (singular, plural):
                wrong.append((e["msgid"], index, text))
        # Chinese may remain only where it is quoted data (e.g. the 户主 code “02 户主”, an
        # example search word); a translation made only of Chinese is no translation.
        if all(
            HAN.search(t) and not re.search(r"[A-Za-z\uac00-\ud7a3]", t) for t in forms.values()
        ):
            wrong.append((e["msgid"], "all", "still Chinese"))
        if lang == "ko" and e["msgid"] and HAN.search(e["msgid"]):
            assert any(HANGUL.search(t) or not HAN.search(t) for t in forms.values()), e["msgid"]
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(lang):
    """Every plain service-desk entry is served as written in the .po: the .mo is up to date."""
    stale = []
    with translation.override(lang):
        for e in service_desk_entries(lang):
            if e["msgctxt"] is None and e["msgid_plural"] is None:
                if gettext(e["msgid"]) != e["msgstr"][0]:
                    stale.append(e["msgid"])
    assert stale == [], f"{MISSING_MO}: {stale[:5]}"


# --- the strings in use -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "accepted", "withdrawn"),
    [("en", "Accepted", "Withdrawn"), ("ko", "접수됨", "철회됨")],
)
def test_status_labels(lang, accepted, withdrawn):
    with translation.override(lang):
        assert str(Status.ACCEPTED.label) == accepted, MISSING_MO
        assert str(Status.WITHDRAWN.label) == withdrawn
        labels = [str(label) for label in Status.labels]
    assert not any(HAN.search(label) for label in labels)
    with translation.override("zh-hans"):
        assert str(Status.ACCEPTED.label) == "已受理"


@pytest.mark.parametrize(
    ("lang", "subject", "body_part"),
    [
        ("en", "Accepted: 最低生活保障", "Your application (no. 220100000001)"),
        ("ko", "접수됨: 最低生活保障", "귀하의 신청(번호 220100000001)"),
    ],
)
def test_the_applicants_notice_of_acceptance(lang, subject, body_part):
    template_subject, template_body = _MESSAGES[Status.ACCEPTED]
    with translation.override(lang):
        rendered = str(template_subject) % {"item": "最低生活保障"}
        body = str(template_body) % {"number": "220100000001"}
    assert rendered == subject, MISSING_MO
    assert body.startswith(body_part) and not HAN.search(body)
    with translation.override("zh-hans"):
        assert str(template_subject) % {"item": "X"} == "已受理：X"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "title", "station"),
    [
        ("ko", "마을에서 민원 처리", "마을 편민서비스소에서 대리 처리를 맡기세요"),
        ("en", "Services without leaving the village", "go to the village service station"),
    ],
)
def test_a_villager_whose_language_is_korean_or_english_gets_the_hub_in_it(
    cast, client_as, me, item, offline_item, lang, title, station
):
    cast.villager.language = lang
    cast.villager.save(update_fields=["language"])
    r = client_as("villager").get(reverse("servicedesk:villager_home"))
    assert r.status_code == 200 and r.headers["Content-Language"] == lang
    html = r.content.decode()
    assert title in html, MISSING_MO
    assert station in html
    # The Chinese source strings are gone; the item names are data and stay Chinese.
    assert "办事不出村" not in html and "请到村便民服务站代办" not in html
    assert "农村宅基地申请" in html


@pytest.mark.django_db
def test_without_a_choice_the_hub_stays_chinese(cast, client_as, me, item, offline_item):
    cast.villager.language = ""
    cast.villager.save(update_fields=["language"])
    html = client_as("villager").get(reverse("servicedesk:villager_home")).content.decode()
    assert "办事不出村" in html and "마을에서 민원 처리" not in html
