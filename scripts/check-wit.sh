#!/usr/bin/env bash
# Some WIT packages exist in more than one copy: services export or call interfaces
# with `async func` (wit/*-async/, wit/*/deps/ service views), while reactive components
# and the vendored upstream files (wit/deps/) use the same interfaces sync-typed. The
# host links them by name and value types, so every copy of an interface must be
# identical apart from the `async` keyword. This checks all of them.
set -euo pipefail
cd "$(dirname "$0")/../wit"
python3 - <<'PY'
import os, pathlib, re, sys

def package_of(folder):
    for p in sorted(folder.glob("*.wit")):
        m = re.search(r"^\s*package\s+([^;\s]+)\s*;", p.read_text(), re.M)
        if m:
            return m.group(1)
    return None

def interfaces(text):
    text = re.sub(r"//[^\n]*", "", text)
    out = {}
    for m in re.finditer(r"\binterface\s+([\w-]+)\s*\{", text):
        depth, j = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        out[m.group(1)] = " ".join(text[m.end():j - 1].replace("async ", "").split())
    return out

copies = {}  # (package, interface) -> [(folder, body)]
for root, dirs, files in os.walk(".", followlinks=True):
    folder = pathlib.Path(root)
    wits = [f for f in files if f.endswith(".wit")]
    if not wits:
        continue
    pkg = package_of(folder)
    if pkg is None:
        print(f"check-wit: {folder}/ has .wit files but no `package` line"); sys.exit(1)
    for f in sorted(wits):
        for name, body in interfaces((folder / f).read_text()).items():
            copies.setdefault((pkg, name), []).append((str(folder), body))

bad = checked = 0
for (pkg, name), seen in sorted(copies.items()):
    if len({folder for folder, _ in seen}) < 2:
        continue
    checked += 1
    first_folder, first = seen[0]
    for folder, body in seen[1:]:
        if body != first:
            print(f"check-wit: {pkg} interface `{name}` differs between {first_folder}/ and {folder}/ (beyond `async`)")
            bad += 1
print(f"check-wit: {checked} interface(s) with several copies checked, {bad} mismatch(es)")
sys.exit(1 if bad else 0)
PY
