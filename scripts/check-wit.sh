#!/usr/bin/env bash
# Services export interfaces with `async func` (wit/*-async/); reactive components see
# the same interfaces sync-typed (wit/<name>/). The host links them by name and
# value types, so the two views must stay identical apart from the `async` keyword.
# This checks every interface of each *-async package against its sync twin.
set -euo pipefail
cd "$(dirname "$0")/../wit"
python3 - <<'PY'
import pathlib, re, sys

def interfaces(folder):
    text = "\n".join(p.read_text() for p in sorted(pathlib.Path(folder).glob("*.wit")))
    text = re.sub(r"//[^\n]*", "", text)
    out, i = {}, 0
    for m in re.finditer(r"\binterface\s+([\w-]+)\s*\{", text):
        depth, j = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        body = text[m.end():j - 1]
        out[m.group(1)] = " ".join(body.replace("async ", "").split())
    return out

bad = 0
for async_dir in sorted(pathlib.Path(".").glob("*-async")):
    sync_dir = pathlib.Path(str(async_dir)[: -len("-async")])
    a, s = interfaces(async_dir), interfaces(sync_dir)
    for name, body in a.items():
        if name not in s:
            print(f"check-wit: {async_dir}/ interface `{name}` has no sync twin in {sync_dir}/"); bad += 1
        elif s[name] != body:
            print(f"check-wit: interface `{name}` differs between {sync_dir}/ and {async_dir}/ (beyond `async`)"); bad += 1
    print(f"check-wit: {async_dir}/ vs {sync_dir}/: {len(a)} interface(s) checked")
sys.exit(1 if bad else 0)
PY
