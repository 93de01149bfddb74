#!/usr/bin/env bash
# The registries-only route to wasm32-wasip2 guests, for machines where
# `rustup target add wasm32-wasip2` cannot download (docs/NOTES.md, "Toolchain",
# says why each piece is needed). Installs into /opt/outrigger-wasm (OUTRIGGER_WASM_PREFIX):
#   * Debian rustc-web/cargo-web + rust-web-src: std is rebuilt for the target with
#     -Zbuild-std (RUSTC_BOOTSTRAP=1);
#   * wasi-libc with a wasm32-wasip2 sysroot from a newer Debian suite (the system's
#     apt sources are not changed: a private apt config downloads one .deb);
#   * wasm-component-ld (crates.io) over Debian's wasm-ld, clang for C code (ring).
# Leaves bin/wasm-cargo, which scripts/build-guests.sh uses when it exists.
set -euo pipefail
PREFIX="${OUTRIGGER_WASM_PREFIX:-/opt/outrigger-wasm}"
LLVM="${LLVM_VER:-22}"
SUITES="${WASI_LIBC_SUITES:-forky sid trixie}"
log() { echo "[wasm-toolchain] $*" >&2; }
export DEBIAN_FRONTEND=noninteractive

log "apt: rustc-web cargo-web rust-web-src lld-$LLVM clang-$LLVM llvm-$LLVM"
apt-get update -qq
apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src "lld-$LLVM" "clang-$LLVM" "llvm-$LLVM" >/dev/null
SYSROOT=$(/usr/bin/rustc --print sysroot)
[ -f "$SYSROOT/lib/rustlib/src/rust/library/Cargo.lock" ] || { log "rust-web-src gave no std sources"; exit 1; }

log "wasi-libc from Debian suites: $SUITES"
mirror=$(awk '/^URIs:/{print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | grep '/debian/*$' | head -n1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { log "cannot find the Debian mirror in /etc/apt; set it in /etc/apt/sources.list.d"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" "$SUITES" > "$tmp/src.sources"
apt_opts=(-o "Dir::Etc::SourceList=$tmp/src.sources" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$tmp/lists"
          -o "Dir::Cache=$tmp/cache" -o Acquire::Languages=none -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq || log "some suites did not update; using what arrived"
(cd "$tmp" && apt-get "${apt_opts[@]}" download wasi-libc >/dev/null)
mkdir -p "$PREFIX/bin" "$PREFIX/wasi-libc"
dpkg-deb -x "$tmp"/wasi-libc_*.deb "$PREFIX/wasi-libc"
WASI="$PREFIX/wasi-libc/usr"
[ -f "$WASI/lib/wasm32-wasip2/libc.a" ] || { log "this wasi-libc has no wasm32-wasip2 sysroot"; exit 1; }
dst="$SYSROOT/lib/rustlib/wasm32-wasip2/lib/self-contained"
rm -rf "$dst" && mkdir -p "$dst" && cp -a "$WASI/lib/wasm32-wasip2/." "$dst/"
if ! "llvm-nm-$LLVM" "$dst/libc.a" 2>/dev/null | grep -qE ' [TW] pthread_create$' && [ -f "$dst/libwasi-emulated-pthread.a" ]; then
  (cd "$tmp" && "llvm-ar-$LLVM" x "$dst/libwasi-emulated-pthread.a" && "llvm-ar-$LLVM" qs "$dst/libc.a" ./*.o)
  log "merged pthread stubs into libc.a"
fi

log "wasm-component-ld (crates.io)"
ln -sf "/usr/bin/wasm-ld-$LLVM" "$PREFIX/bin/wasm-ld"
if command -v rustup >/dev/null; then cargo_host=(cargo); else cargo_host=(env RUSTC=/usr/bin/rustc /usr/bin/cargo); fi
"${cargo_host[@]}" install -q --locked --root "$PREFIX" wasm-component-ld --version 0.5.31

cat > "$PREFIX/bin/wasm-cargo" <<WRAP
#!/bin/sh
# cargo for wasm32-wasip2 guests with Debian's rustc-web (see scripts/wasm-toolchain-debian.sh)
export PATH="$PREFIX/bin:\$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_WASM32_WASIP2_LINKER="$PREFIX/bin/wasm-component-ld"
export CC_wasm32_wasip2=clang-$LLVM AR_wasm32_wasip2=llvm-ar-$LLVM CFLAGS_wasm32_wasip2="--sysroot=$WASI"
exec /usr/bin/cargo "\$@"
WRAP
chmod +x "$PREFIX/bin/wasm-cargo"
log "ready: $PREFIX/bin/wasm-cargo"
