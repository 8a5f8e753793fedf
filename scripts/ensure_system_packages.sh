#!/usr/bin/env bash
# Debian packages the platform needs on a fresh machine: gettext (msgfmt, to compile the
# translations), poppler-utils (pdffonts/pdftoppm: the PDF tests check the embedded fonts and
# render pages), Chromium (browser tests) and the Noto CJK fonts (Chinese/Korean in browser
# screenshots; PDFs embed their own fonts from npm, see scripts/build_assets.py).
# Installs only what is missing, and only when it can (root + apt-get).
set -euo pipefail
want=()
command -v msgfmt >/dev/null 2>&1 || want+=(gettext)
command -v pdftoppm >/dev/null 2>&1 || want+=(poppler-utils)
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
fi
[ -d /usr/share/fonts/opentype/noto ] || want+=(fonts-noto-cjk)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${want[*]} (install them with your package manager)." >&2
  exit 1
fi
echo "Installing system packages: ${want[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
