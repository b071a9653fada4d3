#!/usr/bin/env bash
# Builds the UI and the desktop app, then drives the real app end to end under Xvfb through
# tauri-driver and WebKitWebDriver. Screenshots of every screen land in $JIAYI_E2E_SCREENS
# (default: <target>/e2e-screens).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

bash "$here/install-deps.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
jobs=()
if [ -n "${JIAYI_BUILD_JOBS:-}" ]; then jobs=(-j "$JIAYI_BUILD_JOBS"); fi

(cd ui && npm run build)
# The very build `cargo test --workspace` makes (nothing to do after it): it holds the app binary,
# which src-tauri's own tests need, and these tests. A `-p` build would resolve features
# differently and compile much of Tauri a second time.
cargo test "${jobs[@]}" --workspace --no-run

export JIAYI_DESKTOP_BIN="$CARGO_TARGET_DIR/debug/jiayi-desktop"
export JIAYI_E2E_SCREENS="${JIAYI_E2E_SCREENS:-$CARGO_TARGET_DIR/e2e-screens}"
export JIAYI_NO_VIEWER=1
# Software rendering: Xvfb has no GPU, and WebKit's GPU paths only add noise there.
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
rm -rf "$JIAYI_E2E_SCREENS"

xvfb-run -a -s "-screen 0 1366x768x24" \
  cargo test "${jobs[@]}" --workspace --test e2e -- --ignored --test-threads=1 "$@"
echo "e2e: screenshots in $JIAYI_E2E_SCREENS"
