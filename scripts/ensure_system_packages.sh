#!/usr/bin/env bash
# Debian packages the platform needs on a fresh machine: gettext (msgfmt, to compile the
# translations), Chromium (browser tests) and the Noto CJK fonts (Chinese/Korean in PDFs and
# screenshots). Installs only what is missing, and only when it can (root + apt-get).
set -euo pipefail
want=()
command -v msgfmt >/dev/null 2>&1 || want+=(gettext)
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
