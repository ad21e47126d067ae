#!/usr/bin/env bash
# Fails when a locked dependency that is built on this platform (for the library, the binary or
# the tests: normal, build and dev dependencies, with the features actually enabled) declares a
# `rust-version` newer than the workspace's (Cargo.toml, [workspace.package]), and when the
# toolchain that builds in CI is not that version. Prints the highest one found and who needs it.
# The MSRV is the version CI compiles with: the stable toolchain when it is that version, else the
# toolchain of that version (`cargo +VERSION check`), which must be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
cargo metadata --format-version 1 --locked --filter-platform "$host" | python3 -c '
import json, sys

m = json.load(sys.stdin)
pkgs = {p["id"]: p for p in m["packages"]}
nodes = {n["id"]: n for n in m["resolve"]["nodes"]}
members = m["workspace_members"]

def ver(s):
    v = [int(x) for x in s.split(".")]
    return tuple(v + [0] * (3 - len(v)))

def show(v):
    return ".".join(map(str, v[:2] if v[2] == 0 else v))

def kinds(dep):
    return {k["kind"] for k in dep["dep_kinds"]}

# What gets built: the members` normal, build and dev dependencies, then the normal and build
# dependencies of those, transitively (dev dependencies of dependencies are never built).
seen, stack = set(), [d["pkg"] for r in members for d in nodes[r]["deps"]]
while stack:
    i = stack.pop()
    if i in seen:
        continue
    seen.add(i)
    stack += [d["pkg"] for d in nodes[i]["deps"] if kinds(d) & {None, "build"}]

declared = {pkgs[r].get("rust_version") for r in members}
if len(declared) != 1 or None in declared:
    sys.exit(f"check-msrv: every member takes rust-version from the workspace, found {declared}")
declared = declared.pop()
needs = sorted(
    ((ver(pkgs[i]["rust_version"]), pkgs[i]["name"] + " " + pkgs[i]["version"])
     for i in seen if pkgs[i].get("rust_version") and i not in members),
    reverse=True,
)
top = needs[0][0] if needs else (0, 0, 0)
who = ", ".join(n for v, n in needs if v == top)
if top > ver(declared):
    newer = ", ".join(n + " (" + show(v) + ")" for v, n in needs if v > ver(declared))
    sys.exit(f"check-msrv: rust-version = \"{declared}\" in Cargo.toml, but locked dependencies "
             f"need newer: {newer}; set it to \"{show(top)}\"")
print(f"check-msrv: rust-version {declared}; {len(seen)} dependencies built, the highest "
      f"rust-version among them is {show(top)} ({who})")
'
declared=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
have=$(rustc --version | awk '{print $2}')
if [ "${have%.*}" = "$declared" ] || [ "$have" = "$declared" ]; then
  echo "check-msrv: CI compiles with rustc $have, the declared rust-version"
elif rustup run "$declared" rustc --version >/dev/null 2>&1; then
  echo "check-msrv: compiling with rustc $declared (the declared rust-version)"
  cargo "+$declared" check --workspace --all-targets --locked
else
  echo "check-msrv: rustc $have builds here, but rust-version is $declared and no toolchain of" \
    "that version is installed (rustup toolchain install $declared)" >&2
  exit 1
fi
