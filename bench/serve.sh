#!/usr/bin/env bash
# bench/serve.sh — `kubectl-assist serve` memory and latency against the real local cluster
# (e2e/cluster), the same static binary the image holds (KUBECTL_ASSIST_BINARY, else
# target/e2e-static's `agent` profile build, else a release build), on loopback with a kubeconfig:
#   rss_idle_kib:          VmRSS after start and the first scheduled check;
#   rss_peak_kib:          VmHWM after 20 concurrent read requests (each "list pods", all namespaces);
#   rss_after_100_kib:     VmRSS after 100 more sequential requests (reads and write plans);
#   read_p50_ms/p99:       one offline read request ("list pods in kube-system") through the HTTP
#                          API, sequential, RUNS times;
#   write_plan_p50_ms/p99: one write request planned up to its approval point (resolve, RBAC
#                          preflight, server dry run, diff). Never approved, so nothing changes:
#                          "scale deployment bench-web in serve-bench to 1 replicas", a Deployment
#                          with 0 replicas in a namespace of its own, deleted at the end.
# Goals: RSS < 32 MiB idle and under load; read p50 < 50 ms. Writes bench/results/serve.json.
# Network: only loopback and the local cluster. Loops are bounded.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT_JSON="$REPO/bench/results/serve.json"
WORK="$REPO/target/bench-serve"
RUNS="${RUNS:-50}"
mkdir -p "$WORK" "$(dirname "$OUT_JSON")"
eval "$("$REPO/e2e/cluster" env)"
export KUBECONFIG

BIN="${KUBECTL_ASSIST_BINARY:-${CARGO_TARGET_DIR:-$REPO/target}/e2e-static/$(uname -m)-unknown-linux-gnu/agent/kubectl-assist}"
if [[ ! -x $BIN ]]; then
  (cd "$REPO" && cargo build --release -p kube-assist) >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
  BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/kubectl-assist"
fi
TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf 'bench operator %s\n' "$TOKEN" >"$WORK/tokens"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --port "$PORT" --tokens-file "$WORK/tokens" --events=false >"$WORK/stdout.log" 2>"$WORK/stderr.log" &
PID=$!
NS=serve-bench
trap 'kill "$PID" 2>/dev/null || true; kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1' EXIT
kubectl create namespace "$NS" >/dev/null
kubectl -n "$NS" create deployment bench-web --image=busybox:e2e --replicas=0 >/dev/null
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -s --noproxy '*' -o /dev/null "$URL/healthz" && break; sleep 0.1; done
# The first scheduled check runs at start; let it finish.
for _ in $(seq 1 100); do curl -s --noproxy '*' "$URL/metrics" | grep -q '^kubectl_assist_checks_total 1' && break; sleep 0.1; done
sleep 1
rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$PID/status"; }
RSS_IDLE="$(rss VmRSS)"

# ask REQUEST — prints "seconds status"
ask() {
  curl -s --noproxy '*' -o /dev/null -w '%{time_total} %{http_code}\n' -H "Authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' --data "{\"request\": \"$1\"}" "$URL/api/requests"
}
LOAD=()
for _ in $(seq 1 20); do ask "list pods" >/dev/null & LOAD+=($!); done
wait "${LOAD[@]}"
sleep 0.5
RSS_PEAK="$(rss VmHWM)"

: >"$WORK/reads"; : >"$WORK/writes"
for _ in $(seq 1 "$RUNS"); do
  ask "list pods in kube-system" >>"$WORK/reads"
  ask "scale deployment bench-web in $NS to 1 replicas" >>"$WORK/writes"
done
RSS_AFTER="$(rss VmRSS)"
python3 - "$WORK" "$RSS_IDLE" "$RSS_PEAK" "$RSS_AFTER" "$OUT_JSON" "$RUNS" "$BIN" "$(file -b "$BIN" | cut -c1-120)" "$(stat -c %s "$BIN")" <<'PY'
import json, os, sys, time
work = sys.argv[1]
def load(name, want):
    rows = [l.split() for l in open(os.path.join(work, name)) if l.strip()]
    bad = [r for r in rows if r[1] != want]
    assert not bad, f"{name}: unexpected statuses {bad[:3]}"
    return sorted(float(t) * 1000 for t, _ in rows)
q = lambda xs, p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
reads, writes = load("reads", "200"), load("writes", "202")
out = {
  "what": "kubectl-assist serve on loopback against the local cluster",
  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_average": os.getloadavg()[0],
  "binary": sys.argv[7], "binary_file": sys.argv[8], "binary_bytes": int(sys.argv[9]),
  "rss_idle_kib": int(sys.argv[2]), "rss_peak_kib_after_20_concurrent_reads": int(sys.argv[3]),
  "rss_after_100_requests_kib": int(sys.argv[4]), "rss_goal_kib": 32 * 1024,
  "runs": int(sys.argv[6]),
  "read_p50_ms": round(q(reads, 0.5), 1), "read_p99_ms": round(q(reads, 0.99), 1), "read_p50_goal_ms": 50,
  "write_plan_p50_ms": round(q(writes, 0.5), 1), "write_plan_p99_ms": round(q(writes, 0.99), 1),
}
json.dump(out, open(sys.argv[5], "w"), indent=2)
print(json.dumps(out, indent=2))
PY
