#!/usr/bin/env bash
# Runs every test: makes sure the toolchain and guest components are built, checks
# that the sync and async views of the example WIT agree, then runs the unit and
# end-to-end tests (real components in a real host) in release mode, then the
# official MCP conformance suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check-wit.sh
if cargo nextest --version >/dev/null 2>&1; then
  # nextest runs each test in its own process and kills any that hangs (.config/nextest.toml).
  cargo nextest run --release --locked -p outrigger -p guest-net -p nats-client -p otlp-export -p mcp-core
else
  cargo test --release --locked -p outrigger -p guest-net -p nats-client -p otlp-export -p mcp-core
fi
# The official MCP conformance suite against the streamable-HTTP transport, both revisions.
bash scripts/conformance.sh
