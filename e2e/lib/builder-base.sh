# shellcheck shell=bash
# The builder base image the user Dockerfile starts FROM (docker.io/library/rust:1.95-bookworm),
# made locally because nothing can be pulled here: a Debian bookworm root filesystem from
# Debian's packages (debootstrap, minbase + gcc, libc6-dev, ca-certificates) with this machine's
# Rust toolchain (rustc --print sysroot, without its docs) under /usr/local/rust, imported under
# the name the Dockerfile expects. Called by crates/cluster-tests (tests/app_image/user_build.rs);
# needs root and DOCKER_HOST.
# Cached: the root filesystem tar in $TODO_CACHE_DIR/images (keyed on the toolchain and the
# package list), the image in the docker daemon (labelled with that key).

BUILDER_BASE_PACKAGES=gcc,libc6-dev,ca-certificates
BUILDER_BASE_CACHE="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}/images"

# builder_base_key — what the builder base is made of (this machine's toolchain, the packages),
# as the short hash that names its root filesystem tar and labels its image.
builder_base_key() {
  (echo 1; rustc --version; cargo --version; echo "$BUILDER_BASE_PACKAGES") | sha256sum | cut -c1-12
}

# builder_base_import TOOL TAR IMAGE_REF KEY — the root filesystem tar as an image, with the
# environment the Dockerfile's build stages expect, through `docker import` or `podman import`.
builder_base_import() {
  local tool=$1 tar=$2 ref=$3 key=$4
  "$tool" import \
    --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV CARGO_HOME=/usr/local/cargo' \
    --change "LABEL todo-e2e.key=$key" \
    --change 'CMD ["bash"]' \
    "$tar" "$ref" >/dev/null
}

# builder_base_image IMAGE_REF — makes (or finds) the image; prints what it did
builder_base_image() {
  local ref=$1 sysroot key tar
  sysroot="$(rustc --print sysroot)" || return 1
  key="$(builder_base_key)"
  if /usr/bin/docker image inspect "$ref" -f '{{index .Config.Labels "todo-e2e.key"}}' 2>/dev/null | grep -qx "$key"; then
    echo "builder base $ref: cached ($key)"; return 0
  fi
  tar="$BUILDER_BASE_CACHE/builder-base-$key.tar"
  if [[ ! -s $tar ]]; then
    command -v debootstrap >/dev/null || {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null || return 1; }
    local root; root="$(mktemp -d)"
    echo "builder base: debootstrap bookworm (minbase + $BUILDER_BASE_PACKAGES) into $root"
    debootstrap --variant=minbase --include="$BUILDER_BASE_PACKAGES" bookworm "$root" http://deb.debian.org/debian \
      >"$BUILDER_BASE_CACHE/debootstrap.log" 2>&1 || { tail -20 "$BUILDER_BASE_CACHE/debootstrap.log"; rm -rf "$root"; return 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    mkdir -p "$root/usr/local/rust" "$root/usr/local/cargo/bin"
    # the toolchain without docs (share/doc, share/man): bin, lib, libexec, etc
    (cd "$sysroot" && tar --exclude=./share -cf - .) | tar -C "$root/usr/local/rust" -xf -
    local b
    for b in cargo rustc rustdoc; do ln -s "../../rust/bin/$b" "$root/usr/local/cargo/bin/$b"; done
    mkdir -p "$BUILDER_BASE_CACHE"
    tar -C "$root" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$root"
  fi
  builder_base_import /usr/bin/docker "$tar" "$ref" "$key" || return 1
  echo "builder base $ref: imported ($key, $(($(stat -c %s "$tar") / 1048576)) MiB root filesystem)"
}

# podman_builder_base IMAGE_REF — the same image in Podman's store (rootful), from the root
# filesystem tar builder_base_image made (run that first); installs Debian's podman when it is
# missing. Cached in Podman's store, labelled with the key.
podman_builder_base() {
  local ref=$1 key tar
  command -v podman >/dev/null || {
    echo "podman: installing Debian's package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null || return 1; }
  key="$(builder_base_key)"
  if podman image inspect "$ref" --format '{{index .Labels "todo-e2e.key"}}' 2>/dev/null | grep -qx "$key"; then
    echo "builder base $ref in podman: cached ($key)"; return 0
  fi
  tar="$BUILDER_BASE_CACHE/builder-base-$key.tar"
  [[ -s $tar ]] || { echo "no $tar: run builder_base_image first" >&2; return 1; }
  builder_base_import podman "$tar" "$ref" "$key" || return 1
  echo "builder base $ref in podman: imported ($key, $(podman --version))"
}

# user_build_context REPO — a build context for the user Dockerfile that builds offline: what
# .dockerignore lets into `docker build .`, plus the crates of Cargo.lock vendored (from this
# machine's cargo cache, or crates.io) with a .cargo/config.toml that points cargo at them.
# Kept in $TODO_CACHE_DIR/user-build-ctx with mtimes preserved, so an unchanged tree hits every
# builder's layer cache. Prints the directory.
user_build_context() {
  local repo=$1 ctx="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}/user-build-ctx"
  mkdir -p "$ctx"
  rsync -a --delete --exclude '/vendor/' --exclude 'target/' \
    --include '/Dockerfile' --include '/.dockerignore' --include '/Cargo.toml' --include '/Cargo.lock' \
    --include '/crates/***' --include '/e2e/' --include '/e2e/images/' --include '/e2e/images/sleep.c' \
    --exclude '*' "$repo/" "$ctx/" >&2 || return 1
  local lock_sum; lock_sum="$(sha256sum "$repo/Cargo.lock" | cut -c1-16)"
  if [[ "$(cat "$ctx/vendor/.todo-lock-sum" 2>/dev/null)" != "$lock_sum" ]]; then
    rm -rf "$ctx/vendor"
    (cd "$repo" && cargo vendor --locked --versioned-dirs --quiet "$ctx/vendor" >/dev/null) >&2 || return 1
    echo "$lock_sum" >"$ctx/vendor/.todo-lock-sum"
  fi
  mkdir -p "$ctx/.cargo"
  local config
  config=$'[source.crates-io]\nreplace-with = "vendored-sources"\n\n[source.vendored-sources]\ndirectory = "vendor"\n'
  [[ "$(cat "$ctx/.cargo/config.toml" 2>/dev/null)" == "$config" ]] || printf '%s' "$config" >"$ctx/.cargo/config.toml"
  grep -qx '!vendor/' "$ctx/.dockerignore" || printf '!vendor/\n' >>"$ctx/.dockerignore"
  echo "$ctx"
}
