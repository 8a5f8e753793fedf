"""The acceptance receipt (受理回执) as a PDF: what it says, what it never says, the QR code's
target, the applicant's language, and that it reads right on a machine without CJK fonts."""

from __future__ import annotations

import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import formats, timezone, translation

from cunshe.core.pdf import PdfDocument
from cunshe.core.tests.test_pdf_fonts import (
    dark_pixels,
    embedded_fonts,
    needs_poppler,
    render_without_system_fonts,
    unembed,
)
from cunshe.core.workdays import add_working_days
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.receipts import NotAccepted, acceptance_receipt_pdf, status_link
from cunshe.servicedesk.services import applications as svc
from cunshe.servicedesk.tests.factories import act, make_item

# The fixtures (accepted, submitted, person, item, fresh_cache) come with this import.
from cunshe.servicedesk.tests.status_fixtures import *  # noqa: F403
from cunshe.servicedesk.tests.status_fixtures import PHONE

pytestmark = pytest.mark.django_db
STATUS_URL = "https://cunshe.example.gov.cn/desk/status/"


def text_of(pdf: bytes, tmp_path) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext missing: install poppler-utils")
    src = tmp_path / "r.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([pdftotext, str(src), "-"], check=True, capture_output=True, text=True)
    return out.stdout


@pytest.fixture
def qr_data(monkeypatch):
    """What the receipt puts into its QR code."""
    seen: list[str] = []
    original = PdfDocument.qr

    def spy(self, data, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(data)
        return original(self, data, **kwargs)

    monkeypatch.setattr(PdfDocument, "qr", spy)
    return seen


@needs_poppler
def test_the_receipt_says_what_was_accepted_by_whom_and_by_when(accepted, person, tmp_path):
    text = text_of(acceptance_receipt_pdf(accepted, status_url=STATUS_URL), tmp_path)
    flat = "".join(text.split())
    accepted_on = timezone.localtime(accepted.accepted_at).date()
    due = add_working_days(accepted_on, 5)
    for expected in (
        "受理回执",
        accepted.number,
        "最低生活保障申请",
        "张桂兰",
        "220182********" + person.id_number[-4:],  # masked
        "代办",
        "榆树市闵家镇（乡镇级）",
        f"5个工作日，{due.year}年{due.month}月{due.day}日前办结",
        "township_officer",  # the officer who accepted (the cast's display name)
        "委托书",
        "居民身份证",
        "户口簿",
        f"{STATUS_URL}?n={accepted.number}",
    ):
        assert expected.replace(" ", "") in flat, expected
    # Never the full ID number, never the phone number (not even its last four digits).
    assert person.id_number not in flat
    assert PHONE not in flat and PHONE[-4:] not in flat.replace(person.id_number[-4:], "")


def test_the_qr_code_opens_the_status_page_with_the_number_only(accepted, qr_data):
    acceptance_receipt_pdf(accepted, status_url=STATUS_URL + "?n=OTHER&phone=1234")
    [data] = qr_data
    parts = urlsplit(data)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "cunshe.example.gov.cn",
                                                        "/desk/status/")  # fmt: skip
    assert parse_qs(parts.query) == {"n": [accepted.number]}
    assert PHONE[-4:] not in data


def test_a_relative_status_url_is_refused():
    with pytest.raises(ValueError, match="absolute"):
        status_link("/desk/status/", "ABCDEFGHJKMN")


def test_no_receipt_before_acceptance(submitted):
    with pytest.raises(NotAccepted):
        acceptance_receipt_pdf(submitted, status_url=STATUS_URL)


def test_no_receipt_after_a_reroute_to_another_unit_until_accepted_again(cast, accepted):
    other = make_item("T-009", name="临时救助", level="county")
    officer = cast.township_officer
    app = svc.application_reroute(
        actor=officer, jurisdiction=jurisdiction_of(officer), application=accepted,
        reason="应由县民政办理", item=other,
    )  # fmt: skip
    with pytest.raises(NotAccepted):
        acceptance_receipt_pdf(app, status_url=STATUS_URL)
    app = act(cast, app, "accept", by="county_civil")
    assert acceptance_receipt_pdf(app, status_url=STATUS_URL).startswith(b"%PDF-")


def test_a_reroute_within_the_unit_keeps_the_acceptance_and_its_receipt(cast, accepted):
    other = make_item("T-010", name="临时救助", level="township")
    officer = cast.township_officer
    app = svc.application_reroute(
        actor=officer, jurisdiction=jurisdiction_of(officer), application=accepted,
        reason="事项选错", item=other,
    )  # fmt: skip
    assert acceptance_receipt_pdf(app, status_url=STATUS_URL).startswith(b"%PDF-")


@needs_poppler
@pytest.mark.parametrize(
    ("language", "label", "date_word"),
    [("ko", "신분증 번호", "년"), ("en", "ID card number", ", 20")],
)
def test_the_receipt_is_in_the_applicant_s_language(
    cast, accepted, language, label, date_word, tmp_path
):
    cast.villager.language = language
    cast.villager.save(update_fields=["language"])
    accepted.applicant.refresh_from_db()
    before = translation.get_language()
    pdf = acceptance_receipt_pdf(accepted, status_url=STATUS_URL)
    assert translation.get_language() == before  # the override ended with the receipt
    text = " ".join(text_of(pdf, tmp_path).split())
    assert label in text
    with translation.override(language):
        accepted_at = formats.date_format(
            timezone.localtime(accepted.accepted_at), "DATETIME_FORMAT"
        )
    assert accepted_at in text and date_word in accepted_at
    fonts = {f["name"].split("+", 1)[1] for f in embedded_fonts(pdf, tmp_path)}
    assert ("NotoSansKR" in fonts) == (language == "ko")


@needs_poppler
def test_the_receipt_reads_right_without_chinese_fonts(accepted, tmp_path):
    pdf = acceptance_receipt_pdf(accepted, status_url=STATUS_URL)
    assert all(f["emb"] == "yes" for f in embedded_fonts(pdf, tmp_path))
    [page] = render_without_system_fonts(pdf, tmp_path)
    title_band = (0.3, 0.04, 0.7, 0.1)
    rows_band = (0.08, 0.15, 0.92, 0.45)
    assert dark_pixels(page, title_band) > 150
    assert dark_pixels(page, rows_band) > 1500
    # The control: without its embedded font the same receipt shows no text at all.
    [blank] = render_without_system_fonts(unembed(pdf), tmp_path)
    assert dark_pixels(blank, title_band) == 0
    assert dark_pixels(blank, rows_band) == 0
