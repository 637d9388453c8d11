# The `todo` image: one static binary that is both roles (`todo api` = backend on 8000,
# `todo web` = frontend on 3000, `todo serve` = both), CA certificates, a static `sleep` for
# the preStop hook, nothing else. Runs as 65532:65532 with a read-only root filesystem;
# writable paths are volumes (/data for SQLite, /tmp).
#
# Users, with any builder (BuildKit, the legacy builder of Docker 20.10 or of a Docker >= 23
# without the buildx plugin, Podman/Buildah):
#   docker build -t todo-chatbot:0.1.0 .
#   minikube:  eval "$(minikube docker-env)" && docker build -t todo-chatbot:0.1.0 .
# The build needs about 2 GB of memory (fat LTO links in one process): give Minikube
# `minikube start --memory 4g` or more.
#
# Every stage here is needed by the default (last) target, so the legacy builder, which
# builds all stages up to the target, builds nothing extra. A change to the sources alone
# rebuilds only the workspace crates: the dependencies are their own layer (see `recipe`). The e2e harness's offline image
# from a prebuilt binary has its own Dockerfile: e2e/images/Dockerfile.
#
# No `# syntax=` line and no BuildKit-only flags: both would need something from a registry.

ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm
ARG CERTS_IMAGE=docker.io/library/rust:1.95-bookworm

# ---- certificates and the writable mount points, from any image with a shell and CA certs
FROM ${CERTS_IMAGE} AS certs
RUN mkdir -p /rootfs/etc/ssl/certs /rootfs/data /rootfs/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt \
 && chown 65532:65532 /rootfs/data && chmod 0750 /rootfs/data && chmod 1777 /rootfs/tmp

# ---- the dependency recipe (cargo-chef's idea, without cargo-chef, so nothing is fetched):
#      the manifests, Cargo.lock, cargo's config (and a vendor/ directory when the context has
#      one, as e2e's offline context does) plus an empty stand-in for every target root.
#      This stage reruns on every source change, but its output only changes with the
#      manifests, so both builders find the `COPY --from=recipe` below and the dependency
#      build after it in their layer cache (both hash copied files by content, not mtime).
FROM ${RUST_IMAGE} AS recipe
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /recipe; \
    cp Cargo.toml Cargo.lock /recipe/; \
    for d in .cargo vendor; do if [ -d "$d" ]; then cp -a "$d" /recipe/; fi; done; \
    for manifest in crates/*/Cargo.toml; do \
      crate="${manifest%/Cargo.toml}"; \
      mkdir -p "/recipe/$crate"; cp "$manifest" "/recipe/$manifest"; \
      for root in src/lib.rs src/main.rs build.rs $(sed -n 's/^path *= *"\(.*\)"/\1/p' "$manifest"); do \
        if [ -f "$crate/$root" ]; then \
          mkdir -p "$(dirname "/recipe/$crate/$root")"; \
          case "$root" in src/lib.rs) : >"/recipe/$crate/$root" ;; \
                          *) echo 'fn main() {}' >"/recipe/$crate/$root" ;; esac; \
        fi; \
      done; \
      for bin in "$crate"/src/bin/*.rs; do \
        if [ -f "$bin" ]; then mkdir -p "/recipe/$crate/src/bin"; echo 'fn main() {}' >"/recipe/$bin"; fi; \
      done; \
    done

# ---- build from source: a static (crt-static glibc) binary, so the final stage can be scratch;
#      fat LTO and one codegen unit keep it near 21 MB (the workspace profile's thin LTO: 26 MB)
FROM ${RUST_IMAGE} AS build
# Size and speed over build time by default; a test that only proves the Dockerfile builds may
# trade them back (`--build-arg LTO=off --build-arg CODEGEN_UNITS=16 --build-arg OPT_LEVEL=0`:
# minutes instead of ~10).
ARG LTO=fat
ARG CODEGEN_UNITS=1
ARG OPT_LEVEL=3
# The same flags for the dependency build and the real one, or cargo rebuilds everything.
ENV RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_PROFILE_RELEASE_LTO=${LTO} \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CODEGEN_UNITS} \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=${OPT_LEVEL}
WORKDIR /src
# Layer 1: the dependencies, built against the stand-in workspace crates. Cached until a
# manifest, Cargo.lock or a build argument changes.
COPY --from=recipe /recipe/ ./
RUN set -eux; \
    cargo build --release --locked -p todo --target "$(uname -m)-unknown-linux-gnu"
# The preStop hook's static `sleep` (changes almost never).
COPY e2e/images/sleep.c e2e/images/sleep.c
RUN mkdir -p /out && gcc -Os -static -o /out/sleep e2e/images/sleep.c && strip /out/sleep
# Layer 2: the sources. Only the workspace crates compile here. The stand-ins were built
# just now in the layer above while the real files keep their older mtimes from the context,
# so they are touched first: cargo's freshness check compares mtimes and would otherwise
# take a stand-in's build for the real crate's.
COPY crates/ crates/
RUN set -eux; \
    target="$(uname -m)-unknown-linux-gnu"; \
    find crates -name '*.rs' -exec touch {} +; \
    cargo build --release --locked -p todo --target "$target"; \
    cp "target/$target/release/todo" /out/todo; \
    /out/todo --help | grep -q serve  # the real binary, not a stand-in

# ---- the image users run (default target)
FROM scratch AS runtime
LABEL org.opencontainers.image.title="todo-chatbot" \
      org.opencontainers.image.description="Todo Chatbot: task API, web frontend, chat agent and MCP server in one static binary"
COPY --from=certs /rootfs/ /
COPY --from=build /out/todo /usr/local/bin/todo
COPY --from=build /out/sleep /bin/sleep
ENV HOST=0.0.0.0 \
    HOME=/data \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /data
USER 65532:65532
EXPOSE 8000 3000
ENTRYPOINT ["/usr/local/bin/todo"]
CMD ["serve"]
