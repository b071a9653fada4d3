#!/usr/bin/env bash
# Measures the desktop app with the demo township under Xvfb and prints the figures:
#   - first start (creating the demo township) and cold start to an interactive work list, the
#     passphrase given on standard input (so the time includes deriving the key, Argon2id);
#   - resident memory of the app process and of its web processes;
#   - search-as-you-type latency, keystroke to results on screen (through WebDriver).
# Usage: measure.sh [--no-build] [runs]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
runs="${1:-5}"

if [ "$build" = 1 ]; then
  bash "$here/install-deps.sh"
  (cd ui && npm run build)
  cargo build --release -p jiayi-desktop
fi
app="${JIAYI_DESKTOP_BIN:-$CARGO_TARGET_DIR/release/jiayi-desktop}"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 JIAYI_NO_VIEWER=1

data="$(mktemp -d)"
xvfb_pid=""
cleanup() {
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
sleep 1

now_ms() { date +%s%3N; }
ready_ms() { sed -n 's/.*work list interactive after \([0-9]*\) ms.*/\1/p' "$1" | head -1; }

echo "== app: $app"
t0=$(now_ms)
passphrase="青山镇卫生院演示口令"
echo "$passphrase" | "$app" --data-dir "$data" --demo --exit-when-ready --passphrase-stdin 2>"$data/first.log" >/dev/null
t1=$(now_ms)
echo "first start, creating the demo township: $((t1 - t0)) ms wall, work list after $(ready_ms "$data/first.log") ms"
ls -l "$data"/jiayi.sqlite3 | awk '{printf "demo database: %.1f MiB\n", $5/1048576}'

for i in $(seq 1 "$runs"); do
  t0=$(now_ms)
  echo "$passphrase" | "$app" --data-dir "$data" --exit-when-ready --passphrase-stdin 2>"$data/run$i.log" >/dev/null
  t1=$(now_ms)
  echo "cold start $i: work list interactive after $(ready_ms "$data/run$i.log") ms (process wall $((t1 - t0)) ms incl. exit)"
  grep -h "^unlock:" "$data/run$i.log" | sed 's/^/  /' || true
done

# Resident memory with the demo open: the app process and every process under it (WebKit's web
# and network processes).
"$app" --data-dir "$data" --passphrase-stdin 2>"$data/mem.log" >/dev/null < <(echo "$passphrase") &
app_pid=$!
for _ in $(seq 1 100); do
  if grep -q "work list interactive" "$data/mem.log"; then break; fi
  sleep 0.1
done
sleep 2
tree_pids() { echo "$1"; for c in $(pgrep -P "$1" || true); do tree_pids "$c"; done; }
total=0
for p in $(tree_pids "$app_pid"); do
  kb=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
  name=$(cat "/proc/$p/comm" 2>/dev/null || echo "?")
  printf "rss %-22s %7d KiB\n" "$name" "$kb"
  total=$((total + kb))
done
echo "resident memory with the demo open: $((total / 1024)) MiB in all"
kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true

# Search latency, driven through the window.
export JIAYI_DESKTOP_BIN="$app"
cargo test -q -p jiayi-desktop-tests --test perf -- --ignored --nocapture 2>&1 | grep -E "search|test result"
