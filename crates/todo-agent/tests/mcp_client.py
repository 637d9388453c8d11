"""Drives an MCP server with the official Python MCP SDK, for the Rust tests.

    mcp_client.py --http URL [--token TOKEN] --calls JSON
    mcp_client.py --stdio [--env K=V ...] --calls JSON -- COMMAND ARGS...

Initialises a session, lists the tools, makes each call in JSON (a list of
{"name", "arguments"}) and prints one JSON report on stdout:
{"server": name, "tools": [names], "results": [...]} where each result is
{"is_error", "text", "structured"} or {"exception": "..."} for a protocol error.
A failure to connect prints {"connect_error": "..."}.
"""

import argparse
import json
import sys

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


async def drive(session, calls):
    init = await session.initialize()
    tools = await session.list_tools()
    results = []
    for call in calls:
        try:
            r = await session.call_tool(call["name"], call.get("arguments") or {})
            text = "".join(getattr(c, "text", "") for c in r.content)
            results.append({"is_error": bool(r.is_error), "text": text, "structured": r.structured_content})
        except Exception as e:  # a protocol-level error answer
            results.append({"exception": f"{type(e).__name__}: {e}"})
    return {
        "server": init.server_info.name,
        "tools": [
            {
                "name": t.name,
                "schema": t.input_schema,
                "read_only": bool(t.annotations and t.annotations.read_only_hint),
                "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else None,
            }
            for t in tools.tools
        ],
        "results": results,
    }


def leaf_errors(e):
    if isinstance(e, BaseExceptionGroup):
        return [x for sub in e.exceptions for x in leaf_errors(sub)]
    return [f"{type(e).__name__}: {e}"]


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--http")
    p.add_argument("--token")
    p.add_argument("--stdio", action="store_true")
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--calls", default="[]")
    p.add_argument("command", nargs="*")
    a = p.parse_args()
    calls = json.loads(a.calls)
    try:
        with anyio.fail_after(60):
            if a.http:
                headers = {"Authorization": f"Bearer {a.token}"} if a.token else {}
                async with create_mcp_http_client(headers=headers) as client:
                    async with streamable_http_client(a.http, http_client=client) as (read, write):
                        async with ClientSession(read, write) as session:
                            report = await drive(session, calls)
            else:
                env = dict(kv.split("=", 1) for kv in a.env)
                params = StdioServerParameters(command=a.command[0], args=a.command[1:], env=env)
                async with stdio_client(params) as (read, write):
                    async with ClientSession(read, write) as session:
                        report = await drive(session, calls)
    except BaseException as e:  # noqa: BLE001 - report every failure to the test
        report = {"connect_error": "; ".join(leaf_errors(e))}
    print(json.dumps(report))


if __name__ == "__main__":
    anyio.run(main)
