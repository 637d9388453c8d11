#!/usr/bin/env bash
# Benchmarks the chat agent with the offline planner, on loopback only:
#   1. server-side time per chat turn: 1,000 turns (after 50 warm-up turns) through
#      Agent::chat on a real SQLite store, in-process, release build (the ignored
#      test crates/todo-agent/tests/bench_chat.rs), p50/p90/p99 and per kind;
#   2. chat requests/s under wrk against the release `todo api` binary on the
#      embedded SQLite store (POST /api/{user}/chat, a mix of messages).
# Writes bench/results/chat.json. The server is stopped by the script.
#
#   bench/chat.sh                         defaults: 10 s, 2 threads, 16 connections
#   DURATION=5s CONNECTIONS=32 bench/chat.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-16}
out=${BENCH_OUT:-$repo/bench/results/chat.json}
command -v python3 >/dev/null || { echo "bench/chat.sh needs python3" >&2; exit 1; }
[ -f scripts/install.d/bench.sh ] && bash scripts/install.d/bench.sh
command -v wrk >/dev/null || { echo "bench/chat.sh needs wrk (apt-get install wrk)" >&2; exit 1; }

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

# Other work on this 2-core machine skews every figure; record how busy it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "in-process: 1,000 chat turns with the offline planner..."
CHAT_BENCH_OUT="$work/inproc.json" cargo test --release --locked -p todo-agent --test bench_chat -- --ignored --nocapture

if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  cargo build --release --locked -p todo
fi
bin="${CARGO_TARGET_DIR:-$repo/target}/release/todo"
[ -x "$bin" ] || { echo "no binary at $bin; build with cargo build --release -p todo" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -i PATH="$PATH" HOME="$work" TODO_DATA_DIR="$work/data" RUST_LOG=warn \
  "$bin" api --host 127.0.0.1 --port "$port" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.05
done

# A user with 20 tasks, so listings have something to word.
read -r user token < <(python3 bench/lib/api_setup.py "$port" 20)
echo "wrk POST /chat $duration, $threads threads, $connections connections..."
BENCH_TOKEN=$token BENCH_USER=$user wrk -t"$threads" -c"$connections" -d"$duration" --latency \
  -s bench/chat_post.lua "http://127.0.0.1:$port" | tee "$work/chat.txt"
wrk_json=$(python3 bench/lib/api_wrk_summary.py <"$work/chat.txt")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$out")"
python3 - "$out" "$work/inproc.json" <<PY
import datetime, json, os, platform, sys
out, inproc_path = sys.argv[1], sys.argv[2]
inproc = json.load(open(inproc_path))
wrk = json.loads('''$wrk_json''')
result = {
    "benchmark": "chat turns with the offline planner",
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "arch": platform.machine(),
                "loadavg_before": "$load_before", "loadavg_after": "$load_after"},
    "target": {"p50_turn_ms_below": 2.0, "met": inproc["p50_us"] < 2000},
    "in_process_turn": inproc,
    "http_wrk": dict(wrk, duration="$duration", threads=$threads, connections=$connections,
                     endpoint="POST /api/{user_id}/chat", store="embedded SQLite"),
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result, indent=2))
PY
echo "wrote $out"
