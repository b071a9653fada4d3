#!/usr/bin/env bash
# Runs every test of the project: style and lints, architecture invariants, the Rust tests of
# every crate (real SQLite files, real PDFs checked with poppler, a real PostgreSQL started by
# the server tests), the UI's unit tests, the real desktop app driven end to end, and its
# Debian package built, installed and driven.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
# A full build from a clean checkout gains nothing from incremental caches and pays to write them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Each step's time, printed at the end (and when a step fails), so a slow step shows itself.
step_names=()
step_secs=()
step_started=$SECONDS
run_started=$SECONDS
step() {
  close_step
  step_names+=("$*")
  step_started=$SECONDS
  printf '\n==> %s\n' "$*"
}
close_step() {
  if [ ${#step_names[@]} -gt ${#step_secs[@]} ]; then
    step_secs+=($((SECONDS - step_started)))
  fi
}
print_times() {
  local status=$?
  close_step
  printf '\n==> time per step (%s)\n' "$([ "$status" = 0 ] && echo passed || echo "failed, exit $status")"
  local i
  for i in "${!step_names[@]}"; do
    printf '%6ss  %s\n' "${step_secs[$i]}" "${step_names[$i]}"
  done
  printf '%6ss  total\n' "$((SECONDS - run_started))"
}
trap print_times EXIT

step "installing what is missing"
bash scripts/install-deps.sh

step "architecture invariants"
bash scripts/check-architecture.sh

step "formatting"
cargo fmt --all --check

step "building the UI (the desktop crate embeds it)"
(cd ui && npm run build)

# One build serves clippy and the tests: clippy's driver compiles the workspace's own crates
# (their lints denied as `cargo clippy -- -D warnings` does) while building the test binaries.
# `cargo clippy` followed by `cargo test` would compile every dependency twice, once checked and
# once built. Every cargo call below inherits the driver, so none of them builds again.
step "clippy and the test build (one build)"
if clippy_driver="$(command -v clippy-driver)"; then
  export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  cargo test --workspace --all-targets --no-run
else
  cargo clippy --workspace --all-targets -- -D warnings
  cargo test --workspace --all-targets --no-run
fi

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

step "the Debian package: built, checked, installed, its app driven, updated from a township server, removed with the data kept"
bash scripts/test-package.sh --skip-ui

close_step
printf '\n==> all tests passed\n'
