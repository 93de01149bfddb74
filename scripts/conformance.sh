#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned
# below, on Node 22 from scripts/install-node.sh) against the streamable-HTTP transport
# serving tests/conformance/workload.yaml, for both protocol revisions. Failures we
# expect are listed, each with its reason, in tests/conformance/expected-<rev>.yaml;
# the suite exits non-zero on any other failure, and on a listed one that now passes.
# tests/conformance/README.md has the last result and why the unscored failures fail.
# Needs the host and guests built (scripts/setup.sh). Results: target/conformance/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
suite_version="0.2.0-alpha.12"
tools="${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}"
suite_dir="$tools/conformance-$suite_version"
log() { echo "[conformance] $*" >&2; }

node=$(bash scripts/install-node.sh)
npm_cli="$(dirname "$(dirname "$node")")/lib/node_modules/npm/bin/npm-cli.js"
if [ ! -f "$suite_dir/node_modules/@modelcontextprotocol/conformance/package.json" ]; then
  log "installing @modelcontextprotocol/conformance@$suite_version into $suite_dir"
  mkdir -p "$suite_dir"
  PATH="$(dirname "$node"):$PATH" "$node" "$npm_cli" install --silent --no-audit --no-fund --prefix "$suite_dir" \
    "@modelcontextprotocol/conformance@$suite_version" >&2 \
    || { log "npm could not install the conformance suite: check the network or an npm proxy setting"; exit 1; }
fi
cli="$suite_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -f "$cli" ] || { log "the suite's CLI is not at $cli: delete $suite_dir and run again"; exit 1; }

bin="${CARGO_TARGET_DIR:-$root/target}/release/outrigger"
[ -x "$bin" ] || { log "$bin is missing: run scripts/setup.sh first"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out="$root/target/conformance"
mkdir -p "$out"
MCP_HTTP_BIND="127.0.0.1:$port" RUST_LOG="warn,guest=info" "$bin" run tests/conformance/workload.yaml 2>"$out/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q "mcp-http: listening on" "$out/server.log" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$out/server.log" >&2; log "the server ended before listening"; exit 1; }
  sleep 0.1
done
grep -q "mcp-http: listening on" "$out/server.log" || { cat "$out/server.log" >&2; log "the server did not start listening"; exit 1; }

status=0
for rev in 2025-11-25 2026-07-28; do
  log "suite $suite_version, requirements $rev, against http://127.0.0.1:$port/mcp"
  args=(server --url "http://127.0.0.1:$port/mcp" --requirements "$rev" -o "$out/$rev")
  [ -s "tests/conformance/expected-$rev.yaml" ] && args+=(--expected-failures "tests/conformance/expected-$rev.yaml")
  if ! PATH="$(dirname "$node"):$PATH" "$node" "$cli" "${args[@]}" 2>&1 | tee "$out/$rev.txt"; then
    status=1
  fi
done
if [ $status -ne 0 ]; then
  log "conformance failures (details: $out/<revision>/*/checks.json, server log: $out/server.log)"
fi
exit $status
