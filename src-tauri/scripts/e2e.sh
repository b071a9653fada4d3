#!/usr/bin/env bash
# Builds the UI and the desktop app, then drives the real app end to end under Xvfb through
# tauri-driver and WebKitWebDriver. Screenshots of every screen land in $JIAYI_E2E_SCREENS
# (default: <target>/e2e-screens).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

bash "$here/install-deps.sh"
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")"
jobs=()
if [ -n "${JIAYI_BUILD_JOBS:-}" ]; then jobs=(-j "$JIAYI_BUILD_JOBS"); fi

(cd ui && npm run build)
# The very build `cargo test --workspace` makes (nothing to do after it): it holds the app binary,
# which src-tauri's own tests need, and these tests. The e2e binary is then run as that build
# made it: asking cargo for `--test e2e` (or `-p`) resolves the workspace's features anew, for
# fewer dev-dependencies, and compiles much of the workspace a second time.
e2e_bin="$(cargo test "${jobs[@]}" --workspace --no-run --message-format=json |
  python3 -c '
import json, sys
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "e2e" and msg.get("executable"):
        print(msg["executable"])
')"
if [ -z "$e2e_bin" ]; then
  echo "e2e: the build made no e2e test binary" >&2
  exit 1
fi

export JIAYI_DESKTOP_BIN="$CARGO_TARGET_DIR/debug/jiayi-desktop"
export JIAYI_E2E_SCREENS="${JIAYI_E2E_SCREENS:-$CARGO_TARGET_DIR/e2e-screens}"
export JIAYI_NO_VIEWER=1
# Software rendering: Xvfb has no GPU, and WebKit's GPU paths only add noise there.
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
rm -rf "$JIAYI_E2E_SCREENS"

# Run from the package's folder, as cargo runs a test.
cd "$root/tests/desktop"
xvfb-run -a -s "-screen 0 1366x768x24" "$e2e_bin" --ignored --test-threads=1 "$@"
echo "e2e: screenshots in $JIAYI_E2E_SCREENS"
