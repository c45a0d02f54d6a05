#!/usr/bin/env bash
# System packages the test suite needs beside Python ones: qpdf (PDF structure check),
# poppler-utils (pdftoppm, to look at pages), LibreOffice Writer (opens the DOCX outputs),
# HarfBuzz's subsetter (WeasyPrint's font subsetting). Pango, which WeasyPrint needs to
# render at all, is on the base image. Idempotent: installs only what is missing.
set -euo pipefail

needed=()
command -v qpdf >/dev/null || needed+=(qpdf)
command -v pdftoppm >/dev/null || needed+=(poppler-utils)
command -v soffice >/dev/null || needed+=(libreoffice-writer-nogui)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || needed+=(libharfbuzz-subset0)
[ ${#needed[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "dealdocs: please install these system packages: ${needed[*]}" >&2
  exit 1
fi
echo "dealdocs: installing ${needed[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
