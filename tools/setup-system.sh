#!/usr/bin/env bash
# Installs the system programs the tests need and pip cannot provide:
# LibreOffice (Calc, Impress) to open the files we write as a user's office suite would;
# Chromium (headless) and npm, to check the HTML report with axe-core as a browser shows it
# (axe-core itself is installed by `make test` with npm into tools/node_modules, pinned by tools/package-lock.json);
# DejaVu Sans, the report's font, for the browser's screenshots.
# Debian/Ubuntu only; run as root (CI) or with passwordless sudo.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc libreoffice-impress)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "Programmen ${need[*]} saknas och kan inte installeras utan root (apt-get). Installera dem och kör igen." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
}
echo "Installerade ${need[*]}."
