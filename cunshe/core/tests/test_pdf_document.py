"""The shared PDF renderer: page sizes, blocks, the QR code as printed, and its refusals."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import segno
from django.test import override_settings

from cunshe.core.pdf import PdfDocument, PdfFontMissing, needs_hangul_font
from cunshe.core.tests.test_pdf_fonts import needs_poppler, render_without_system_fonts

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes, tmp_path) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext missing: install poppler-utils")
    src = tmp_path / "t.pdf"
    src.write_bytes(pdf)
    return subprocess.run(
        [PDFTOTEXT, "-layout", str(src), "-"], check=True, capture_output=True, text=True
    ).stdout


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(w)), round(float(h)))
        for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    ]


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("A5", (420, 595))])
def test_page_sizes(size, points):
    pdf = PdfDocument("会议记录", size=size).paragraph("正文").render()
    assert pdf.startswith(b"%PDF-")
    assert set(media_boxes(pdf)) == {points}


def test_an_unknown_page_size_is_refused():
    with pytest.raises(ValueError, match="page size"):
        PdfDocument("x", size="Letter")  # type: ignore[arg-type]


def test_a_table_row_must_match_the_header():
    doc = PdfDocument("x")
    with pytest.raises(ValueError, match="as many cells"):
        doc.table(["材料", "份数"], [["身份证"]])
    with pytest.raises(ValueError, match="widths"):
        doc.table(["材料", "份数"], [["身份证", "1"]], widths=[1, 2, 3])
    assert doc.blocks == []


def test_a_missing_font_says_how_to_build_it(tmp_path):
    with (
        override_settings(PDF_FONT_DIR=tmp_path),
        pytest.raises(PdfFontMissing, match="make assets"),
    ):
        PdfDocument("受理回执").render()


def test_hangul_detection():
    assert needs_hangul_font("연변")
    assert not needs_hangul_font("延边朝鲜族自治州 Yanbian")


@needs_poppler
def test_every_block_reads_back_as_text(tmp_path):
    doc = PdfDocument("志愿服务证明", subtitle="闵家村志愿服务队", footer="村社通")
    doc.rows([("姓名", "王建国"), ("时长", "12 小时"), ("备注", "")])
    doc.heading("服务记录")
    doc.table(["日期", "内容", "小时"], [["2026-03-01", "清扫村道", "3"]], widths=[2, 5, 1])
    doc.paragraph("特此证明。")
    text = pdf_text(doc.render(), tmp_path)
    for piece in ("志愿服务证明", "闵家村志愿服务队", "姓名", "王建国", "服务记录", "清扫村道",
                  "特此证明。", "—", "1/1"):  # fmt: skip
        assert piece in text, piece


@needs_poppler
def test_a_long_table_repeats_its_header_and_numbers_the_pages(tmp_path):
    doc = PdfDocument("签到表", size="A5", footer="村民代表会议")
    doc.table(["序号", "姓名"], [[str(i), f"村民{i}"] for i in range(1, 80)])
    pdf = doc.render()
    text = pdf_text(pdf, tmp_path)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    assert all("序号" in p for p in pages)
    assert f"2/{len(pages)}" in pages[1]
    assert "村民79" in text


@needs_poppler
def test_the_printed_qr_code_is_the_one_asked_for(tmp_path):
    """Read the QR code back from the rendered page, module by module."""
    url = "https://cunshe.example.gov.cn/desk/status/?n=7KQ2M9XH4PTA"
    pdf = PdfDocument("受理回执", size="A5").qr(url, caption="扫码查询").render()
    [page] = render_without_system_fonts(pdf, tmp_path, dpi=300)
    w, h = page.size
    # Below the title only the code is black (the caption is grey, the rule light grey).
    below = page.crop((0, int(0.11 * h), int(0.5 * w), h)).point(lambda v: 255 if v < 80 else 0)
    left, top, right, bottom = below.getbbox()
    expected = segno.make(url, error="m", micro=False).matrix
    n = len(expected)
    step_x, step_y = (right - left) / n, (bottom - top) / n
    assert abs(step_x - step_y) < 0.5
    read = [
        [below.getpixel((int(left + (c + 0.5) * step_x), int(top + (r + 0.5) * step_y))) == 255
         for c in range(n)]
        for r in range(n)
    ]  # fmt: skip
    assert read == [[bool(v) for v in row] for row in expected]


def test_empty_qr_data_is_refused():
    with pytest.raises(ValueError, match="QR"):
        PdfDocument("x").qr("")
