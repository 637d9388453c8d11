#!/usr/bin/env bash
# Runs every test tier of the project on this machine, installing what is missing:
#   1. cargo tests (unit, in-process HTTP, real SQLite files, real PostgreSQL on loopback,
#      the planners' corpora, MCP through the official Python SDK)
#   2. browser tests (Debian's headless Chromium driven from Rust)  - part of cargo test
#   2b. LLM on real servers: llama.cpp's llama-server and llama-cpp-python's server (built
#      from PyPI's sdist) with Qwen2.5-Coder-0.5B-Instruct (from PyPI), both planners
#   3. cluster tests: a real single-node Kubernetes built from Debian's sources (e2e/),
#      the image, the raw manifests, the Helm chart, and kubectl-assist against it.
# Installs are idempotent and cached under $TODO_CACHE_DIR, so a second run is fast.
#
#   ./test.sh            everything
#   ./test.sh --no-e2e   skip tier 3 (no cluster needed)
set -euo pipefail
cd "$(dirname "$0")"
repo=$PWD

run_e2e=1
for arg in "$@"; do
  case "$arg" in
    --no-e2e) run_e2e=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

export TODO_CACHE_DIR="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}"
mkdir -p "$TODO_CACHE_DIR"
# CI runs on a fresh clone: keep compiled dependencies in the cache so a warm run only
# rebuilds the workspace's own crates. Developers keep the usual ./target.
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="$TODO_CACHE_DIR/target"
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

passed=0
failed=0
failed_tiers=()
tier() {
  local name=$1; shift
  step "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "--- $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); failed_tiers+=("$name"); echo "--- $name: FAILED ($((SECONDS - start)) s)"
  fi
}

