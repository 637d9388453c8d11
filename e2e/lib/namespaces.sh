# shellcheck shell=bash
# The namespaces the kubectl-assist cluster suites create, in one list: the Rust harness's
# ASSIST_NAMESPACES (crates/cluster-tests/src/assist.rs, which says why every suite clears
# them all first), read from there so the bash suites that still source this file use the
# same list.
E2E_ASSIST_NAMESPACES=()
mapfile -t E2E_ASSIST_NAMESPACES < <(sed -n '/^pub const ASSIST_NAMESPACES/,/^];/s/^ *"\([a-z0-9-]*\)",$/\1/p' \
  "$(dirname "${BASH_SOURCE[0]}")/../../crates/cluster-tests/src/assist.rs")

# Deletes the given namespaces (default: all of the list) and waits until they are gone.
# Returns 1, naming them, when some are still terminating after 180 s.
delete_test_namespaces() {
  local names=("$@") left
  if ((${#names[@]} == 0)); then
    if ((${#E2E_ASSIST_NAMESPACES[@]} == 0)); then
      echo "    no namespace list read from crates/cluster-tests/src/assist.rs (ASSIST_NAMESPACES)" >&2
      return 1
    fi
    names=("${E2E_ASSIST_NAMESPACES[@]}")
    # bench/assist.sh's Node object that no kubelet backs: "the node" must mean the real one.
    kubectl delete nodes -l assist-bench=true --ignore-not-found >/dev/null 2>&1
    # its pods are bound to that node and would hold the namespace in Terminating
    kubectl -n assist-bench delete pods --all --grace-period=0 --force >/dev/null 2>&1
  fi
  kubectl delete namespace "${names[@]}" --ignore-not-found --wait=false >/dev/null 2>&1
  for _ in $(seq 1 180); do
    left="$(kubectl get namespace "${names[@]}" --ignore-not-found -o name 2>/dev/null)"
    [[ -z $left ]] && return 0
    sleep 1
  done
  printf '    old test namespaces are still terminating: %s\n' "$(tr '\n' ' ' <<<"$left")" >&2
  return 1
}
