#!/usr/bin/env bash
# Installs, only where missing, everything building and testing Jiayi needs on Debian 12 with
# Rust and Node already present: system libraries for the desktop app, poppler for PDF checks,
# PostgreSQL for the server tests, Chromium for the dashboard test, Xvfb and the WebDriver tools,
# OpenSSL's headers for SQLCipher (the device's encrypted database), curl for the scripts, and
# iproute2's `ss` (a test reads the server's listen queue with it), desktop-file-utils for the
# Debian package's test (scripts/test-package.sh checks its desktop entry), and CUPS' scheduler
# and client programs (printing tests start a private scheduler; the app prints through `lp`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need=()
for pkg in poppler-utils zbar-tools postgresql chromium fonts-noto-cjk libssl-dev pkg-config curl iproute2 \
  desktop-file-utils cups-daemon cups-client; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# Schemathesis, which exercises the server's OpenAPI document (scripts/schemathesis.sh), and the
# Hypothesis it runs on. Hypothesis is pinned as well: from 6.138 it names a filter's lambda by
# parsing the whole source file around it, and Python 3.11.7's parser fails on schemathesis's
# largest module ("AST constructor recursion depth mismatch"), a crash of the tool that reads as
# a failed run.
hypothesis_pin=6.137.1
if ! command -v st >/dev/null 2>&1 ||
  [ "$(python3 -c 'import hypothesis; print(hypothesis.__version__)' 2>/dev/null)" != "$hypothesis_pin" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5" \
    "hypothesis==$hypothesis_pin"
  # Under pyenv the new `st` command needs its shim.
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
fi

# The desktop app's own needs (WebKitGTK, Xvfb, WebKitWebDriver, tauri-driver, npm packages).
bash "$root/src-tauri/scripts/install-deps.sh"
