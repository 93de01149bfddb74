#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh), then runs the main demo: examples/counter.yaml,
# a `counter` service and a `ticker` service with reactive components calling into
# them, for 8 seconds. Shows the calls, the logs and the final status.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo
echo "== outrigger run examples/counter.yaml (8 s) =="
"${CARGO_TARGET_DIR:-target}/release/outrigger" run examples/counter.yaml --for 8s \
  --invoke 'client.bump(10000)' --invoke 'client.read()' --invoke 'client.ticks()' \
  --invoke 'client.echo(100, 4096)'
echo
echo "== outrigger call examples/chain.yaml 'outer.apply(\"hello\")' =="
"${CARGO_TARGET_DIR:-target}/release/outrigger" call examples/chain.yaml 'outer.apply("hello")'
