# shellcheck shell=bash
# The cluster's daemons, each started with daemons.sh's `start`: dockerd, etcd, the API server,
# controller manager and scheduler, kubelet and kube-proxy; then the objects every test expects
# (the default StorageClass, the default service account). Sourced by e2e/cluster after
# daemons.sh and pki.sh; needs the layout variables of e2e/cluster and `log`/`die`/`kc`/`wait_for`.

start_docker() {
  mkdir -p "$STATE/docker" "$RUN/docker-exec"
  if ! running dockerd; then
    # dockerd would leave a stale socket/pid behind after a crash
    rm -f "$DOCKER_SOCK" "$RUN/dockerd-own.pid"
    release_stale_netns
    start dockerd /usr/sbin/dockerd \
      --data-root "$STATE/docker" --exec-root "$RUN/docker-exec" \
      --pidfile "$RUN/dockerd-own.pid" -H "$DOCKER_HOST" \
      --storage-driver overlay2 --exec-opt native.cgroupdriver=cgroupfs \
      --bip "$BRIDGE_IP/16" --ip-masq=false --dns "$BRIDGE_IP" --oom-score-adjust 0 \
      --userland-proxy=false --log-driver json-file --log-opt max-size=10m
  fi
  wait_for 60 "dockerd" "$DOCKER" info || { tail -30 "$LOGS/dockerd.log" >&2; die "dockerd did not start"; }
  wait_for 20 "docker0 address" bash -c "ip -4 addr show docker0 | grep -q 'inet $BRIDGE_IP/'"
}

start_etcd() {
  mkdir -p "$STATE/etcd"
  start etcd /usr/bin/etcd --name todo-e2e --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "todo-e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --listen-metrics-urls "http://127.0.0.1:23810" --quota-backend-bytes 2147483648 \
    --snapshot-count 10000 --auto-compaction-retention 1
  wait_for 30 "etcd" bash -c "exec 3<>/dev/tcp/127.0.0.1/$ETCD_PORT" \
    || { tail -20 "$LOGS/etcd.log" >&2; die "etcd did not start"; }
}

start_apiserver() {
  start kube-apiserver "$KBIN/kube-apiserver" \
    --advertise-address "$BRIDGE_IP" --bind-address "$BRIDGE_IP" --secure-port 6443 --insecure-port 0 \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range 30000-32767 \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --api-audiences "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false --event-ttl 1h --v 1
  wait_for 90 "kube-apiserver /readyz" kc get --raw /readyz \
    || { tail -30 "$LOGS/kube-apiserver.log" >&2; die "kube-apiserver is not ready"; }
}

start_controllers() {
  start kube-controller-manager "$KBIN/kube-controller-manager" \
    --kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$PKI/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --port 0 --leader-elect=false \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --use-service-account-credentials=true --service-cluster-ip-range "$SERVICE_CIDR" \
    --allocate-node-cidrs=false --node-monitor-grace-period 20s --pod-eviction-timeout 30s \
    --horizontal-pod-autoscaler-sync-period 15s --v 1
  start kube-scheduler "$KBIN/kube-scheduler" \
    --kubeconfig "$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig "$PKI/scheduler.kubeconfig" \
    --authorization-kubeconfig "$PKI/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --port 0 --leader-elect=false --v 1
}

start_node() {
  mkdir -p "$STATE/kubelet" "$STATE/dns"
  : >"$STATE/resolv.conf"   # pods with dnsPolicy Default get no host nameserver at all
  start kubelet "$KBIN/kubelet" \
    --kubeconfig "$PKI/kubelet.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$BRIDGE_IP" \
    --container-runtime docker --docker-endpoint "$DOCKER_HOST" \
    --container-runtime-endpoint "unix://$RUN/dockershim.sock" \
    --pod-infra-container-image "$PAUSE_IMAGE" \
    --root-dir "$STATE/kubelet" --cert-dir "$STATE/kubelet/pki" \
    --fail-swap-on=false --cgroup-driver cgroupfs --cgroups-per-qos=false \
    --enforce-node-allocatable= --eviction-hard= --oom-score-adj 0 \
    --image-gc-high-threshold 100 --image-gc-low-threshold 99 \
    --cluster-dns "$BRIDGE_IP" --cluster-domain "$CLUSTER_DOMAIN" --resolv-conf "$STATE/resolv.conf" \
    --anonymous-auth=false --client-ca-file "$PKI/ca.crt" --authorization-mode Webhook \
    --address "$BRIDGE_IP" --healthz-bind-address 127.0.0.1 --read-only-port 0 \
    --serialize-image-pulls=false --max-pods 110 --hairpin-mode hairpin-veth \
    --volume-plugin-dir "$STATE/kubelet/volume-plugins" --v 1
  start kube-proxy "$KBIN/kube-proxy" \
    --kubeconfig "$PKI/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr "$BRIDGE_CIDR" --oom-score-adj 0 \
    --bind-address "$BRIDGE_IP" --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 \
    --nodeport-addresses "127.0.0.0/8,$BRIDGE_CIDR" --conntrack-max-per-core 0 --v 1
}

bootstrap_objects() {
  wait_for 120 "node $NODE_NAME Ready" \
    bash -c "'$KBIN/kubectl' --kubeconfig '$PKI/admin.kubeconfig' get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True" \
    || { tail -30 "$LOGS/kubelet.log" >&2; die "node did not become Ready"; }
  kc apply -f - >/dev/null <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: todo-e2e.local/hostpath
reclaimPolicy: Delete
volumeBindingMode: Immediate
EOF
  wait_for 60 "default service account" kc -n default get serviceaccount default
}
