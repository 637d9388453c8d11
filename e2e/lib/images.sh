# shellcheck shell=bash
# Image builds for the e2e tests (called by crates/cluster-tests/tests/app/images.rs, sourced by
# test.sh and e2e/assist). Needs DOCKER_HOST from `e2e/cluster env`.
# Nothing is pulled: the app image builds FROM scratch plus the locally imported base; the
# PostgreSQL image is Debian's postgresql-15 binaries (with their shared libraries) on that base.

E2E_IMAGES_CACHE="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}/images"
DOCKER_BIN=/usr/bin/docker
STATIC_TARGET="$(uname -m)-unknown-linux-gnu"

# Beside the normal target directory (CI keeps that in the cache: CARGO_TARGET_DIR).
static_target_dir() { echo "${CARGO_TARGET_DIR:-$1/target}/e2e-static"; }

# Static todo binary (glibc, crt-static) in its own target directory, so it neither waits for
# nor invalidates the normal `cargo build`: target/e2e-static/<triple>/release/todo
build_todo_static() {
  local repo=$1
  # fat LTO with one codegen unit: 21 MB instead of 26 MB with the workspace's thin LTO
  ( cd "$repo" && RUSTFLAGS="-C target-feature=+crt-static" CARGO_PROFILE_RELEASE_STRIP=symbols \
      CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
      CARGO_TARGET_DIR="$(static_target_dir "$repo")" cargo build --release -p todo --target "$STATIC_TARGET" ) >&2 || return 1
  local bin; bin="$(static_target_dir "$repo")/$STATIC_TARGET/release/todo"
  file "$bin" 2>/dev/null | grep -q 'static' || { echo "not a static binary: $bin" >&2; return 1; }
  echo "$bin"
}

# Static kubectl-assist in the size-tuned `agent` profile (root Cargo.toml: opt-level z, fat
# LTO, one codegen unit, panic=abort, stripped): the agent image's binary and the CLI every
# kubectl-assist cluster suite runs, so ./test.sh builds kubectl-assist once, not once per
# profile: target/e2e-static/<triple>/agent/kubectl-assist
build_kubectl_assist_static() {
  local repo=$1
  ( cd "$repo" && RUSTFLAGS="-C target-feature=+crt-static" \
      CARGO_TARGET_DIR="$(static_target_dir "$repo")" cargo build --profile agent --locked -p kube-assist --target "$STATIC_TARGET" ) >&2 || return 1
  local bin; bin="$(static_target_dir "$repo")/$STATIC_TARGET/agent/kubectl-assist"
  file "$bin" 2>/dev/null | grep -q 'static' || { echo "not a static binary: $bin" >&2; return 1; }
  echo "$bin"
}

# build_app_image REPO TAG — prints the image reference
build_app_image() {
  local repo=$1 tag=$2 bin ctx
  if [[ -n ${TODO_E2E_BINARY:-} ]]; then
    bin="$TODO_E2E_BINARY"   # a prebuilt static binary (development of the harness itself)
  else
    bin="$(build_todo_static "$repo")" || return 1
  fi
  ctx="$repo/target/e2e/image-ctx"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$bin" "$ctx/todo"
  gcc -Os -static -o "$ctx/sleep" "$repo/e2e/images/sleep.c" && strip "$ctx/sleep" || return 1
  DOCKER_BUILDKIT=0 "$DOCKER_BIN" build -q \
    --build-arg CERTS_IMAGE="${TODO_E2E_BASE_IMAGE:-todo-e2e/base:latest}" \
    -f "$repo/e2e/images/Dockerfile" -t "todo-chatbot:$tag" "$ctx" >&2 || return 1
  echo "todo-chatbot:$tag"
}

# The PostgreSQL 15 image: todo-e2e/postgres:15
build_postgres_image() {
  local repo=$1 ref=todo-e2e/postgres:15
  local bindir=/usr/lib/postgresql/15/bin libdir=/usr/lib/postgresql/15/lib share=/usr/share/postgresql/15
  [[ -x $bindir/postgres ]] || { echo "postgresql-15 is not installed" >&2; return 1; }
  local base_tar="$E2E_IMAGES_CACHE/base-rootfs.tar"
  local key; key="$( (echo 2; sha256sum "$base_tar" "$repo/e2e/images/postgres-entrypoint.sh"; dpkg-query -W postgresql-15) | sha256sum | cut -c1-12)"
  if "$DOCKER_BIN" image inspect "$ref" -f '{{index .Config.Labels "todo-e2e.key"}}' 2>/dev/null | grep -qx "$key"; then
    echo "$ref"; return
  fi
  local r; r="$(mktemp -d)"
  tar -C "$r" -xf "$base_tar"
  mkdir -p "$r$bindir" "$r$libdir" "$r$share" "$r/usr/share/zoneinfo" "$r/var/lib/postgresql" "$r/var/run/postgresql"
  local b
  for b in postgres initdb pg_ctl pg_isready; do cp -a "$bindir/$b" "$r$bindir/"; done
  # server modules (no llvmjit: it would pull in libLLVM)
  find "$libdir" -maxdepth 1 -name '*.so' ! -name 'llvmjit*' -exec cp -a {} "$r$libdir/" \;
  cp -a "$share/." "$r$share/"
  cp -a /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc "$r/usr/share/zoneinfo/" 2>/dev/null || true
  # shared libraries of everything copied, with the dynamic loader
  local f lib
  for f in "$r$bindir"/* "$r$libdir"/*.so; do
    ldd "${f#$r}" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}'
  done | sort -u | while read -r lib; do
    mkdir -p "$r$(dirname "$lib")"
    cp -L "$lib" "$r$lib"
  done
  install -m 0755 "$repo/e2e/images/postgres-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
  chown -R 999:999 "$r/var/lib/postgresql" "$r/var/run/postgresql"
  tar -C "$r" --numeric-owner -cf "$r.tar" .
  "$DOCKER_BIN" import \
    --change "ENV PATH=$bindir:/usr/local/bin:/usr/bin:/bin" \
    --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'ENV TZ=UTC' \
    --change 'USER 999:999' --change 'EXPOSE 5432' \
    --change "LABEL todo-e2e.key=$key" \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    "$r.tar" "$ref-rootfs" >/dev/null || { rm -rf "$r" "$r.tar"; return 1; }
  rm -rf "$r" "$r.tar"
  # docker import cannot set STOPSIGNAL: SIGINT is PostgreSQL's fast shutdown (as in the
  # official image); SIGTERM would wait for every client to disconnect
  printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$ref-rootfs" | DOCKER_BUILDKIT=0 "$DOCKER_BIN" build -q -t "$ref" - >/dev/null || return 1
  echo "$ref"
}
