#!/usr/bin/env bash
# System packages dealdocs needs beside Python ones.
#
#   bash scripts/setup-system.sh render   what `dealdocs render` needs: Pango (libpango-1.0-0,
#                                         libpangoft2-1.0-0), which WeasyPrint loads from the
#                                         system to lay out PDFs; HarfBuzz's subsetter
#                                         (libharfbuzz-subset0), with which WeasyPrint embeds the
#                                         same font subset, hence the same PDF bytes, everywhere;
#                                         and python3-venv where Python lacks ensurepip (Debian).
#   bash scripts/setup-system.sh          the above, and what the test suite needs: qpdf (PDF
#                                         structure check), poppler-utils (pdftoppm, to look at
#                                         pages), LibreOffice Writer (opens the DOCX outputs).
#
# Installs what is missing when run as root on Debian/Ubuntu; otherwise lists it and exits 1.
# Idempotent: installs only what is missing.
set -euo pipefail

mode=${1:-all}
case "$mode" in
  render | all) ;;
  *) echo "usage: bash scripts/setup-system.sh [render]" >&2; exit 2 ;;
esac

needed=()
if command -v dpkg >/dev/null; then
  for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
    dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
  done
else  # not Debian: look for the libraries themselves
  for library in pango-1.0 pangoft2-1.0; do
    python3 -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('$library'))" 2>/dev/null || needed+=("$library (Pango)")
  done
fi
python3 -c "import ensurepip" 2>/dev/null || needed+=(python3-venv)
if [ "$mode" = all ]; then
  command -v qpdf >/dev/null || needed+=(qpdf)
  command -v pdftoppm >/dev/null || needed+=(poppler-utils)
  command -v soffice >/dev/null || needed+=(libreoffice-writer-nogui)
fi
[ ${#needed[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "dealdocs: please install these system packages: ${needed[*]}" >&2
  exit 1
fi
echo "dealdocs: installing ${needed[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
