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

command -v python3 >/dev/null || { log "python3 is missing: install Python 3 with pip and venv"; exit 1; }
mkdir -p "$tools"
if [ ! -x "$venv/bin/python" ]; then
  log "creating a venv in $venv"
  python3 -m venv "$venv" || { log "python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)"; exit 1; }
fi
log "installing componentize-py==$version from PyPI"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "componentize-py==$version" >&2 \
  || { log "pip install componentize-py==$version failed (see above): check the network, or delete $venv and run again"; exit 1; }
[ -x "$bin" ] || { log "componentize-py installed but $bin is missing"; exit 1; }
"$bin" --version >&2
echo "$bin"
