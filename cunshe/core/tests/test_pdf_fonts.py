"""PDFs carry their own CJK fonts: they read right on a machine with no Chinese or Korean fonts.

The pages are rasterised with poppler's pdftoppm under a fontconfig that sees NO fonts at all, so
any text whose font is not embedded in the PDF comes out blank. A control strips the embedded
font from the same PDF and shows that the page then does come out blank — the rendering checks
cannot pass by accident (e.g. through a system font such as fonts-noto-cjk).

The helpers here (`render_without_system_fonts`, `embedded_fonts`, `dark_pixels`) are also used by
the receipt tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from cunshe.core.pdf import PdfDocument

PDFTOPPM = shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    PDFTOPPM is None,
    reason="pdftoppm missing: install poppler-utils (scripts/ensure_system_packages.sh does)",
)

_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{empty}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def fontless_env(tmp: Path) -> dict[str, str]:
    """Environment for poppler in which fontconfig knows no fonts (one empty font folder)."""
    (tmp / "no-fonts").mkdir(exist_ok=True)
    (tmp / "fc-cache").mkdir(exist_ok=True)
    conf = tmp / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(empty=tmp / "no-fonts", cache=tmp / "fc-cache"))
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp),
            "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp)}  # fmt: skip


def render_without_system_fonts(pdf: bytes, tmp: Path, *, dpi: int = 100) -> list[Image.Image]:
    """Every page of `pdf` as a greyscale image, rendered where no system font exists."""
    src = tmp / "doc.pdf"
    src.write_bytes(pdf)
    for old in tmp.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        [PDFTOPPM or "pdftoppm", "-png", "-r", str(dpi), str(src), str(tmp / "page")],
        env=fontless_env(tmp),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return [Image.open(p).convert("L") for p in sorted(tmp.glob("page-*.png"))]


def dark_pixels(image: Image.Image, box: tuple[float, float, float, float]) -> int:
    """Pixels darker than mid-grey inside `box`, given as fractions (left, top, right, bottom)."""
    w, h = image.size
    crop = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return sum(crop.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def embedded_fonts(pdf: bytes, tmp: Path) -> list[dict[str, str]]:
    """Fonts of the PDF as pdffonts lists them (name, emb, sub); from the raw bytes without it."""
    pdffonts = shutil.which("pdffonts")
    if pdffonts:
        src = tmp / "fonts.pdf"
        src.write_bytes(pdf)
        out = subprocess.run(
            [pdffonts, str(src)], check=True, capture_output=True, text=True, timeout=30
        ).stdout.splitlines()
        fonts = []
        for line in out[2:]:
            cols = line.split()
            # name type... encoding emb sub uni object-id generation
            fonts.append({"name": cols[0], "emb": cols[-5], "sub": cols[-4]})
        return fonts
    # Without poppler: a subset font is named XXXXXX+Family, and an embedded TrueType font's
    # descriptor points at its program with /FontFile2.
    names = re.findall(rb"/BaseFont /([A-Z]{6}\+[A-Za-z0-9-]+)", pdf)
    embedded = b"/FontFile2" in pdf
    return [
        {"name": n.decode(), "emb": "yes" if embedded else "no", "sub": "yes"}
        for n in dict.fromkeys(names)
    ]


def unembed(pdf: bytes) -> bytes:
    """The same PDF with its font programs unhooked (same length, so the xref stays valid)."""
    assert b"/FontFile2" in pdf
    return pdf.replace(b"/FontFile2", b"/FontFileX")


TITLE_BAND = (0.05, 0.04, 0.95, 0.13)  # where an A5 page's title sits


def title_page(title: str) -> bytes:
    return PdfDocument(title, size="A5").paragraph("1").render()


def test_the_cjk_font_is_embedded_as_a_subset(tmp_path):
    pdf = PdfDocument("受理回执", size="A5").rows([("事项", "最低生活保障申请")]).render()
    fonts = embedded_fonts(pdf, tmp_path)
    assert [f["name"].split("+", 1)[1] for f in fonts] == ["NotoSansSC"]
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts), fonts
    # A subset: the whole 10 MB font is not in there.
    assert len(pdf) < 100_000


def test_korean_text_brings_the_korean_font_and_only_then(tmp_path):
    korean = PdfDocument("접수 확인증", size="A5").rows([("사항", "최저생활보장 신청")]).render()
    names = sorted(f["name"].split("+", 1)[1] for f in embedded_fonts(korean, tmp_path))
    assert names == ["NotoSansKR", "NotoSansSC"]
    assert all(f["emb"] == "yes" for f in embedded_fonts(korean, tmp_path))
    chinese = PdfDocument("受理回执", size="A5").render()
    assert "NotoSansKR" not in str(embedded_fonts(chinese, tmp_path))


@needs_poppler
def test_the_render_environment_really_has_no_fonts(tmp_path):
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.skip("fc-list missing")
    listed = subprocess.run(
        [fc_list], env=fontless_env(tmp_path), capture_output=True, text=True, timeout=30
    ).stdout
    assert listed.strip() == ""


@needs_poppler
@pytest.mark.parametrize(
    ("first", "second"),
    [("受理回执", "办理进度"), ("접수 확인증", "처리 현황")],
    ids=["chinese", "korean"],
)
def test_titles_render_without_system_fonts(tmp_path, first, second):
    [page] = render_without_system_fonts(title_page(first), tmp_path)
    inked = dark_pixels(page, TITLE_BAND)
    assert inked > 150, f"the title {first!r} left only {inked} dark pixels"
    # Different characters draw differently: the glyphs are real, not a row of .notdef boxes.
    [other] = render_without_system_fonts(title_page(second), tmp_path)
    w, h = page.size
    band = (int(0.05 * w), int(0.04 * h), int(0.95 * w), int(0.13 * h))
    assert page.crop(band).tobytes() != other.crop(band).tobytes()


@needs_poppler
def test_without_the_embedded_font_the_same_page_is_blank(tmp_path):
    """The control: unhook the embedded font and nothing can draw the title any more."""
    pdf = title_page("受理回执")
    [with_font] = render_without_system_fonts(pdf, tmp_path)
    [without] = render_without_system_fonts(unembed(pdf), tmp_path)
    assert dark_pixels(with_font, TITLE_BAND) > 150
    assert dark_pixels(without, TITLE_BAND) == 0
