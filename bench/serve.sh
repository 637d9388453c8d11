#!/usr/bin/env bash
# bench/serve.sh — `kubectl-assist serve` memory and read latency against the real local
# cluster (e2e/cluster), the same static binary the image holds (KUBECTL_ASSIST_BINARY, else
# target/e2e-static's, else a release build), run on loopback with a kubeconfig:
#   rss_idle_kib:      VmRSS after start and the first scheduled check;
#   rss_peak_kib:      VmHWM after 20 concurrent read requests (each "list pods", all namespaces);
#   read_p50_ms/p90:   one offline read request ("list pods in kube-system") through the HTTP
#                      API, sequential, RUNS times.
# Goals: RSS < 32 MiB idle and under load; p50 < 50 ms. Writes bench/results/serve.json.
# Network: only loopback and the local cluster. Loops are bounded.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT_JSON="$REPO/bench/results/serve.json"
WORK="$REPO/target/bench-serve"
RUNS="${RUNS:-40}"
mkdir -p "$WORK" "$(dirname "$OUT_JSON")"
eval "$("$REPO/e2e/cluster" env)"
export KUBECONFIG

BIN="${KUBECTL_ASSIST_BINARY:-${CARGO_TARGET_DIR:-$REPO/target}/e2e-static/$(uname -m)-unknown-linux-gnu/release/kubectl-assist}"
if [[ ! -x $BIN ]]; then
  (cd "$REPO" && cargo build --release -p kube-assist) >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
  BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/kubectl-assist"
fi
TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf 'bench viewer %s\n' "$TOKEN" >"$WORK/tokens"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --port "$PORT" --tokens-file "$WORK/tokens" --events=false >"$WORK/stdout.log" 2>"$WORK/stderr.log" &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -s --noproxy '*' -o /dev/null "$URL/healthz" && break; sleep 0.1; done
# The first scheduled check runs at start; let it finish.
for _ in $(seq 1 100); do curl -s --noproxy '*' "$URL/metrics" | grep -q '^kubectl_assist_checks_total 1' && break; sleep 0.1; done
sleep 1
rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$PID/status"; }
RSS_IDLE="$(rss VmRSS)"

read_once() {
  curl -s --noproxy '*' -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' --data "{\"request\": \"$1\"}" "$URL/api/requests"
}
LOAD=()
for _ in $(seq 1 20); do read_once "list pods" >/dev/null & LOAD+=($!); done
wait "${LOAD[@]}"
sleep 0.5
RSS_PEAK="$(rss VmHWM)"
RSS_AFTER="$(rss VmRSS)"

: >"$WORK/times"
for _ in $(seq 1 "$RUNS"); do read_once "list pods in kube-system" >>"$WORK/times"; done
python3 - "$WORK/times" "$RSS_IDLE" "$RSS_PEAK" "$RSS_AFTER" "$OUT_JSON" "$RUNS" <<'EOF'
import json, statistics, sys
times = sorted(float(t) * 1000 for t in open(sys.argv[1]) if t.strip())
q = lambda p: times[min(len(times) - 1, int(round(p * (len(times) - 1))))]
out = {
  "what": "kubectl-assist serve on loopback against the local cluster (static release binary)",
  "rss_idle_kib": int(sys.argv[2]), "rss_peak_kib_after_20_concurrent_reads": int(sys.argv[3]),
  "rss_after_load_kib": int(sys.argv[4]), "rss_goal_kib": 32 * 1024,
  "read_runs": int(sys.argv[6]), "read_p50_ms": round(q(0.5), 1), "read_p90_ms": round(q(0.9), 1),
  "read_max_ms": round(times[-1], 1), "read_p50_goal_ms": 50,
}
json.dump(out, open(sys.argv[5], "w"), indent=2)
print(json.dumps(out, indent=2))
EOF
