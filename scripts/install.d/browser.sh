#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the web frontend's browser tests
# (crates/todo/tests/web_browser/ drives them with fantoccini), and wrk for
# bench/web.sh. A test tool's own browser download cannot work on these machines;
# Debian's packages can.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
# Fonts, so screenshots show text rather than boxes on a minimal image.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
chromium --version
chromedriver --version
echo "browser.sh: installed ${need[*]}"
