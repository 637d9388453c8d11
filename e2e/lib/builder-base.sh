# shellcheck shell=bash
# The builder base image the user Dockerfile starts FROM (docker.io/library/rust:1.95-bookworm),
# made locally because nothing can be pulled here: a Debian bookworm root filesystem from
# Debian's packages (debootstrap, minbase + gcc, libc6-dev, ca-certificates) with this machine's
# Rust toolchain (rustc --print sysroot, without its docs) under /usr/local/rust, imported under
# the name the Dockerfile expects. Sourced by e2e/run; needs root and DOCKER_HOST.
# Cached: the root filesystem tar in $TODO_CACHE_DIR/images (keyed on the toolchain and the
# package list), the image in the docker daemon (labelled with that key).

BUILDER_BASE_PACKAGES=gcc,libc6-dev,ca-certificates
BUILDER_BASE_CACHE="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}/images"

# builder_base_image IMAGE_REF — makes (or finds) the image; prints what it did
builder_base_image() {
  local ref=$1 sysroot key tar
  sysroot="$(rustc --print sysroot)" || return 1
  key="$( (echo 1; rustc --version; cargo --version; echo "$BUILDER_BASE_PACKAGES") | sha256sum | cut -c1-12)"
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
  /usr/bin/docker import \
    --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV CARGO_HOME=/usr/local/cargo' \
    --change "LABEL todo-e2e.key=$key" \
    --change 'CMD ["bash"]' \
    "$tar" "$ref" >/dev/null || return 1
  echo "builder base $ref: imported ($key, $(($(stat -c %s "$tar") / 1048576)) MiB root filesystem)"
}
