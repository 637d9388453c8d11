# shellcheck shell=bash
# The cluster's network: forwarding, the route for Service addresses, the egress guard that
# keeps pod traffic on this machine, the cleanup of kube-proxy's rules, the DNS server for
# Service names (with the controller that feeds it), and the smoke test that a pod reaches
# another through a Service name. Sourced by e2e/cluster; needs the layout variables of
# e2e/cluster, daemons.sh and `log`/`die`/`kc`.

network_setup() {
  sysctl -qw net.ipv4.ip_forward=1
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || log "warning: bridge-nf-call-iptables not settable"
  # Service addresses never leave the machine: unallocated ClusterIPs go to the bridge.
  ip route replace "$SERVICE_CIDR" dev docker0 scope link 2>/dev/null || true
  # Egress guard: a pod may talk only to pods/the node (docker0 subnet). Service traffic is
  # DNATed to pod addresses before FORWARD, so it passes; anything else from a pod is dropped.
  iptables -N TODO-E2E-EGRESS 2>/dev/null || iptables -F TODO-E2E-EGRESS
  iptables -A TODO-E2E-EGRESS -d "$BRIDGE_CIDR" -j RETURN
  iptables -A TODO-E2E-EGRESS -d 127.0.0.0/8 -j RETURN
  iptables -A TODO-E2E-EGRESS -j DROP
  iptables -C FORWARD -s "$BRIDGE_CIDR" -j TODO-E2E-EGRESS 2>/dev/null \
    || iptables -I FORWARD 1 -s "$BRIDGE_CIDR" -j TODO-E2E-EGRESS
}

# Rules and chains that kubelet and kube-proxy leave behind (KUBE-*), in every table.
iptables_kube_cleanup() {
  local t r c
  for t in filter nat mangle; do
    iptables-save -t "$t" 2>/dev/null | grep -E '^-A ' | grep -v '^-A KUBE-' | grep -E -- '-j KUBE-' \
      | sed 's/^-A /-D /' | while read -r r; do eval "iptables -t $t $r" 2>/dev/null || true; done || true
    for c in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\).*/\1/p'); do iptables -t "$t" -F "$c" 2>/dev/null || true; done
    for c in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\).*/\1/p'); do iptables -t "$t" -X "$c" 2>/dev/null || true; done
  done
}

network_teardown() {
  while iptables -D FORWARD -s "$BRIDGE_CIDR" -j TODO-E2E-EGRESS 2>/dev/null; do :; done
  iptables -F TODO-E2E-EGRESS 2>/dev/null || true
  iptables -X TODO-E2E-EGRESS 2>/dev/null || true
  ip route del "$SERVICE_CIDR" dev docker0 2>/dev/null || true
}

start_dns() {
  mkdir -p "$STATE/dns"
  [[ -e $STATE/dns/hosts ]] || : >"$STATE/dns/hosts"
  start dnsmasq /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --user=root --group=root --pid-file="$RUN/dnsmasq-own.pid" \
    --listen-address="$BRIDGE_IP" --bind-interfaces --except-interface=lo --port=53 \
    --no-resolv --no-hosts --no-poll --no-negcache --local-ttl=2 \
    --local="/$CLUSTER_DOMAIN/" --domain-needed --bogus-priv \
    --addn-hosts="$STATE/dns/hosts" --log-facility=-
  start local-controller env KUBECTL="$KBIN/kubectl" KUBECONFIG="$PKI/local-controller.kubeconfig" \
    HOSTS_FILE="$STATE/dns/hosts" DNSMASQ_PIDFILE="$RUN/dnsmasq-own.pid" PV_ROOT="$STATE/pv" \
    CLUSTER_DOMAIN="$CLUSTER_DOMAIN" "$HERE/lib/local-controller.sh"
}

# A pod answers another through a Service name resolved by the cluster DNS.
smoke() {
  log "smoke test: a pod reaches another pod through a Service name (DNS search list, ClusterIP)"
  kc -n default delete pod,service -l app=e2e-smoke --ignore-not-found --wait=true >/dev/null 2>&1 || true
  kc -n default apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: e2e-smoke-server
  labels: {app: e2e-smoke, role: server}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: httpd
    image: busybox:e2e
    imagePullPolicy: Never
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www && echo SMOKE-OK >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: e2e-smoke
  labels: {app: e2e-smoke}
spec:
  selector: {app: e2e-smoke, role: server}
  ports:
  - {port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: v1
kind: Pod
metadata:
  name: e2e-smoke-client
  labels: {app: e2e-smoke, role: client}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: check
    image: busybox:e2e
    imagePullPolicy: Never
    command: ["/bin/sh", "-c"]
    args:
    - |
      cat /etc/resolv.conf
      nslookup kubernetes.default.svc.cluster.local 2>&1 | grep -A1 '^Name'
      for i in $(seq 1 60); do
        a="$(timeout 3 wget -q -O - http://e2e-smoke/ 2>/dev/null)"
        b="$(timeout 3 wget -q -O - http://e2e-smoke.default.svc.cluster.local/ 2>/dev/null)"
        if [ "$a" = SMOKE-OK ] && [ "$b" = SMOKE-OK ]; then echo "SMOKE-OK after $i tries"; exit 0; fi
        sleep 1
      done
      exit 1
YAML
  local end=$((SECONDS + 120)) phase=""
  while ((SECONDS < end)); do
    phase="$(kc -n default get pod e2e-smoke-client -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 1
  done
  local out; out="$(kc -n default logs e2e-smoke-client 2>&1 || true)"
  if [[ $phase != Succeeded ]] || ! grep -q SMOKE-OK <<<"$out"; then
    printf '%s\n' "$out" >&2
    # Before the delete below, so that the failure shows the smoke test's own objects.
    kc -n default get pods,svc,endpoints -o wide >&2 || true
    kc -n default delete pod,service -l app=e2e-smoke --wait=false >/dev/null 2>&1 || true
    die "smoke test failed (client pod phase: ${phase:-none})"
  fi
  kc -n default delete pod,service -l app=e2e-smoke --wait=false >/dev/null 2>&1 || true
  log "smoke test: $(grep SMOKE-OK <<<"$out")"
}
