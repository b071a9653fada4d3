#!/usr/bin/env bash
# Installs what building and testing the desktop app needs on Debian 12, only where missing:
# WebKitGTK and friends for Tauri, Xvfb, WebKitWebDriver, CJK fonts, tauri-driver, the UI's npm
# packages. Safe to run again: each step checks first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

packages=(
  libwebkit2gtk-4.1-dev   # the webview
  libsoup-3.0-dev
  librsvg2-dev
  libayatana-appindicator3-dev
  build-essential
  pkg-config
  xvfb                    # a display for the end-to-end tests
  xauth
  webkit2gtk-driver       # WebKitWebDriver
  imagemagick             # `import`: screenshots of the Xvfb display
  xdotool                 # driving GTK's own dialogs (the print dialog), which WebDriver cannot see
  fonts-noto-cjk          # Chinese text in the window and screenshots
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: system packages present"
fi

if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "install-deps: building tauri-driver"
  cargo install tauri-driver --locked
else
  echo "install-deps: tauri-driver present"
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: npm is missing (Node.js 20 or later is needed for the UI)" >&2
  exit 1
fi

if [ ! -d "$root/ui/node_modules" ] || [ "$root/ui/package-lock.json" -nt "$root/ui/node_modules/.package-lock.json" ]; then
  # `npm install` rather than `npm ci`: the lock records only this platform's optional
  # binaries (rollup, esbuild, tauri-cli), which `npm ci` refuses as out of sync.
  echo "install-deps: npm install in ui/ (versions pinned by package-lock.json)"
  (cd "$root/ui" && npm install --no-audit --no-fund)
else
  echo "install-deps: ui/node_modules up to date"
fi
