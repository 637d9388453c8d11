# shellcheck shell=bash
# The cluster's certificates and kubeconfigs (openssl), kept with the cluster state in $PKI so
# that every checkout can use a running cluster; each checkout gets its own copy of the admin
# kubeconfig at $KUBECONFIG_OUT. Sourced by e2e/cluster; needs PKI, OUT, KUBECONFIG_OUT,
# APISERVER, BRIDGE_IP, KUBERNETES_SVC_IP, CLUSTER_DOMAIN, NODE_NAME and `log`.

gen_pki() {
  mkdir -p "$PKI" "$OUT"
  if [[ -s $PKI/ca.crt && -s $PKI/admin.kubeconfig && -s $PKI/sa.key ]]; then
    sync_kubeconfig; return
  fi
  log "generating certificates (openssl) in $PKI"
  (
    cd "$PKI" || exit 1
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=todo-e2e-ca" 2>/dev/null
    cat >apiserver.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$BRIDGE_IP,IP:127.0.0.1,IP:$KUBERNETES_SVC_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost
EOF
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    mkcert() {  # name subject extfile
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
        -days 3650 -extfile "$3" 2>/dev/null
      rm -f "$1.csr"
    }
    mkcert apiserver "/CN=kube-apiserver" apiserver.ext
    mkcert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" client.ext
    mkcert admin "/O=system:masters/CN=todo-e2e-admin" client.ext
    mkcert controller-manager "/CN=system:kube-controller-manager" client.ext
    mkcert scheduler "/CN=system:kube-scheduler" client.ext
    mkcert kube-proxy "/CN=system:kube-proxy" client.ext
    mkcert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" client.ext
    mkcert local-controller "/O=system:masters/CN=todo-e2e-local-controller" client.ext
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  local who
  for who in admin controller-manager scheduler kube-proxy kubelet local-controller; do
    write_kubeconfig "$who" "$PKI/$who.kubeconfig"
  done
  sync_kubeconfig
}

write_kubeconfig() {  # user file
  b64() { base64 -w0 <"$1"; }
  cat >"$2" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: todo-e2e
  cluster:
    server: $APISERVER
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(b64 "$PKI/$1.crt")
    client-key-data: $(b64 "$PKI/$1.key")
contexts:
- name: todo-e2e
  context:
    cluster: todo-e2e
    user: $1
current-context: todo-e2e
EOF
  chmod 600 "$2"
}

# This checkout's copy of the admin kubeconfig, renewed whenever the cluster's differs: the
# cluster may have been brought up (with new certificates) from another checkout, or never
# from this one. Returns 1 when there is no cluster PKI to copy from.
sync_kubeconfig() {
  [[ -s $PKI/admin.kubeconfig ]] || return 1
  cmp -s "$PKI/admin.kubeconfig" "$KUBECONFIG_OUT" && return 0
  mkdir -p "$(dirname "$KUBECONFIG_OUT")"
  install -m 0600 "$PKI/admin.kubeconfig" "$KUBECONFIG_OUT.tmp.$$"
  mv -f "$KUBECONFIG_OUT.tmp.$$" "$KUBECONFIG_OUT"
}
