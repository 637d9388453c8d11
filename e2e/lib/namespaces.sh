# shellcheck shell=bash
# The namespaces the kubectl-assist cluster suites create, in one list.
#
# kubectl-assist resolves a bare name ("scale the frontend") across the whole cluster, so a
# suite that asks by bare name fails with "matches several objects" when another suite's
# leftovers (an interrupted run, E2E_KEEP=1) hold a lookalike Deployment. Each suite therefore
# clears every suite's namespaces before it starts, and its own when it ends.
# assist-bench is bench/assist.sh's (its own "frontend" Deployment; an interrupted bench leaves it).
E2E_ASSIST_NAMESPACES=(assist-todo assist-scenarios assist-writes serve-todo serve-other serve-agent assist-bench)

# Deletes the given namespaces (default: all of the list) and waits until they are gone.
# Returns 1, naming them, when some are still terminating after 180 s.
delete_test_namespaces() {
  local names=("$@") i left
  if ((${#names[@]} == 0)); then
    names=("${E2E_ASSIST_NAMESPACES[@]}")
    # bench/assist.sh's Node object that no kubelet backs: "the node" must mean the real one.
    kubectl delete nodes -l assist-bench=true --ignore-not-found >/dev/null 2>&1
    # its pods are bound to that node and would hold the namespace in Terminating
    kubectl -n assist-bench delete pods --all --grace-period=0 --force >/dev/null 2>&1
  fi
  kubectl delete namespace "${names[@]}" --ignore-not-found --wait=false >/dev/null 2>&1
  for i in $(seq 1 180); do
    left="$(kubectl get namespace "${names[@]}" --ignore-not-found -o name 2>/dev/null)"
    [[ -z $left ]] && return 0
    sleep 1
  done
  printf '    old test namespaces are still terminating: %s\n' "$(tr '\n' ' ' <<<"$left")" >&2
  return 1
}
