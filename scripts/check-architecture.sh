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

[ "$fail" = 0 ] && echo "architecture: invariants hold"
exit "$fail"
