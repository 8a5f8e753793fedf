"""Small PDF documents (receipts, certificates, minutes) that read right on any machine.

A document is built from blocks — a title, key–value rows, headings, paragraphs, tables and a QR
code — and rendered at the end with fpdf2. The text font is Noto Sans SC, and Noto Sans KR when the
document has Hangul (Noto Sans SC has none); both come from npm (see package.json) and are copied
to `VAR_DIR/fonts/` by scripts/build_assets.py. A subset of each font used is EMBEDDED in the PDF,
so a phone, a township printer or a county archive with no Chinese fonts shows the same page.

    doc = PdfDocument(_("受理回执"), size="A5", subtitle="榆树市闵家镇便民服务中心")
    doc.rows([(_("受理编号"), app.number), (_("事项"), app.item.name)])
    doc.paragraph(_("凭受理编号和手机号后四位查询办理进度。"))
    doc.qr(status_url, caption=_("扫码查询办理进度"))
    data: bytes = doc.render()

Loading a 10 MB CJK font costs about half a second, so only the fonts a document needs are loaded
(one regular weight; titles are drawn a little heavier with a stroke instead of a bold font).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TextMode, WrapMode, XPos, YPos

# fontTools logs every subsetting step at INFO (dozens of lines per PDF, glyph lists included).
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Font family name in the PDF -> file in the font folder.
FONT_FILES = {
    "NotoSansSC": "NotoSansSC-Regular.ttf",
    "NotoSansKR": "NotoSansKR-Regular.ttf",
}
MAIN_FONT = "NotoSansSC"
HANGUL_FONT = "NotoSansKR"

# Unicode blocks Noto Sans SC does not cover but Noto Sans KR does: Hangul Jamo, Hangul
# Compatibility Jamo, Jamo Extended-A, Hangul Syllables, Jamo Extended-B.
_HANGUL_RANGES = (
    (0x1100, 0x11FF),
    (0x3130, 0x318F),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7AF),
    (0xD7B0, 0xD7FF),
)

# Page sizes in millimetres, portrait. "A5" is the receipt size (half an A4 sheet).
PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
PageSize = Literal["A4", "A5"]

# Type sizes (pt) and margins (mm) per page size.
_STYLE = {
    "A4": {"margin": 18.0, "title": 18.0, "subtitle": 10.5, "heading": 12.5, "body": 10.5,
           "small": 8.5, "line": 1.55},
    "A5": {"margin": 12.0, "title": 15.0, "subtitle": 9.0, "heading": 10.5, "body": 9.0,
           "small": 7.5, "line": 1.5},
}  # fmt: skip

PT = 25.4 / 72  # millimetres per point
GREY = (95, 95, 95)
RULE = (190, 190, 190)
HEAD_FILL = (236, 239, 243)


class PdfFontMissing(ImproperlyConfigured):
    """The CJK font files have not been built into VAR_DIR/fonts/."""


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", Path(settings.VAR_DIR) / "fonts"))


def font_path(family: str) -> Path:
    path = font_dir() / FONT_FILES[family]
    if not path.is_file():
        raise PdfFontMissing(
            f"The PDF font {path} is missing, so no PDF with Chinese text can be made. Build it "
            "from the npm packages with `make assets` (that is: `npm ci` then "
            "`python scripts/build_assets.py`)."
        )
    return path


def needs_hangul_font(text: str) -> bool:
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _HANGUL_RANGES)


# --- blocks -----------------------------------------------------------------------------------


@dataclass
class _Heading:
    text: str


@dataclass
class _Rows:
    rows: list[tuple[str, str]]


@dataclass
class _Paragraph:
    text: str
    small: bool = False
    align: str = "L"


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None


@dataclass
class _Qr:
    data: str
    caption: str = ""
    size_mm: float | None = None


@dataclass
class _Space:
    mm: float


_Block = _Heading | _Rows | _Paragraph | _Table | _Qr | _Space


@dataclass
class PdfDocument:
    """Blocks in reading order; `render()` lays them out and returns the PDF's bytes.

    `lang` is the BCP 47 tag of the text ("zh-CN", "en", "ko"); Chinese text is wrapped between
    any two characters, other languages between words. `footer` is printed small on every page
    with the page number.
    """

    title: str
    size: PageSize = "A4"
    subtitle: str = ""
    lang: str = "zh-CN"
    footer: str = ""
    author: str = "村社通"
    created: datetime | None = None
    blocks: list[_Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.size not in PAGE_SIZES:
            raise ValueError(f"page size {self.size!r} is not one of {sorted(PAGE_SIZES)}")

    # Building -----------------------------------------------------------------------------

    def heading(self, text: str) -> PdfDocument:
        self.blocks.append(_Heading(str(text)))
        return self

    def rows(self, rows: Iterable[tuple[str, str]]) -> PdfDocument:
        """Label–value pairs, the label in a narrow grey column; empty values show as "—"."""
        self.blocks.append(
            _Rows([(str(k), str(v) if v not in (None, "") else "—") for k, v in rows])
        )
        return self

    def paragraph(self, text: str, *, small: bool = False, align: str = "L") -> PdfDocument:
        self.blocks.append(_Paragraph(str(text), small=small, align=align))
        return self

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        widths: Sequence[float] | None = None,
    ) -> PdfDocument:
        """A ruled table; the header repeats on every page it runs onto. `widths` are relative."""
        header = [str(h) for h in header]
        body = [["" if c is None else str(c) for c in row] for row in rows]
        if any(len(row) != len(header) for row in body):
            raise ValueError("every table row needs as many cells as the header")
        if widths is not None and len(widths) != len(header):
            raise ValueError("widths need one entry per column")
        self.blocks.append(_Table(header, body, list(widths) if widths else None))
        return self

    def qr(self, data: str, *, caption: str = "", size_mm: float | None = None) -> PdfDocument:
        """A QR code (drawn as vector squares, sharp at any print size) with a caption beside."""
        if not data:
            raise ValueError("a QR code needs data")
        self.blocks.append(_Qr(str(data), str(caption), size_mm))
        return self

    def space(self, mm: float) -> PdfDocument:
        self.blocks.append(_Space(mm))
        return self

    # Rendering ----------------------------------------------------------------------------

    def text(self) -> str:
        """All the text the document shows (to choose fonts; handy in tests)."""
        parts = [self.title, self.subtitle, self.footer]
        for b in self.blocks:
            if isinstance(b, _Heading | _Paragraph):
                parts.append(b.text)
            elif isinstance(b, _Rows):
                parts.extend(f"{k} {v}" for k, v in b.rows)
            elif isinstance(b, _Table):
                parts.extend(b.header)
                parts.extend(" ".join(r) for r in b.rows)
            elif isinstance(b, _Qr):
                parts.append(b.caption)
        return "\n".join(parts)

    def render(self) -> bytes:
        return bytes(_Renderer(self).run())


class _Renderer:
    def __init__(self, doc: PdfDocument) -> None:
        self.doc = doc
        self.style = _STYLE[doc.size]
        self.wrap = WrapMode.CHAR if doc.lang.lower().startswith("zh") else WrapMode.WORD
        pdf = _Pdf(doc, self.style, format=PAGE_SIZES[doc.size], unit="mm")
        self.pdf = pdf
        pdf.add_font(MAIN_FONT, "", font_path(MAIN_FONT))
        if needs_hangul_font(doc.text()):
            pdf.add_font(HANGUL_FONT, "", font_path(HANGUL_FONT))
            pdf.set_fallback_fonts([HANGUL_FONT], exact_match=False)
        m = self.style["margin"]
        pdf.set_margins(m, m, m)
        pdf.set_auto_page_break(True, margin=m + (6 if doc.footer else 0))
        pdf.set_title(doc.title)
        pdf.set_author(doc.author)
        pdf.set_creator("村社通 cunshe")
        pdf.set_lang(doc.lang)
        pdf.set_creation_date(doc.created or timezone.now())
        pdf.set_text_color(0, 0, 0)

    @property
    def width(self) -> float:
        return self.pdf.epw

    def line_h(self, size_pt: float) -> float:
        return size_pt * PT * self.style["line"]

    def run(self) -> bytearray:
        pdf = self.pdf
        pdf.add_page()
        self.title()
        for block in self.doc.blocks:
            getattr(self, "block_" + type(block).__name__.lstrip("_").lower())(block)
        return pdf.output()

    def text_block(self, text: str, size: float, *, align: str = "L", color=(0, 0, 0)) -> None:
        pdf = self.pdf
        pdf.set_font(MAIN_FONT, size=size)
        pdf.set_text_color(*color)
        pdf.multi_cell(
            0,
            self.line_h(size),
            text,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            wrapmode=self.wrap,
        )
        pdf.set_text_color(0, 0, 0)

    def title(self) -> None:
        pdf = self.pdf
        with self.heavy(0.18):
            self.text_block(self.doc.title, self.style["title"], align="C")
        if self.doc.subtitle:
            pdf.ln(0.5)
            self.text_block(self.doc.subtitle, self.style["subtitle"], align="C", color=GREY)
        pdf.ln(2)
        self.rule()
        pdf.ln(3)

    def heavy(self, stroke_mm: float):
        """Heavier text without a bold font (that would cost another 10 MB font to load): the
        glyphs are filled and outlined with a hairline. In a local context (q … Q), because
        fpdf2 does not switch the text mode back by itself."""
        return self.pdf.local_context(
            text_mode=TextMode.FILL_STROKE, line_width=stroke_mm, draw_color=(0, 0, 0)
        )

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.3)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + self.width, pdf.get_y())
        pdf.set_draw_color(0, 0, 0)

    def block_heading(self, b: _Heading) -> None:
        pdf = self.pdf
        pdf.ln(2)
        with self.heavy(0.12):
            self.text_block(b.text, self.style["heading"])
        pdf.ln(1)

    def block_paragraph(self, b: _Paragraph) -> None:
        size = self.style["small" if b.small else "body"]
        self.text_block(b.text, size, align=b.align, color=GREY if b.small else (0, 0, 0))
        self.pdf.ln(1.5)

    def block_space(self, b: _Space) -> None:
        self.pdf.ln(b.mm)

    def block_rows(self, b: _Rows) -> None:
        pdf = self.pdf
        size = self.style["body"]
        pdf.set_font(MAIN_FONT, size=size)
        pad = 1.2
        # The label column fits the longest label, within a quarter to two fifths of the page.
        longest = max((pdf.get_string_width(k) for k, _ in b.rows), default=0)
        label_w = min(max(longest + 2 * pad + 1, self.width * 0.25), self.width * 0.4)
        with pdf.table(
            col_widths=(label_w, self.width - label_w),
            width=self.width,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            text_align=("LEFT", "LEFT"),
            line_height=self.line_h(size),
            padding=(pad, pad, pad, pad),
            wrapmode=self.wrap,
            v_align="TOP",
        ) as table:
            pdf.set_draw_color(*RULE)
            pdf.set_line_width(0.2)
            for key, value in b.rows:
                row = table.row()
                row.cell(key, style=FontFace(color=GREY))
                row.cell(value)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(2)

    def block_table(self, b: _Table) -> None:
        pdf = self.pdf
        size = self.style["body"]
        pdf.set_font(MAIN_FONT, size=size)
        widths = b.widths or [1.0] * len(b.header)
        total = float(sum(widths))
        col_widths = tuple(self.width * w / total for w in widths)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        with pdf.table(
            col_widths=col_widths,
            width=self.width,
            headings_style=FontFace(emphasis=None, fill_color=HEAD_FILL),
            text_align="LEFT",
            line_height=self.line_h(size),
            padding=1.2,
            wrapmode=self.wrap,
            v_align="TOP",
        ) as table:
            table.row(b.header)
            for cells in b.rows:
                table.row(cells)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(2)

    def block_qr(self, b: _Qr) -> None:
        pdf = self.pdf
        qr = segno.make(b.data, error="m", micro=False)
        quiet = 2  # modules of white around the code (the caption side has more room)
        modules = len(qr.matrix) + 2 * quiet
        side = b.size_mm or (32.0 if self.doc.size == "A5" else 38.0)
        if pdf.get_y() + side > pdf.page_break_trigger:
            pdf.add_page()
        x0, y0 = pdf.l_margin, pdf.get_y()
        module = side / modules
        pdf.set_fill_color(0, 0, 0)
        for r, line in enumerate(qr.matrix):
            c = 0
            while c < len(line):
                if line[c]:
                    start = c
                    while c < len(line) and line[c]:
                        c += 1
                    pdf.rect(
                        x0 + (quiet + start) * module,
                        y0 + (quiet + r) * module,
                        (c - start) * module + 0.01,  # overlap a hair: no hairline gaps
                        module + 0.01,
                        style="F",
                    )
                else:
                    c += 1
        if b.caption:
            size = self.style["small"] + 0.5
            pdf.set_font(MAIN_FONT, size=size)
            pdf.set_text_color(*GREY)
            pdf.set_xy(x0 + side + 2, y0 + quiet * module)
            pdf.multi_cell(
                self.width - side - 2,
                self.line_h(size),
                b.caption,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
                wrapmode=self.wrap,
            )
            pdf.set_text_color(0, 0, 0)
        pdf.set_xy(pdf.l_margin, y0 + side)
        pdf.ln(1)


class _Pdf(FPDF):
    """FPDF with the document's footer (text and page number) on every page."""

    def __init__(self, doc: PdfDocument, style: dict[str, float], **kwargs) -> None:
        super().__init__(**kwargs)
        self._doc = doc
        self._style = style

    def footer(self) -> None:
        if not self._doc.footer:
            return
        self.set_y(-self._style["margin"])
        self.set_font(MAIN_FONT, size=self._style["small"])
        self.set_text_color(*GREY)
        self.cell(
            0,
            self._style["small"] * PT * 1.4,
            f"{self._doc.footer}    {self.page_no()}/{{nb}}",
            align="C",
        )
        self.set_text_color(0, 0, 0)
