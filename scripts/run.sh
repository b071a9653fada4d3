#!/usr/bin/env bash
# Sets up what is missing and starts the desktop app. On first start, with no database yet, the
# app asks for a passphrase and offers the demo township (21 villages, 6,480 households, 26,990
# residents) to work with.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
(cd ui && npm run build)
cargo build --release -p jiayi-desktop -p jiayi-cli
# --demo: a first start (no database yet) offers the demo township first. Two allocator arenas,
# as the installed app's menu entry starts it (see src-tauri/bundle/linux/jiayi.desktop.hbs).
MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" exec "${CARGO_TARGET_DIR:-target}/release/jiayi-desktop" --demo "$@"
