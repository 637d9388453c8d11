#!/usr/bin/env bash
# Benchmarks the web frontend's main page, on loopback only:
#   1. builds the release binary and starts `todo serve` (API + web in one process,
#      embedded SQLite) in a temporary data directory,
#   2. creates a user with 200 tasks through the API and logs in through the web form,
#   3. runs wrk (fixed duration, --latency) on GET /tasks with that session cookie: every
#      request opens the sealed cookie, calls the API over loopback (tasks, conversations)
#      and renders the full page. Two passes: latency at a few concurrent users
#      (LATENCY_CONNECTIONS, the p99 target applies here: with more connections than cores,
#      p99 measures queueing, not the page), then throughput at CONNECTIONS,
#   4. writes requests/s, p50/p90/p99 latency, page size and RSS to bench/results/web.json.
# The server is stopped by the script, whatever happens.
#
#   bench/web.sh                          defaults: 10 s, 2 threads, 4 then 16 connections
#   DURATION=5s CONNECTIONS=32 bench/web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-16}
latency_connections=${LATENCY_CONNECTIONS:-4}
tasks=${TASKS:-200}
log_level=${BENCH_LOG:-warn}
out=${BENCH_OUT:-$repo/bench/results/web.json}

bash scripts/install.d/browser.sh
command -v python3 >/dev/null || { echo "bench/web.sh needs python3" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench/web.sh needs wrk (scripts/install.d/browser.sh installs it)" >&2; exit 1; }

if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  cargo build --release --locked -p todo
fi
bin="${CARGO_TARGET_DIR:-$repo/target}/release/todo"
[ -x "$bin" ] || { echo "no binary at $bin; build with cargo build --release -p todo" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
web_port=$(free_port)
api_port=$(free_port)
env -i PATH="$PATH" HOME="$work" TODO_DATA_DIR="$work/data" RUST_LOG="$log_level" \
  "$bin" serve --host 127.0.0.1 --port "$web_port" --api-port "$api_port" 2>"$work/server.log" &
server_pid=$!

for _ in $(seq 1 200); do
  curl -fsS "http://127.0.0.1:$web_port/healthz" >/dev/null 2>&1 \
    && curl -fsS "http://127.0.0.1:$api_port/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.05
done

rss_kb() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }

echo "creating a user with $tasks tasks and logging in through the web form..."
cookie=$(python3 bench/web_setup.py "$api_port" "$web_port" "$tasks")
page_bytes=$(curl -fsS -H "Cookie: todo_session=$cookie" "http://127.0.0.1:$web_port/tasks" | wc -c)
sleep 1
idle_rss_kb=$(rss_kb "$server_pid" VmRSS)

url="http://127.0.0.1:$web_port/tasks"
# One unmeasured second warms the connection pools on both sides.
wrk -t1 -c1 -d1s -H "Cookie: todo_session=$cookie" "$url" >/dev/null
lat_threads=$(( latency_connections < threads ? latency_connections : threads ))
echo "wrk GET /tasks $duration, $lat_threads threads, $latency_connections connections (latency)..."
wrk -t"$lat_threads" -c"$latency_connections" -d"$duration" --latency -H "Cookie: todo_session=$cookie" "$url" | tee "$work/latency.txt"
echo "wrk GET /tasks $duration, $threads threads, $connections connections (throughput)..."
wrk -t"$threads" -c"$connections" -d"$duration" --latency -H "Cookie: todo_session=$cookie" "$url" | tee "$work/throughput.txt"
peak_rss_kb=$(rss_kb "$server_pid" VmHWM)
latency_json=$(python3 bench/lib/api_wrk_summary.py <"$work/latency.txt")
throughput_json=$(python3 bench/lib/api_wrk_summary.py <"$work/throughput.txt")

mkdir -p "$(dirname "$out")"
python3 - "$out" <<PY
import json, os, platform, sys, datetime
latency = json.loads('''$latency_json''')
throughput = json.loads('''$throughput_json''')
result = {
    "benchmark": "todo web main page (GET /tasks, signed in, $tasks tasks) through todo serve on embedded SQLite, wrk on loopback",
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    # The load average tells whether other work shared the machine during the run.
    "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                "load_average_1m_after": round(os.getloadavg()[0], 2)},
    "settings": {"duration": "$duration", "threads": $threads, "latency_connections": $latency_connections,
                 "throughput_connections": $connections, "tasks": $tasks, "log_level": "$log_level"},
    "main_page_latency": latency,
    "main_page_throughput": throughput,
    "page_bytes": $page_bytes,
    "rss_mb": {"idle_after_setup": round($idle_rss_kb / 1024, 1), "peak": round($peak_rss_kb / 1024, 1)},
    "targets": {"p99_ms_max": 20, "measured_at_connections": $latency_connections},
}
result["targets_met"] = {
    "p99": (latency["p99_ms"] or 1e9) < 20 and latency["non_2xx"] == 0 and throughput["non_2xx"] == 0,
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(json.dumps(result, indent=2))
PY
echo "wrote $out"
