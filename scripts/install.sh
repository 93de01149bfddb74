#!/usr/bin/env bash
# Installs outrigger into PREFIX (default /usr/local): the host binary as
# PREFIX/bin/outrigger and the service components that ship with it (services/*:
# the nats-bridge, the otel-sidecar, the MCP transports) as PREFIX/wasm/*.wasm, where
# the binary looks for them (../wasm beside itself) when a workload's host interface
# asks for one. deploy/Dockerfile uses it; tests/e2e/install.rs checks the layout.
#
#   scripts/setup.sh && scripts/install.sh /opt/outrigger
#
# Builds nothing: the binary comes from OUTRIGGER_BIN (default: the release build),
# the components from target/wasm/ (scripts/build-guests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-/usr/local}"
bin="${OUTRIGGER_BIN:-${CARGO_TARGET_DIR:-target}/release/outrigger}"
[ -x "$bin" ] || { echo "[install] no host binary at $bin: build it (cargo build --release -p outrigger)" >&2; exit 1; }
mkdir -p "$prefix/bin" "$prefix/wasm"
install -m 0755 "$bin" "$prefix/bin/outrigger"
# The services that ship (the others under services/ are examples and test fixtures).
for service in nats-bridge otel-sidecar mcp-stdio mcp-http; do
  crate=$(sed -n 's/^name = "\(.*\)"/\1/p' "services/$service/Cargo.toml" | head -n1)
  f="target/wasm/${crate//-/_}.wasm"
  [ -f "$f" ] || { echo "[install] missing $f: run scripts/build-guests.sh" >&2; exit 1; }
  install -m 0644 "$f" "$prefix/wasm/"
done
echo "[install] $prefix/bin/outrigger and $(ls "$prefix/wasm" | wc -l) service component(s) in $prefix/wasm" >&2
