#!/usr/bin/env bash
# Checks the architecture invariants written in ARCHITECTURE.md that a compiler does not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fail=0

# Only src-tauri may depend on tauri.
for manifest in crates/*/Cargo.toml tests/Cargo.toml tests/*/Cargo.toml; do
  [ -f "$manifest" ] || continue
  if grep -Eq '^\s*tauri(-[a-z-]+)?\s*=' "$manifest"; then
    echo "architecture: $manifest depends on tauri; only src-tauri may" >&2
    fail=1
  fi
done

# The domain core does no I/O: no database, network, files, processes or clock.
core_deps=$(sed -n '/^\[dependencies\]/,/^\[/p' crates/jiayi-core/Cargo.toml)
for forbidden in rusqlite reqwest tokio axum refinery printpdf calamine rust_xlsxwriter; do
  if grep -q "^$forbidden" <<<"$core_deps"; then
    echo "architecture: jiayi-core depends on $forbidden; the core does no I/O" >&2
    fail=1
  fi
done
if grep -rnE 'std::(fs|net|process)|Utc::now|Local::now|SystemTime::now|Instant::now' crates/jiayi-core/src; then
  echo "architecture: jiayi-core reaches files, network, processes or the clock (above)" >&2
  fail=1
fi

# One error enum per library crate: anyhow belongs in binaries only.
for lib in crates/jiayi-core crates/jiayi-store crates/jiayi-api crates/jiayi-print crates/jiayi-sync crates/jiayi-excel; do
  [ -f "$lib/Cargo.toml" ] || continue
  if sed -n '/^\[dependencies\]/,/^\[/p' "$lib/Cargo.toml" | grep -q '^anyhow'; then
    echo "architecture: $lib uses anyhow; libraries have their own thiserror enum" >&2
    fail=1
  fi
done

# No import circles inside a crate: no two modules that reach each other through their imports.
for src in crates/*/src src-tauri/src tests/src tests/desktop/src; do
  [ -d "$src" ] || continue
  if ! python3 scripts/import-circles.py "$src"; then
    echo "architecture: $src has modules that import each other (above); move what both need into a third module" >&2
    fail=1
  fi
done

# One field style across the UI boundary: every field of a shared type is snake_case.
if ! bash scripts/field-style.sh ui/src/generated/*.ts ui/src/api/types.ts; then
  echo "architecture: a type the UI exchanges breaks the one field style (above)" >&2
  fail=1
fi

# Files with one job: no source file of the operations or the server over 700 lines.
for src in crates/jiayi-api/src crates/jiayi-server/src; do
  while read -r lines file; do
    if [ "$file" != total ] && [ "$lines" -ge 700 ]; then
      echo "architecture: $file has $lines lines; split it by job (under 700)" >&2
      fail=1
    fi
  done < <(find "$src" -name '*.rs' -print0 | xargs -0 wc -l)
done

[ "$fail" = 0 ] && echo "architecture: invariants hold"
exit "$fail"
