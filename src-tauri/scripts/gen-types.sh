#!/usr/bin/env bash
# Generates the TypeScript types the UI shares with Rust (ts-rs derives in jiayi-api behind its
# `ts` feature) into ui/src/generated. With --check, generates into a temporary folder and fails
# when the committed files differ, so CI catches a Rust change whose types were not regenerated.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
out="$root/ui/src/generated"
check=0
if [ "${1:-}" = "--check" ]; then check=1; fi

# The derives sit behind jiayi-api's `ts` feature; until it exists the UI's hand-written mirror
# in ui/src/api/types.ts is the contract, and there is nothing generated to compare.
if ! sed -n '/^\[features\]/,/^\[/p' crates/jiayi-api/Cargo.toml | grep -q '^ts\s*='; then
  echo "gen-types: skipped: jiayi-api has no 'ts' feature yet (types mirrored by hand in ui/src/api/types.ts)"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# ts-rs writes one file per exported type when its generated export tests run.
TS_RS_EXPORT_DIR="$tmp" cargo test -q -p jiayi-api --features ts export_bindings >/dev/null
if ! ls "$tmp"/*.ts >/dev/null 2>&1; then
  echo "gen-types: ts-rs exported nothing (is the 'ts' feature of jiayi-api wired?)" >&2
  exit 1
fi

if [ "$check" = 1 ]; then
  if ! diff -r -u "$out" "$tmp" --exclude=README.md; then
    echo "gen-types: ui/src/generated is stale: run src-tauri/scripts/gen-types.sh and commit the result" >&2
    exit 1
  fi
  echo "gen-types: ui/src/generated is up to date"
else
  mkdir -p "$out"
  find "$out" -name '*.ts' -delete
  cp "$tmp"/*.ts "$out"/
  echo "gen-types: wrote $(ls "$tmp"/*.ts | wc -l) files to ui/src/generated"
fi
