#!/usr/bin/env python3
"""Copy the front-end files the pages use from node_modules/ into var/vendor/vendor/.

The packages come from the npm registry, pinned in package.json and package-lock.json, and are
installed with `npm ci`. Only the built files the templates load are copied (never whole
packages), each with a gzip twin so that WhiteNoise sends villagers' phones the small version
even before `collectstatic` runs. Nothing here is committed: var/ is rebuilt at set-up.

The CJK fonts PDFs embed (receipts, certificates, minutes) go to var/fonts/ instead: they are
read by the server, not sent to browsers, so they stay out of the static folder.

Usage: python scripts/build_assets.py   (after `npm ci`)
"""

from __future__ import annotations

import gzip
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
OUT = ROOT / "var" / "vendor" / "vendor"

# (source under node_modules, destination under var/vendor/vendor)
FILES: list[tuple[str, str]] = [
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"),
    (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
    ),
    (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
    ),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
]

# Villager pages must not download the 130 KB icon font, so the few icons they show are put in
# one small SVG sprite. Add a name here when a villager page needs another icon.
SPRITE_ICONS = [
    "arrow-left",
    "award",
    "bell",
    "box-arrow-right",
    "calendar-check",
    "calendar-event",
    "camera",
    "chat-dots",
    "check2-circle",
    "chevron-right",
    "clipboard-check",
    "clock",
    "exclamation-triangle",
    "eye",
    "file-earmark-text",
    "gear",
    "geo-alt",
    "gift",
    "globe",
    "hand-index",
    "hand-thumbs-up",
    "heart",
    "house",
    "house-heart",
    "info-circle",
    "journal-text",
    "key",
    "list",
    "megaphone",
    "patch-check",
    "pen",
    "people",
    "person",
    "person-circle",
    "person-heart",
    "qr-code",
    "qr-code-scan",
    "question-circle",
    "search",
    "shield-lock",
    "shop",
    "star",
    "telephone",
    "translate",
    "ui-checks",
    "x-lg",
]

# PDF fonts (cunshe/core/pdf.py embeds a subset of each in every PDF, so a PDF reads right on a
# machine without Chinese fonts). Noto Sans SC has no Hangul syllables, so Noto Sans KR is the
# fallback for Korean-speaking villagers. (source under node_modules, destination in FONT_OUT)
FONT_OUT = ROOT / "var" / "fonts"
FONT_FILES: list[tuple[str, str]] = [
    (
        "@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
        "NotoSansSC-Regular.ttf",
    ),
    (
        "@expo-google-fonts/noto-sans-kr/400Regular/NotoSansKR_400Regular.ttf",
        "NotoSansKR-Regular.ttf",
    ),
    ("@expo-google-fonts/noto-sans-sc/LICENSE_FONT", "OFL.txt"),
]

COMPRESSIBLE = {".css", ".js", ".svg"}  # the fonts are compressed already

# The source maps are not copied, so their references go too: collectstatic's manifest storage
# refuses a file that names a map it cannot find, and browsers would ask for it in vain.
SOURCE_MAP_REF = re.compile(rb"\n?(?://|/\*)# sourceMappingURL=[^\n]*?(?:\*/)?[ \t]*(?=\n|$)")


def fail(message: str) -> None:
    print(f"build_assets: {message}", file=sys.stderr)
    sys.exit(1)


def write_gzip_twin(path: Path) -> None:
    if path.suffix not in COMPRESSIBLE:
        return
    data = path.read_bytes()
    # mtime=0 keeps the output byte-identical between builds.
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def build_sprite() -> Path:
    symbols = []
    for name in SPRITE_ICONS:
        src = NODE_MODULES / "bootstrap-icons" / "icons" / f"{name}.svg"
        if not src.exists():
            fail(f"icon {name!r} is not in bootstrap-icons; fix SPRITE_ICONS in {__file__}.")
        svg = src.read_text()
        view_box = re.search(r'viewBox="([^"]+)"', svg)
        body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S)
        if not (view_box and body):
            fail(f"cannot read {src}")
        inner = " ".join(body.group(1).split())
        symbols.append(f'<symbol id="{name}" viewBox="{view_box.group(1)}">{inner}</symbol>')
    dest = OUT / "bootstrap-icons" / "sprite.svg"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n",
        encoding="utf-8",
    )
    return dest


def main() -> None:
    if not (NODE_MODULES / ".package-lock.json").exists():
        fail(
            f"{NODE_MODULES} is missing or incomplete. Run `npm ci` in {ROOT} first "
            "(it installs the exact versions in package-lock.json from the npm registry)."
        )
    missing = [src for src, _ in FILES + FONT_FILES if not (NODE_MODULES / src).exists()]
    if missing:
        fail(
            "these files are missing from node_modules (is package-lock.json in step with "
            "package.json? run `npm ci`): " + ", ".join(missing)
        )
    if OUT.exists():
        shutil.rmtree(OUT)  # drop files a previous version copied but this one no longer needs
    written: list[Path] = []
    for src, dest in FILES:
        target = OUT / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (NODE_MODULES / src).read_bytes()
        if target.suffix in {".css", ".js"}:
            data = SOURCE_MAP_REF.sub(b"", data)
        target.write_bytes(data)
        written.append(target)
    written.append(build_sprite())
    for path in written:
        write_gzip_twin(path)
    total = sum(p.stat().st_size for p in written)
    print(f"build_assets: {len(written)} files ({total // 1024} KB) in {OUT}")
    FONT_OUT.mkdir(parents=True, exist_ok=True)
    for src, dest in FONT_FILES:
        shutil.copyfile(NODE_MODULES / src, FONT_OUT / dest)
    print(f"build_assets: {len(FONT_FILES)} font files in {FONT_OUT}")


if __name__ == "__main__":
    main()