step "installing test dependencies (scripts/install.d)"
for script in scripts/install.d/*.sh; do
  [ -e "$script" ] || continue
  echo "  - $script"
  bash "$script"
done

tier "cargo tests (unit, HTTP, SQLite, PostgreSQL, corpora, MCP, browser)" \
  cargo test --workspace --locked --no-fail-fast

# The real-server tier fails (never skips) when its servers or model are missing: the
# client's conformance (llm), then each planner's conformance and scripted conversation
# (todo-agent, kube-assist), every test on both server modes. `--workspace` selects the
# `llm_real_server` test of each of those crates and keeps the feature set of the tier
# above, so nothing is recompiled.
# The cluster tiers' two static binaries (e2e/lib/images.sh): kubectl-assist in the agent
# image's size-tuned `agent` profile (every kubectl-assist cluster tier runs it) and `todo` for
# the e2e app image (its own fat-LTO release build). Each build is a chain of one-codegen-unit
# crates ending in a fat-LTO link, one thread for minutes, and the LLM tier's servers compute
# with half the cores (llm::local_server::server_threads), so both builds start in the
# background before that tier, at a lower priority than its servers, and use the core it
# leaves idle; the build tier below waits for them. Their profiles differ (agent / release)
# and Cargo locks each profile's directory, not all of target/e2e-static, so neither waits
# for the other.
static_logs="${CARGO_TARGET_DIR:-$repo/target}/e2e-static-logs"
static_pids=()
# Ctrl-C or a SIGTERM to test.sh must not leave those builds compiling: each build's process
# tree (subshell, cargo, rustc) is frozen top-down, so nothing new is spawned, then terminated.
# Every kill may find its process gone (rustc exits on the Ctrl-C itself): under `set -e` a
# failed one would end the trap and leave the frozen parents stopped for good.
kill_tree() {
  local pid=$1 child
  kill -STOP "$pid" 2>/dev/null || return 0
  for child in $(pgrep -P "$pid" || true); do kill_tree "$child"; done
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true
}
stop_static_builds() { local pid; for pid in ${static_pids[@]+"${static_pids[@]}"}; do kill_tree "$pid"; done; }
trap stop_static_builds EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "$run_e2e" = 1 ]; then
  # shellcheck source=e2e/lib/images.sh
  . e2e/lib/images.sh
  rm -rf "$static_logs" && mkdir -p "$static_logs"
  for bin in kubectl-assist todo; do
    case "$bin" in
      kubectl-assist) build_fn=build_kubectl_assist_static ;;
      todo) build_fn=build_todo_static ;;
    esac
    ( start=$SECONDS
      renice -n 10 "$BASHPID" >/dev/null   # cargo and rustc inherit it
      if "$build_fn" "$repo" >"$static_logs/$bin.path" 2>"$static_logs/$bin.log"; then
        echo "$((SECONDS - start))" >"$static_logs/$bin.seconds"
      else
        exit 1
      fi ) &
    static_pids+=("$!")
  done
fi

tier "LLM: real OpenAI-compatible servers (llama-server, llama-cpp-python), both planners" \
  env TODO_LLM_SERVER_REQUIRED=1 cargo test --workspace --locked \
  --test llm_real_server -- --ignored --nocapture --test-threads=1

if [ "$run_e2e" = 1 ]; then
  assist_bin=""
  todo_bin=""
  # Waits for the two background builds; their output is printed here, in one piece each.
  # Should the `todo` build fail, app_image builds it again and its image test fails.
  wait_static_builds() {
    local i rc=0 bin names=(kubectl-assist todo)
    for i in 0 1; do
      bin=${names[$i]}
      if wait "${static_pids[$i]}"; then
        echo "  $bin: built in $(cat "$static_logs/$bin.seconds") s (started before the LLM tier)"
      else
        echo "  $bin: build FAILED"; sed 's/^/    /' "$static_logs/$bin.log"; rc=1
      fi
    done
    assist_bin="$(cat "$static_logs/kubectl-assist.path")"
    todo_bin="$(cat "$static_logs/todo.path")"
    static_pids=()   # reaped: their pids may now be other processes'
    return "$rc"
  }
  tier "build: the static kubectl-assist (agent profile) and todo (e2e app image)" wait_static_builds
  tier "cluster: daemon pidfiles and stale network namespaces" bash e2e/lib/daemons-test.sh
  tier "cluster: local Kubernetes up" e2e/cluster up
  # The Rust cluster suites (crates/cluster-tests): #[ignore]d, so the cargo tier only compiled
  # them; `--workspace` keeps its feature set, so nothing recompiles here.
  # Extra arguments go to the test binary (--nocapture for a suite that prints its figures).
  cluster_suite() { cargo test --workspace --locked --test "$1" -- --ignored --test-threads=1 "${@:2}"; }
  # The kubectl-assist suites run the static build above (crates/cluster-tests/src/assist.rs).
  assist_suite() { KUBECTL_ASSIST_BIN="$assist_bin" cluster_suite "$1"; }
  # The in-cluster agent's suite builds its image from the same static build; the app image
  # is app_image's (else built from the static todo).
  serve_suite() {
    KUBECTL_ASSIST_E2E_BINARY="$assist_bin" TODO_E2E_BINARY="$todo_bin" cluster_suite assist_serve --nocapture
  }
  tier "cluster: the test harness (crates/cluster-tests)" cluster_suite cluster_smoke
  # The app's suites, in this order: the chart checks need no image; app_image builds the
  # image the later suites install (recorded in target/e2e/images.env, which kubectl-assist's
  # suites read too) from the prebuilt static todo (an empty path: images.sh builds it). They
  # print their steps and figures (--nocapture).
  app_suite() { TODO_E2E_BINARY="$todo_bin" cluster_suite "$1" --nocapture; }
  tier "cluster: chart lint, schema validation, server dry run (app_chart)" app_suite app_chart
  tier "cluster: app image, the user Dockerfile with both builders (app_image)" app_suite app_image
  tier "cluster: Helm install, smoke, scale, faults under load, uninstall, SQLite (app_helm)" app_suite app_helm
  tier "cluster: raw manifests k8s/ (app_raw)" app_suite app_raw
  tier "cluster: kubectl-assist (app, analyzers, optimize, audit, refusals, injection)" \
    assist_suite assist
  tier "cluster: kubectl-assist writes, diffs, undo, RBAC preflight, drain" assist_suite assist_writes
  tier "cluster: kubectl-assist custom resources (CRD in words and kubectl form, undo)" assist_suite assist_crd
  # The in-cluster agent (crates/cluster-tests/tests/assist_serve): the < 15 MB image of the
  # static `agent`-profile build, the chart next to the app (reusing app_image's app image),
  # approvals, RBAC refusals, metrics and Events, MCP, the console in Chromium, audit,
  # impersonation; it removes its releases and namespaces when it ends.
  tier "cluster: kubectl-assist serve (agent image, chart, approvals, RBAC, checks)" serve_suite
fi

echo
echo "test tiers: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
  printf 'failed tier: %s\n' "${failed_tiers[@]}"
  exit 1
fi
