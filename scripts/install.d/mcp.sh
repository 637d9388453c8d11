#!/usr/bin/env bash
# Installs the official Python MCP SDK into the project venv. The MCP tests of
# todo-agent/todo drive `todo mcp` (stdio) and `/mcp` (streamable HTTP) with it,
# because a real third-party client is the honest check of protocol conformance.
set -euo pipefail

CACHE="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}"
VENV="$CACHE/venv"
MCP_VERSION_SPEC="${MCP_VERSION_SPEC:-mcp>=2.3,<3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import mcp.client.stdio, mcp.client.streamable_http, mcp.shared._httpx_utils' 2>/dev/null; then
    exit 0
fi

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
fi

mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MCP_VERSION_SPEC"
"$VENV/bin/python" -c 'import mcp.client.stdio, mcp.client.streamable_http'
echo "mcp.sh: Python MCP SDK installed in $VENV"
