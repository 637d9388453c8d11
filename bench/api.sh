#!/usr/bin/env bash
# Benchmarks `todo api` on the embedded SQLite store, on loopback only:
#   1. builds the release binary and starts it in a temporary data directory,
#   2. creates a user and 1,000 tasks,
#   3. runs wrk (fixed duration, --latency) on GET /api/{user}/tasks?limit=50, then on POST,
#   4. writes requests/s, p50/p99 latency, idle RSS and peak RSS to bench/results/api.json.
# The server is stopped by the script, whatever happens.
#
#   bench/api.sh                     defaults: 10 s, 2 threads, 32 connections
#   DURATION=5s CONNECTIONS=64 bench/api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
tasks=${TASKS:-1000}
log_level=${BENCH_LOG:-warn}
out=${BENCH_OUT:-$repo/bench/results/api.json}

bash scripts/install.d/bench.sh
command -v python3 >/dev/null || { echo "bench/api.sh needs python3" >&2; exit 1; }

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

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -i PATH="$PATH" HOME="$work" TODO_DATA_DIR="$work/data" RUST_LOG="$log_level" \
  "$bin" api --host 127.0.0.1 --port "$port" 2>"$work/server.log" &
server_pid=$!

for _ in $(seq 1 200); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.05
done

rss_kb() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }
# CPU time the server used (user + system, in clock ticks): per request it is a
# figure that other load on the machine disturbs far less than requests/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_sec=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1 /proc/loadavg)
idle_rss_start_kb=$(rss_kb "$server_pid" VmRSS)

echo "creating a user and $tasks tasks..."
read -r user token < <(python3 bench/lib/api_setup.py "$port" "$tasks")
sleep 1
idle_rss_loaded_kb=$(rss_kb "$server_pid" VmRSS)

get_url="http://127.0.0.1:$port/api/$user/tasks?limit=50"
echo "wrk GET $duration, $threads threads, $connections connections..."
get_ticks_0=$(cpu_ticks "$server_pid")
wrk -t"$threads" -c"$connections" -d"$duration" --latency -H "Authorization: Bearer $token" "$get_url" | tee "$work/get.txt"
get_ticks=$(($(cpu_ticks "$server_pid") - get_ticks_0))
echo "wrk POST $duration..."
post_ticks_0=$(cpu_ticks "$server_pid")
BENCH_TOKEN=$token BENCH_USER=$user wrk -t"$threads" -c"$connections" -d"$duration" --latency \
  -s bench/lib/api_post_task.lua "http://127.0.0.1:$port" | tee "$work/post.txt"
post_ticks=$(($(cpu_ticks "$server_pid") - post_ticks_0))

sleep 1
idle_rss_after_kb=$(rss_kb "$server_pid" VmRSS)
peak_rss_kb=$(rss_kb "$server_pid" VmHWM)
get_json=$(python3 bench/lib/api_wrk_summary.py <"$work/get.txt")
post_json=$(python3 bench/lib/api_wrk_summary.py <"$work/post.txt")

mkdir -p "$(dirname "$out")"
python3 - "$out" <<PY
import json, os, platform, sys, datetime
get, post = json.loads('''$get_json'''), json.loads('''$post_json''')
for run, ticks in ((get, $get_ticks), (post, $post_ticks)):
    if run.get("requests"):
        run["server_cpu_us_per_request"] = round(ticks / $ticks_per_sec * 1e6 / run["requests"], 1)
result = {
    "benchmark": "todo api on embedded SQLite, wrk on loopback",
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "load_average_before": $load_before},
    "settings": {"duration": "$duration", "threads": $threads, "connections": $connections,
                 "tasks_before_load": $tasks, "log_level": "$log_level"},
    "get_tasks_limit_50": get,
    "post_task": post,
    "rss_mb": {
        "idle_after_start": round($idle_rss_start_kb / 1024, 1),
        "idle_with_1000_tasks": round($idle_rss_loaded_kb / 1024, 1),
        "idle_after_load": round($idle_rss_after_kb / 1024, 1),
        "peak": round($peak_rss_kb / 1024, 1),
    },
    "targets": {"get_requests_per_sec_min": 10000, "get_p99_ms_max": 10, "idle_rss_mb_max": 20},
}
result["targets_met"] = {
    "get_requests_per_sec": (get["requests_per_sec"] or 0) >= 10000,
    "get_p99": (get["p99_ms"] or 1e9) < 10,
    # Idle = started, no request served yet; the loaded figures are reported beside it.
    "idle_rss_after_start": result["rss_mb"]["idle_after_start"] < 20,
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(json.dumps(result, indent=2))
PY
echo "wrote $out"
