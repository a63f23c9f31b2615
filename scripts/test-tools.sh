#!/usr/bin/env bash
# The system tools the tests use, installed with apt-get when missing (npm's pretest and CI run
# this). One line per need: "command:NAME" or "file:PATH", then the Debian package that brings it.
# Add a line for a new tool (chromium, zbar-tools…); nothing else changes.
set -euo pipefail

NEEDS=(
  "command:pdfinfo poppler-utils"   # pdfinfo, pdffonts, pdfimages, pdftotext, pdftoppm: preflight
  "command:qpdf qpdf"               # qpdf --check: PDF structure
  "file:/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf fonts-droid-fallback" # CJK names
  "command:zbarimg zbar-tools"      # zbarimg: QR codes decoded as a phone reads them
  "command:curl curl"               # the README's walkthrough, run as written by its test
  "command:jq jq"                   # the same walkthrough reads ids from the answers with jq
  "file:/usr/share/color/icc/ghostscript/default_cmyk.icc libgs-common" # ICC profiles: output intents, CMYK photos
  "command:chromium chromium"       # the console's browser tests (playwright-core drives it)
)

missing=()
for need in "${NEEDS[@]}"; do
  what=${need%% *}
  package=${need#* }
  case $what in
    command:*) command -v "${what#command:}" >/dev/null 2>&1 || missing+=("$package") ;;
    file:*) [ -e "${what#file:}" ] || missing+=("$package") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    as_root=none
  fi
  if [ "${as_root[*]-}" != none ]; then
    echo "test tools: installing ${missing[*]} (apt-get)" >&2
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
  fi
fi

cat >&2 <<MSG
The tests need these system packages, which are missing: ${missing[*]}
Install them and run the tests again, for example:
  sudo apt-get install -y ${missing[*]}
(On macOS: brew install poppler qpdf, and a CJK font for the CJK tests.)
MSG
exit 1
