#!/usr/bin/env bash
# The e2e cluster's small controller loop (started by e2e/cluster up; not for users):
#  1. DNS: writes every Service as "<clusterIP> <name>.<ns>.svc.<domain>" (headless Services:
#     one line per ready endpoint, plus <hostname>.<name>.<ns>.svc.<domain>) into the hosts
#     file that dnsmasq serves, and makes dnsmasq re-read it (SIGHUP) when it changes.
#  2. Storage: a hostPath provisioner for the StorageClass "standard" (like Minikube's): a
#     Pending claim gets a PersistentVolume in a fresh 0777 directory under $PV_ROOT; a
#     Released volume is deleted with its directory.
# Needs: KUBECTL KUBECONFIG HOSTS_FILE DNSMASQ_PIDFILE PV_ROOT CLUSTER_DOMAIN
set -uo pipefail
: "${KUBECTL:?}" "${KUBECONFIG:?}" "${HOSTS_FILE:?}" "${DNSMASQ_PIDFILE:?}" "${PV_ROOT:?}" "${CLUSTER_DOMAIN:?}"
export KUBECONFIG
PROVISIONER=todo-e2e.local/hostpath
k() { "$KUBECTL" --request-timeout=10s "$@"; }

update_dns() {
  local svcs eps new
  svcs="$(k get services -A -o go-template='{{range .items}}{{.metadata.namespace}} {{.metadata.name}} {{.spec.clusterIP}}{{"\n"}}{{end}}')" || return
  eps="$(k get endpoints -A -o go-template='{{range .items}}{{$ns := .metadata.namespace}}{{$n := .metadata.name}}{{range .subsets}}{{range .addresses}}{{$ns}} {{$n}} {{.ip}} {{if .hostname}}{{.hostname}}{{else}}-{{end}}{{"\n"}}{{end}}{{end}}{{end}}')" || return
  new="$(awk -v d="$CLUSTER_DOMAIN" '
    FNR == NR { if ($3 == "None") headless[$1 " " $2] = 1; else if ($3 != "" && $3 != "<no value>") print $3, $2 "." $1 ".svc." d; next }
    ($1 " " $2) in headless { print $3, $2 "." $1 ".svc." d; if ($4 != "-") print $3, $4 "." $2 "." $1 ".svc." d }
  ' <(printf '%s\n' "$svcs") <(printf '%s\n' "$eps") | sort)"
  if [[ $new != "$(cat "$HOSTS_FILE" 2>/dev/null)" ]]; then
    printf '%s\n' "$new" >"$HOSTS_FILE.tmp" && mv "$HOSTS_FILE.tmp" "$HOSTS_FILE"
    [[ -s $DNSMASQ_PIDFILE ]] && kill -HUP "$(cat "$DNSMASQ_PIDFILE")" 2>/dev/null
    echo "$(date +%T) dns: $(wc -l <"$HOSTS_FILE") names"
  fi
}

provision() {
  local pvcs ns name uid phase sc size modes vol
  pvcs="$(k get pvc -A -o go-template='{{range .items}}{{.metadata.namespace}} {{.metadata.name}} {{.metadata.uid}} {{.status.phase}} {{.spec.storageClassName}} {{index .spec.resources.requests "storage"}} {{range .spec.accessModes}}{{.}},{{end}} {{.spec.volumeName}}{{"\n"}}{{end}}')" || return
  while read -r ns name uid phase sc size modes vol; do
    [[ -n $ns && $phase == Pending && $sc == standard ]] || continue
    [[ -z $vol || $vol == "<no value>" ]] || continue
    local pv="pvc-$uid" dir="$PV_ROOT/pvc-$uid"
    k get pv "$pv" >/dev/null 2>&1 && continue
    mkdir -p "$dir" && chmod 0777 "$dir"
    local am="" m
    IFS=, read -ra ms <<<"${modes%,}"
    for m in "${ms[@]}"; do am+="    - $m"$'\n'; done
    [[ -n $am ]] || am="    - ReadWriteOnce"$'\n'
    k apply -f - <<YAML && echo "$(date +%T) pv: $pv for $ns/$name ($size)"
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $pv
  annotations:
    pv.kubernetes.io/provisioned-by: $PROVISIONER
spec:
  storageClassName: standard
  persistentVolumeReclaimPolicy: Delete
  capacity:
    storage: $size
  accessModes:
${am}  hostPath:
    path: $dir
    type: DirectoryOrCreate
  claimRef:
    namespace: $ns
    name: $name
    uid: $uid
YAML
  done <<<"$pvcs"
  local pvs pv p prov
  pvs="$(k get pv -o go-template='{{range .items}}{{.metadata.name}} {{.status.phase}} {{index .metadata.annotations "pv.kubernetes.io/provisioned-by"}}{{"\n"}}{{end}}')" || return
  while read -r pv p prov; do
    [[ $prov == "$PROVISIONER" && ( $p == Released || $p == Failed ) ]] || continue
    k delete pv "$pv" --wait=false >/dev/null && rm -rf "${PV_ROOT:?}/$pv" && echo "$(date +%T) pv: deleted $pv"
  done <<<"$pvs"
}

mkdir -p "$PV_ROOT"
while true; do
  update_dns
  provision
  sleep 1
done
