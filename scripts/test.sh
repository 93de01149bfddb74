#!/usr/bin/env bash
# Runs every test: makes sure the toolchain and guest components are built, checks
# that the sync and async views of the example WIT agree, then runs the unit and
# end-to-end tests (real components in a real host) in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check-wit.sh
cargo test --release --locked -p outrigger
