#!/usr/bin/env bash
# Builds the MCP tool components written in Python and JavaScript (world `tool-only` of
# wit/mcp/mcp.wit) to target/wasm/py_tools.wasm and target/wasm/js_tools.wasm (under the
# repo root, whatever CARGO_TARGET_DIR is):
#   py_tools: components/py-tools/app.py with componentize-py (scripts/install-componentize-py.sh)
#   js_tools: components/js-tools/app.js with componentize-js on Node 22 (scripts/install-node.sh),
#             without its http and fetch-event features (no wasi:http imports)
# A component is rebuilt only when one of its inputs (sources, the WIT, its install
# script, this script) is newer than it. `scripts/build-polyglot.sh py` or `... js`
# builds one. The toolchains go to ${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
py_src=components/py-tools
js_src=components/js-tools
wit_dir=wit/mcp
world=tool-only
out_dir="$root/target/wasm"
tools="${OUTRIGGER_TOOLS:-$HOME/.cache/outrigger}"
log() { echo "[build-polyglot] $*" >&2; }
fail() { log "error: $*"; exit 1; }

# up_to_date OUT DIR INPUT...: OUT exists and no source file in DIR (not its
# __pycache__, which componentize-py writes) and no other INPUT is newer.
up_to_date() {
  local out="$1" dir="$2"; shift 2
  [ -f "$out" ] || return 1
  [ -z "$(find "$dir" -type f -not -path '*/__pycache__/*' -newer "$out" -print -quit 2>/dev/null)" ] &&
    [ -z "$(find "$@" -type f -newer "$out" -print -quit 2>/dev/null)" ]
}

# elapsed START_NS: seconds since START_NS, as "7.2 s".
elapsed() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# show_log FILE: the tool's output without Rust stack backtraces.
show_log() { sed '/^Stack backtrace:/,$d' "$1" | sed '/^[[:space:]]*$/d' | tail -n 25 >&2; }

# wit_hint FILE: a fix for the WIT errors we know, else nothing.
wit_hint() {
  local kw
  kw=$(grep -o 'found keyword `[a-z-]*`' "$1" | head -n1 | sed 's/.*`\(.*\)`/\1/') || true
  [ -n "$kw" ] && echo "; \`$kw\` is a WIT keyword: escape it as \`%$kw\` where it names a type (or rename it) in $wit_dir"
  true
}

build_py() {
  local out="$out_dir/py_tools.wasm"
  [ -f "$py_src/app.py" ] || fail "$py_src/app.py is missing: restore it from git"
  if up_to_date "$out" "$py_src" "$wit_dir" scripts/install-componentize-py.sh scripts/build-polyglot.sh; then
    log "py_tools.wasm is up to date"
    return
  fi
  local cpy
  cpy=$(scripts/install-componentize-py.sh) || fail "installing componentize-py failed (see above): fix that, then run scripts/install-componentize-py.sh again"
  local tmp="$out.tmp" logf start
  logf=$(mktemp)
  start=$(date +%s%N)
  log "building $py_src -> target/wasm/py_tools.wasm (componentize-py, world $world)"
  if ! RUST_BACKTRACE=0 "$cpy" -d "$wit_dir" -w "$world" componentize -p "$py_src" app -o "$tmp" >"$logf" 2>&1; then
    show_log "$logf"
    local why
    why=$(sed -n '/^Caused by:/,/^Stack backtrace:/p' "$logf" | grep -E '^[[:space:]]+([0-9]+: |-->|[A-Za-z]*Error)' | sed 's/^[[:space:]]*//' | paste -sd' ' -)
    rm -rf "$tmp" "$py_src/__pycache__"
    fail "componentize-py could not build $py_src/app.py against $wit_dir (world $world): ${why:-see the output above}$(wit_hint "$logf")"
  fi
  rm -rf "$logf" "$py_src/__pycache__"
  mv -f "$tmp" "$out"
  log "built target/wasm/py_tools.wasm: $(du -h "$out" | cut -f1), $(elapsed "$start")"
}

build_js() {
  local out="$out_dir/js_tools.wasm"
  [ -f "$js_src/app.js" ] || fail "$js_src/app.js is missing: restore it from git"
  if up_to_date "$out" "$js_src" "$wit_dir" scripts/install-node.sh scripts/build-polyglot.sh; then
    log "js_tools.wasm is up to date"
    return
  fi
  local node
  node=$(scripts/install-node.sh) || fail "installing Node 22 and componentize-js failed (see above): fix that, then run scripts/install-node.sh again"
  local cli="$tools/js/node_modules/@bytecodealliance/componentize-js/src/cli.js"
  [ -f "$cli" ] || fail "componentize-js is not in $tools/js: delete $tools/js and run scripts/install-node.sh"
  local tmp="$out.tmp" logf start
  logf=$(mktemp)
  # A syntax error with its line, before componentize-js hides it.
  if ! "$node" --input-type=module --check <"$js_src/app.js" >"$logf" 2>&1; then
    sed -i "s|^\[stdin\]:|$js_src/app.js:|" "$logf"
    show_log "$logf"
    fail "$(head -n1 "$logf"): $(grep -m1 -E '^[A-Za-z]*Error' "$logf"): fix the JavaScript"
  fi
  start=$(date +%s%N)
  log "building $js_src -> target/wasm/js_tools.wasm (componentize-js, world $world)"
  if ! "$node" "$cli" "$js_src/app.js" --wit "$wit_dir" -n "$world" -d http fetch-event -o "$tmp" >"$logf" 2>&1; then
    show_log "$logf"
    rm -f "$tmp"
    fail "componentize-js could not build $js_src/app.js against $wit_dir (world $world): $(grep -m1 -E '^[A-Za-z]*Error' "$logf" || echo 'see the output above')$(wit_hint "$logf")"
  fi
  rm -f "$logf"
  mv -f "$tmp" "$out"
  log "built target/wasm/js_tools.wasm: $(du -h "$out" | cut -f1), $(elapsed "$start")"
}

mkdir -p "$out_dir"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(py js)
for t in "${targets[@]}"; do
  case "$t" in
    py) build_py ;;
    js) build_js ;;
    *) fail "unknown target '$t': use py, js or nothing (both)" ;;
  esac
done
