#!/usr/bin/env bash
# schemathesis (PyPI) in its own venv under $TODO_CACHE_DIR, for the API fuzz test
# (crates/todo/tests/schemathesis.rs): it drives a running `todo api` from its /openapi.json.
# Its own venv, so its pins never fight the MCP SDK's. Idempotent.
set -euo pipefail

CACHE="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}"
VENV="$CACHE/schemathesis-venv"
SPEC="${SCHEMATHESIS_VERSION_SPEC:-schemathesis==4.32.5}"
want="${SPEC#schemathesis==}"

if [ -x "$VENV/bin/schemathesis" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" = "$want" ]; then
    exit 0
fi

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
fi

mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$SPEC"
"$VENV/bin/schemathesis" --version
echo "schemathesis.sh: installed in $VENV"
