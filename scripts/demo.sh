#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh), then runs the demos:
#  1. examples/nats/plain.yaml: the NATS bridge service holding one connection to a
#     local NATS server (started here when nothing listens on 127.0.0.1:4222), a
#     standard wasi:messaging component and a wasmCloud component, requests
#     answered by handler components through NATS, and 100,000 publishes;
#  2. examples/counter.yaml: services with reactive components calling into them;
#  3. examples/chain.yaml: a component -> component chain.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin="${CARGO_TARGET_DIR:-target}/release/outrigger"

server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT
if (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  echo "[demo] using the NATS server already listening on 127.0.0.1:4222"
else
  nats_server="$(bash scripts/install-nats-server.sh)"
  echo "[demo] starting a local NATS server: $nats_server -a 127.0.0.1 -p 4222"
  "$nats_server" -a 127.0.0.1 -p 4222 >/dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 0.1; done
fi

echo
echo "== outrigger run examples/nats/plain.yaml =="
"$bin" run examples/nats/plain.yaml --for 2s \
  --invoke 'app.publish("demo.hello", "hi from wasi:messaging", [("content-type", "text/plain")])' \
  --invoke 'app.request("echo.demo", "ping", 2000, 1)' \
  --invoke 'wc.request("wc.demo", "ping", 2000, 1)' \
  --invoke 'app.request("echo.twice", "to both", 500, 1)' \
  --invoke 'app.request("nobody.listens", "?", 2000, 1)' \
  --invoke 'app.publish-many("demo.load", 100000, 128)'

echo
echo "== outrigger run examples/counter.yaml (4 s) =="
"$bin" run examples/counter.yaml --for 4s \
  --invoke 'client.bump(10000)' --invoke 'client.read()' --invoke 'client.ticks()' \
  --invoke 'client.echo(100, 4096)'
echo
echo "== outrigger call examples/chain.yaml 'outer.apply(\"hello\")' =="
"$bin" call examples/chain.yaml 'outer.apply("hello")'
