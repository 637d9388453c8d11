"""Turns `wrk --latency` output into JSON: requests/s, p50/p90/p99 in ms, errors."""
import json
import re
import sys

text = sys.stdin.read()


def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


out = {}
m = re.search(r"Requests/sec:\s+([\d.]+)", text)
out["requests_per_sec"] = float(m.group(1)) if m else None
m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
out["requests"] = int(m.group(1)) if m else None
for pct in ("50", "75", "90", "99"):
    m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    out[f"p{pct}_ms"] = round(ms(*m.groups()), 3) if m else None
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
out["non_2xx"] = int(m.group(1)) if m else 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
out["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
json.dump(out, sys.stdout)
