#!/usr/bin/env bash
# Installs wrk (Debian's package), the load generator of bench/api.sh.
set -euo pipefail

command -v wrk >/dev/null 2>&1 && exit 0

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wrk >/dev/null
echo "bench.sh: installed $(wrk --version 2>&1 | head -1)"
