# shellcheck shell=bash
# What the local cluster is built from on this machine, cached under $CACHE: the Kubernetes
# binaries (Debian's source package, patched), the pause image and the busybox base image that
# local Dockerfiles build FROM (nothing can be pulled). Sourced by e2e/cluster; needs CACHE,
# LOGS, KBIN, K8S_CMDS, K8S_VERSION, DOCKER, PAUSE_IMAGE, BASE_IMAGE_REPO and `log`/`die`.

fetch_k8s_source() {
  local src="$CACHE/src"
  mkdir -p "$src"
  if ! ls "$src"/kubernetes_*.dsc >/dev/null 2>&1; then
    log "fetching Debian bookworm source package 'kubernetes' (Kubernetes $K8S_VERSION with vendor/)"
    local list=/etc/apt/sources.list.d/todo-e2e-bookworm-src.sources
    cat >"$list" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
      -o APT::Get::List-Cleanup=0 >>"$LOGS/apt.log" 2>&1 || die "apt-get update (deb-src) failed"
    (cd "$src" && apt-get source --download-only kubernetes >>"$LOGS/apt.log" 2>&1) \
      || die "apt-get source kubernetes failed (see $LOGS/apt.log)"
  fi
}

build_k8s() {
  local ok=1
  for c in "${K8S_CMDS[@]}" pause; do [[ -x $KBIN/$c ]] || ok=0; done
  if ((ok)); then log "kubernetes binaries cached in $KBIN"; return; fi
  fetch_k8s_source
  local src="$CACHE/src" tree="$CACHE/src/tree"
  rm -rf "$tree"
  (cd "$src" && dpkg-source -x kubernetes_*.dsc tree >>"$LOGS/build.log" 2>&1) || die "dpkg-source -x failed"
  # The sandbox has no CAP_SYS_RESOURCE: a negative oom_score_adj makes runc fail with
  # "can't get final child's PID from pipe". Pods and sandboxes get 0 instead.
  sed -i 's/defaultSandboxOOMAdj int = -998/defaultSandboxOOMAdj int = 0/' "$tree/pkg/kubelet/dockershim/docker_sandbox.go"
  sed -i 's/guaranteedOOMScoreAdj int = -997/guaranteedOOMScoreAdj int = 0/' "$tree/pkg/kubelet/qos/policy.go"
  grep -q 'defaultSandboxOOMAdj int = 0' "$tree/pkg/kubelet/dockershim/docker_sandbox.go" || die "oom patch 1 did not apply"
  grep -q 'guaranteedOOMScoreAdj int = 0' "$tree/pkg/kubelet/qos/policy.go" || die "oom patch 2 did not apply"
  # Kubernetes 1.20 vendors modern-go/reflect2 v1.0.1, which links to a Go runtime function by
  # its pre-1.18 signature: built with Debian's Go 1.19, the apiserver dies of SIGSEGV when it
  # stores the first custom resource (modern-go/reflect2#25). v1.0.2 (Debian's package) is the
  # fix, with the same API; the vendor tree takes its sources.
  local r2=/usr/share/gocode/src/github.com/modern-go/reflect2
  [[ -f $r2/go_above_118.go ]] || die "golang-github-modern-go-reflect2-dev (>= 1.0.2) is not installed"
  rm -rf "$tree/vendor/github.com/modern-go/reflect2"
  mkdir -p "$tree/vendor/github.com/modern-go/reflect2"
  find "$r2" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' \
    -exec cp {} "$tree/vendor/github.com/modern-go/reflect2/" \;
  mkdir -p "$CACHE/gocache" "$tree/_output/local/go"
  ln -sfn "$CACHE/gocache" "$tree/_output/local/go/cache"   # hack/lib/golang.sh pins GOCACHE here
  local what="" c
  for c in "${K8S_CMDS[@]}"; do what+="cmd/$c "; done
  log "building Kubernetes $K8S_VERSION ($what) — about 8-10 minutes on 2 cores the first time; log: $LOGS/build.log"
  local t0=$SECONDS
  (cd "$tree" && CGO_ENABLED=0 GOPROXY=off GOFLAGS='' GO111MODULE='' make WHAT="$what" >>"$LOGS/build.log" 2>&1) \
    || { tail -40 "$LOGS/build.log" >&2; die "kubernetes build failed"; }
  log "kubernetes built in $((SECONDS - t0))s"
  mkdir -p "$KBIN.tmp"
  for c in "${K8S_CMDS[@]}"; do cp "$tree/_output/bin/$c" "$KBIN.tmp/"; done
  # The pause container: static C from the same tree.
  gcc -Os -Wall -static -DVERSION=v3.2-todo-e2e -o "$KBIN.tmp/pause" "$tree/build/pause/linux/pause.c" \
    >>"$LOGS/build.log" 2>&1 || die "building pause failed"
  strip "$KBIN.tmp/pause" || true
  rm -rf "$KBIN"; mv "$KBIN.tmp" "$KBIN"
  rm -rf "$tree"   # 1+ GB; the .dsc/.tar stay cached, GOCACHE makes a rebuild quick
}

