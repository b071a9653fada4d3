#!/usr/bin/env bash
# Runs every test of the project: style and lints, architecture invariants, the Rust tests of
# every crate (real SQLite files, real PDFs checked with poppler, a real PostgreSQL started by
# the server tests), the UI's unit tests, and the real desktop app driven end to end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
# A full build from a clean checkout gains nothing from incremental caches and pays to write them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n==> %s\n' "$*"; }

step "installing what is missing"
bash scripts/install-deps.sh

step "architecture invariants"
bash scripts/check-architecture.sh

step "formatting"
cargo fmt --all --check

step "building the UI (the desktop crate embeds it)"
(cd ui && npm run build)

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "TypeScript types generated from the Rust types are current"
bash src-tauri/scripts/gen-types.sh --check

step "Rust tests"
cargo test --workspace

step "schemathesis against the server's OpenAPI document: no 5xx"
JIAYI_ST_SEED="${JIAYI_ST_SEED:-20261123}" bash scripts/schemathesis.sh

step "UI unit tests"
(cd ui && npm test)

step "desktop app end to end (Xvfb + tauri-driver + WebKitWebDriver)"
bash src-tauri/scripts/e2e.sh

step "all tests passed"
