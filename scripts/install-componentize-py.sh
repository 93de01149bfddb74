#!/usr/bin/env bash
# Installs componentize-py (builds Python MCP tool components, components/py-tools) from
# PyPI into the venv at ${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}/venv (the one
# install-nats-server.sh uses). The wheel bundles CPython for WASI and the wasm tooling:
# nothing else is needed. A second run only checks the version. Prints the binary's path
# on stdout (everything else goes to stderr).
set -euo pipefail
version="0.25.1"
tools="${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}"
venv="$tools/venv"
bin="$venv/bin/componentize-py"
log() { echo "[install-componentize-py] $*" >&2; }

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q " $version\$"; then
  echo "$bin"
  exit 0
fi

bash "$(dirname "$0")/pip-install.sh" "componentize-py==$version" install-componentize-py
[ -x "$bin" ] || { log "componentize-py installed but $bin is missing"; exit 1; }
"$bin" --version >&2
echo "$bin"