# Images the cluster itself needs, imported into its dockerd.
import_pause() {
  if "$DOCKER" image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then return; fi
  log "importing $PAUSE_IMAGE (built from build/pause/linux/pause.c)"
  local tmp; tmp="$(mktemp -d)"
  install -m 0755 "$KBIN/pause" "$tmp/pause"
  tar -C "$tmp" -cf "$tmp/rootfs.tar" --owner=0 --group=0 pause
  "$DOCKER" import --change 'ENTRYPOINT ["/pause"]' "$tmp/rootfs.tar" "$PAUSE_IMAGE" >/dev/null
  rm -rf "$tmp"
}

# A minimal base image (busybox, CA certificates, passwd with a nonroot user) that
# local Dockerfiles build FROM, since nothing can be pulled. Tag: todo-e2e/base:<hash>,
# also :latest.
BASE_VERSION=3   # bump when the contents below change
busybox_deb() {  # Debian's dynamically linked busybox (the static one crashes on name lookups)
  local d="$CACHE/debs" f
  mkdir -p "$d"
  first_deb() { local debs=("$d"/busybox_*.deb); [[ -e ${debs[0]} ]] && echo "${debs[0]}"; }
  f="$(first_deb || true)"
  if [[ -z $f ]]; then
    (cd "$d" && apt-get download busybox >>"$LOGS/apt.log" 2>&1) \
      || { apt-get update -qq >>"$LOGS/apt.log" 2>&1; (cd "$d" && apt-get download busybox >>"$LOGS/apt.log" 2>&1); } \
      || die "apt-get download busybox failed"
    f="$(first_deb)" || die "apt-get download busybox left no busybox_*.deb in $d"
  fi
  echo "$f"
}

base_rootfs() {
  local deb key tar
  deb="$(busybox_deb)"
  key="$( (echo "$BASE_VERSION"; basename "$deb"; dpkg-query -W libc6) | sha256sum | cut -c1-12)"
  tar="$CACHE/images/base-rootfs-$key.tar"
  if [[ -s $tar ]]; then echo "$tar"; return; fi
  mkdir -p "$CACHE/images"
  local r x; r="$(mktemp -d)"; x="$(mktemp -d)"
  [[ -n $r && -d $r && $r != / ]] || die "mktemp failed"
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc/ssl/certs,tmp,root,home/nonroot,var/run,proc,sys,dev}
  chmod 1777 "$r/tmp"
  dpkg-deb -x "$deb" "$x"
  install -m 0755 "$x/bin/busybox" "$r/bin/busybox"
  local lib
  for lib in $(ldd "$x/bin/busybox" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
    mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"
  done
  local a
  for a in $("$x/bin/busybox" --list); do [[ -e $r/bin/$a ]] || ln -s busybox "$r/bin/$a"; done
  rm -rf "$x"
  cp -L /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
    >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'postgres:x:999:' 'nonroot:x:65532:' 'nogroup:x:65534:' >"$r/etc/group"
  printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
  chown 65532:65532 "$r/home/nonroot"
  tar -C "$r" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
  ln -sfn "$(basename "$tar")" "$CACHE/images/base-rootfs.tar"
  rm -rf "$r"
  echo "$tar"
}

import_base() {
  local tar tag
  tar="$(base_rootfs)"
  tag="$(sha256sum "$tar" | cut -c1-12)"
  if ! "$DOCKER" image inspect "$BASE_IMAGE_REPO:$tag" >/dev/null 2>&1; then
    log "importing base image $BASE_IMAGE_REPO:$tag (busybox + CA certificates)"
    "$DOCKER" import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' \
      "$tar" "$BASE_IMAGE_REPO:$tag" >/dev/null
  fi
  "$DOCKER" tag "$BASE_IMAGE_REPO:$tag" "$BASE_IMAGE_REPO:latest"
  # the image the test pods and the DNS check use
  "$DOCKER" tag "$BASE_IMAGE_REPO:$tag" "busybox:e2e"
}
