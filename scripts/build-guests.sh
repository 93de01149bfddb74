#!/usr/bin/env bash
# Builds every guest crate (services/*, components/*) to a wasm32-wasip2 component
# with the `guest` profile and copies them to target/wasm/<crate_name>.wasm, the
# paths examples/ and tests/ use (whatever CARGO_TARGET_DIR is).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
pkgs=()
for manifest in services/*/Cargo.toml components/*/Cargo.toml; do
  pkgs+=(-p "$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -n1)")
done
if rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  cargo=(cargo)
  target_dir="${CARGO_TARGET_DIR:-$root/target}"
elif [ -x /opt/outrigger-wasm/bin/wasm-cargo ]; then
  # Debian rustc differs from rustup's: keep its artifacts apart.
  cargo=(/opt/outrigger-wasm/bin/wasm-cargo)
  target_dir="${CARGO_TARGET_DIR:-$root/target}/debian-wasm"
  export CARGO_TARGET_DIR="$target_dir"
else
  echo "[build-guests] no wasm32-wasip2 toolchain: run scripts/setup.sh" >&2
  exit 1
fi
echo "[build-guests] building $(( ${#pkgs[@]} / 2 )) guest components" >&2
"${cargo[@]}" build --locked --profile guest --target wasm32-wasip2 "${pkgs[@]}"
mkdir -p "$root/target/wasm"
out="$target_dir/wasm32-wasip2/guest"
for p in "${pkgs[@]}"; do
  [ "$p" = -p ] && continue
  f="$out/${p//-/_}.wasm"
  [ -f "$f" ] || { echo "[build-guests] missing $f" >&2; exit 1; }
  cp -f "$f" "$root/target/wasm/"
done
ls -1 "$root/target/wasm" >&2
